/**
 * `Date.now()` in `performance.now()` terms, to a fraction of a millisecond. `Date.now()` is truncated to whole
 * milliseconds, so one reading of their difference is up to 1 ms short; the largest of many readings is not.
 * A reading far below the estimate means the wall clock was stepped back, and starts the estimate again.
 */
export class EpochOffset {
  #offset = -Infinity;

  /** Current estimate of `Date.now() - performance.now()`, refined by one more reading. */
  read(): number {
    const reading = Date.now() - performance.now();
    if (reading > this.#offset || reading < this.#offset - 2) this.#offset = reading;
    return this.#offset;
  }
}
