/** A status line on stderr that is rewritten in place on a terminal, and printed every few seconds otherwise. */
export interface ProgressLine {
  update(line: string): void;
  /** Prints the last line for good. */
  done(): void;
}

const TERMINAL_EVERY_MS = 200;
const LOG_EVERY_MS = 2000;

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  const terminal = stream.isTTY;
  let last = '';
  let shownAt = 0;
  let pending = false;
  const show = (): void => {
    stream.write(terminal ? `\r${last}\x1b[K` : `${last}\n`);
    shownAt = Date.now();
    pending = false;
  };
  return {
    update(line) {
      if (line === last) return;
      last = line;
      pending = true;
      if (Date.now() - shownAt >= (terminal ? TERMINAL_EVERY_MS : LOG_EVERY_MS)) show();
    },
    done() {
      if (pending) show();
      if (terminal && last !== '') stream.write('\n');
      last = '';
      shownAt = 0;
    },
  };
}

/** A progress line that shows nothing, for `--json`. */
export const silentProgress: ProgressLine = { update: () => undefined, done: () => undefined };
