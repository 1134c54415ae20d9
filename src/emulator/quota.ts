/**
 * A strict sliding-window limit: at most `limit` admissions in any interval of `windowMs`.
 * Keeps the times of the last `limit` admissions in a ring; a new admission is allowed only when the
 * oldest of them is more than `windowMs` ago. Times come from a monotonic clock (milliseconds).
 */
export class SlidingWindow {
  readonly #times: Float64Array;
  #next = 0;
  #count = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {
    this.#times = new Float64Array(Math.max(1, limit));
  }

  /** Whether an admission at `now` would fit, without recording it. */
  fits(now: number): boolean {
    if (this.limit <= 0) return false;
    if (this.#count < this.limit) return true;
    return now - (this.#times[this.#next] ?? 0) > this.windowMs;
  }

  /** Records an admission at `now`; call only after `fits(now)`. */
  record(now: number): void {
    this.#times[this.#next] = now;
    this.#next = (this.#next + 1) % this.limit;
    if (this.#count < this.limit) this.#count += 1;
  }

  /** Admits and records when it fits. */
  tryAdmit(now: number): boolean {
    if (!this.fits(now)) return false;
    this.record(now);
    return true;
  }

  /** Time of the latest admission, or -Infinity. */
  lastAdmission(): number {
    if (this.#count === 0) return -Infinity;
    return this.#times[(this.#next - 1 + this.limit) % this.limit] ?? -Infinity;
  }

  clear(): void {
    this.#count = 0;
    this.#next = 0;
  }
}

/** One sliding window per key, created on first use; idle windows are dropped when the map grows large. */
export class KeyedWindows {
  readonly #windows = new Map<string, SlidingWindow>();

  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;

  constructor(limit: number, windowMs = 1000, maxKeys = 100_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  get(key: string, now: number): SlidingWindow {
    let window = this.#windows.get(key);
    if (!window) {
      if (this.#windows.size >= this.#maxKeys) this.#dropIdle(now);
      window = new SlidingWindow(this.#limit, this.#windowMs);
      this.#windows.set(key, window);
    }
    return window;
  }

  clear(): void {
    this.#windows.clear();
  }

  #dropIdle(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.lastAdmission() > this.#windowMs) this.#windows.delete(key);
    }
  }
}
