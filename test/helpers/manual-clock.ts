import type { Clock, Timer } from '../../src/runtime/clock.js';

interface ManualTimer extends Timer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/** Lets the callbacks of promises settled so far run, and the I/O callbacks that are ready. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A clock that moves only when the test moves it; its timers run in time order as it passes them. */
export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  readonly #timers = new Set<ManualTimer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Like Node's: a delay under 1 ms is 1 ms, and a fraction of a ms is cut off. */
  setTimeout(callback: () => void, ms: number): Timer {
    const delay = ms < 1 ? 1 : Math.trunc(ms);
    const timer: ManualTimer = { at: this.#now + delay, order: this.#order++, callback, unref: () => timer };
    this.#timers.add(timer);
    return timer;
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer !== undefined) this.#timers.delete(timer as ManualTimer);
  }

  /** Timers set and not yet run or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Lets what is pending run at the current time, then moves time forward by `ms`, running each timer due on
   * the way at its own time and letting the promises it settles run before the next one.
   */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (let timer = this.#nextDue(end); timer !== undefined; timer = this.#nextDue(end)) {
      this.#timers.delete(timer);
      this.#now = Math.max(this.#now, timer.at);
      timer.callback();
      await settle();
    }
    this.#now = end;
  }

  /** Moves time forward without running any timer, as when the event loop is busy: they run on the next advance. */
  skip(ms: number): void {
    this.#now += ms;
  }

  #nextDue(end: number): ManualTimer | undefined {
    let next: ManualTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.at > end) continue;
      if (next === undefined || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) next = timer;
    }
    return next;
  }
}
