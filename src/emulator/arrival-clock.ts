/**
 * Stamps calls with the time they reached the emulator, as the cloud's gateway would. Every call read in one turn
 * of the event loop was already waiting when the turn began, so all of them get the time of its first read: stamping
 * each when its turn came (after the signature checks of the calls read before it) counted calls that arrived
 * together as if they had come up to a few ms apart, later than they were sent. Stamps never go backwards.
 */
export class ArrivalClock {
  #turnStamp: number | undefined;
  #last = Number.NEGATIVE_INFINITY;
  readonly #clock: () => number;
  readonly #endTurn = (): void => {
    this.#turnStamp = undefined;
  };

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  now(): number {
    if (this.#turnStamp === undefined) {
      this.#turnStamp = Math.max(this.#clock(), this.#last);
      this.#last = this.#turnStamp;
      setImmediate(this.#endTurn);
    }
    return this.#turnStamp;
  }
}
