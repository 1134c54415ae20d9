/** A timer set through a Clock; only the clock that set it may clear it. */
export interface Timer {
  /** Lets the process exit while the timer is pending. */
  unref(): unknown;
}

/**
 * Where a unit whose behaviour depends on time reads the time and sets its timers. Production code uses one of
 * the real clocks below; tests pass a clock they move by hand, so they control time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds; the scale (monotonic or epoch) is the one the unit documents. */
  now(): number;
  setTimeout(callback: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
}

/** Node's own timers, read on `now`. */
class NodeClock implements Clock {
  readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return setTimeout(callback, ms);
  }

  clearTimeout(timer: Timer | undefined): void {
    // Every timer this clock hands out is one of Node's.
    clearTimeout(timer as NodeJS.Timeout | undefined);
  }
}

/** `performance.now()`: for spacing and intervals, never stepped by a wall clock change. */
export const monotonicClock: Clock = new NodeClock(() => performance.now());

/** `Date.now()`: for instants stored in Redis or shown to people (start times, send windows). */
export const wallClock: Clock = new NodeClock(() => Date.now());

/** Calls `callback` every `ms` on `clock` until the returned stop function is called. */
export function every(clock: Clock, ms: number, callback: () => void, options: { unref?: boolean } = {}): () => void {
  let stopped = false;
  let timer: Timer | undefined;
  const arm = (): void => {
    timer = clock.setTimeout(() => {
      if (stopped) return;
      arm();
      callback();
    }, ms);
    if (options.unref === true) timer.unref();
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
