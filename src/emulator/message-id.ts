import { randomBytes, randomUUID } from 'node:crypto';

const BASE = 1_900_000_000_000_000_000n;
const LOW_BITS = 8n;

/**
 * Issues unique 64-bit message ids above 2^53: a counter shifted left by 8 bits with random low bits,
 * added to a random start near 1.9e18. The counter makes them unique and increasing.
 */
export class MessageIdGenerator {
  private counter = 0n;
  private readonly start = BASE + (BigInt(randomBytes(4).readUInt32BE(0)) << 20n);
  private pool = randomBytes(4096);
  private poolIndex = 0;

  next(): bigint {
    this.counter += 1n;
    return this.start + (this.counter << LOW_BITS) + BigInt(this.randomByte());
  }

  private randomByte(): number {
    if (this.poolIndex >= this.pool.length) {
      this.pool = randomBytes(4096);
      this.poolIndex = 0;
    }
    return this.pool[this.poolIndex++] ?? 0;
  }
}

/** An upper-case UUID, the shape of the service's RequestId. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}
