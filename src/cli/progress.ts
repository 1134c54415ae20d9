/**
 * A one-line progress display: redrawn in place on a terminal, plain lines every few seconds otherwise
 * (logs and CI stay readable).
 */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #plainEveryMs: number;
  #lastPlain = 0;
  #drawn = false;

  constructor(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000) {
    this.#stream = stream;
    this.#tty = stream.isTTY;
    this.#plainEveryMs = plainEveryMs;
  }

  update(text: string): void {
    if (this.#tty) {
      this.#stream.write(`\r\x1b[2K${text}`);
      this.#drawn = true;
      return;
    }
    const now = Date.now();
    if (now - this.#lastPlain < this.#plainEveryMs) return;
    this.#lastPlain = now;
    this.#stream.write(`${text}\n`);
  }

  done(text?: string): void {
    if (this.#tty && this.#drawn) this.#stream.write('\r\x1b[2K');
    if (text !== undefined) this.#stream.write(`${text}\n`);
    this.#drawn = false;
  }
}

/** `[#####-----] 50%`. */
export function bar(fraction: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(clamped * 100).toFixed(0).padStart(3)}%`;
}
