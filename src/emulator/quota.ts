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

  /** Whether `admissions` more at `now` would fit (all of them or none), without recording them. */
  fits(now: number, admissions = 1): boolean {
    if (admissions > this.limit) return false;
    const dropped = this.#count + admissions - this.limit;
    if (dropped <= 0) return true;
    // The newest of the admissions that would leave the ring must be outside the window.
    const oldest = (this.#next - this.#count + this.limit) % this.limit;
    return now - (this.#times[(oldest + dropped - 1) % this.limit] ?? 0) > this.windowMs;
  }

  /** Records `admissions` at `now`; call only after `fits(now, admissions)`. */
  record(now: number, admissions = 1): void {
    for (let i = 0; i < admissions; i++) {
      this.#times[this.#next] = now;
      this.#next = (this.#next + 1) % this.limit;
    }
    this.#count = Math.min(this.limit, this.#count + admissions);
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
