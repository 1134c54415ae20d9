/**
 * Remembers signature nonces for `ttlMs` (wall clock) so a reused one is refused. Bounded: past
 * `maxEntries` the oldest are forgotten first.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Records the nonce; false when it was already seen within the TTL. */
  remember(key: string, now = Date.now()): boolean {
    this.prune(now);
    const seenAt = this.seen.get(key);
    if (seenAt !== undefined && now - seenAt <= this.ttlMs) return false;
    this.seen.delete(key);
    this.seen.set(key, now);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    // Insertion order is arrival order, so expired entries sit at the front.
    for (const [key, seenAt] of this.seen) {
      if (this.seen.size <= this.maxEntries && now - seenAt <= this.ttlMs) break;
      this.seen.delete(key);
    }
  }
}
