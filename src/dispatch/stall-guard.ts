/**
 * Notices when this process's event loop was frozen (SIGSTOP, a debugger, a swap storm) for longer than
 * `thresholdMs`: its job locks may have expired meanwhile and another worker may be running its chunks. Rows of
 * chunks started before the freeze are then handed back instead of sent, so duplicates stay bounded by the
 * calls that were in flight when the process froze.
 */
export class StallGuard {
  readonly #thresholdMs: number;
  #epoch = 0;
  #last = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(thresholdMs: number) {
    this.#thresholdMs = thresholdMs;
  }

  get epoch(): number {
    this.#check();
    return this.#epoch;
  }

  start(): void {
    this.#last = performance.now();
    this.#timer = setInterval(() => this.#check(), 200);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    const now = performance.now();
    if (this.#last !== 0 && now - this.#last > this.#thresholdMs) this.#epoch++;
    this.#last = now;
  }
}
