/** Queue entries dropped from the front before the arrays are compacted. */
const COMPACT_AFTER = 4096;

/**
 * Remembers signature nonces for `ttlMs` (wall clock) so a reused one is refused. Bounded: past
 * `maxEntries` the oldest are forgotten first. Arrivals are kept in a queue (two parallel arrays), so
 * expiry only looks at the front and allocates nothing.
 */
export class NonceCache {
  readonly #seen = new Map<string, number>();
  #queueKeys: string[] = [];
  #queueTimes: number[] = [];
  #head = 0;

  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(ttlMs: number, maxEntries: number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /** Records the nonce; false when it was already seen within the TTL. */
  remember(key: string, now = Date.now()): boolean {
    this.#prune(now);
    const seenAt = this.#seen.get(key);
    if (seenAt !== undefined && now - seenAt <= this.#ttlMs) return false;
    this.#seen.set(key, now);
    this.#queueKeys.push(key);
    this.#queueTimes.push(now);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  #prune(now: number): void {
    // The queue is in arrival order, so expired entries sit at the front.
    while (this.#head < this.#queueKeys.length) {
      const seenAt = this.#queueTimes[this.#head] ?? 0;
      if (this.#seen.size <= this.#maxEntries && now - seenAt <= this.#ttlMs) break;
      const key = this.#queueKeys[this.#head] ?? '';
      // A key seen again after it expired has a later entry further back; only that one counts.
      if (this.#seen.get(key) === seenAt) this.#seen.delete(key);
      this.#head += 1;
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#queueKeys.length) this.#compact();
  }

  #compact(): void {
    this.#queueKeys = this.#queueKeys.slice(this.#head);
    this.#queueTimes = this.#queueTimes.slice(this.#head);
    this.#head = 0;
  }
}
