import { randomBytes } from 'node:crypto';

const BASE = 1_900_000_000_000_000_000n;
const LOW_BITS = 8n;

/**
 * Issues unique 64-bit message ids above 2^53: a counter shifted left by 8 bits with random low bits,
 * added to a random start near 1.9e18. The counter makes them unique and increasing.
 */
export class MessageIdGenerator {
  #counter = 0n;
  readonly #start = BASE + (BigInt(randomBytes(4).readUInt32BE(0)) << 20n);
  #pool = randomBytes(4096);
  #poolIndex = 0;

  next(): bigint {
    this.#counter += 1n;
    return this.#start + (this.#counter << LOW_BITS) + BigInt(this.#randomByte());
  }

  #randomByte(): number {
    if (this.#poolIndex >= this.#pool.length) {
      this.#pool = randomBytes(4096);
      this.#poolIndex = 0;
    }
    return this.#pool[this.#poolIndex++] ?? 0;
  }
}

/**
 * Issues RequestIds in the service's shape (an upper-case UUID): a random prefix drawn once, then a
 * 48-bit counter as the last group, so each id costs one increment and one hex formatting.
 */
export class RequestIdGenerator {
  readonly #prefix: string;
  #counter = 0;

  constructor() {
    const hex = randomBytes(10).toString('hex').toUpperCase();
    const variant = ((parseInt(hex.charAt(15), 16) & 0x3) | 0x8).toString(16).toUpperCase();
    this.#prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-${variant}${hex.slice(16, 19)}-`;
  }

  next(): string {
    this.#counter = (this.#counter + 1) % 0x1000000000000;
    return this.#prefix + this.#counter.toString(16).toUpperCase().padStart(12, '0');
  }
}

const requestIds = new RequestIdGenerator();

/** An upper-case UUID, the shape of the service's RequestId; unique within the process. */
export function newRequestId(): string {
  return requestIds.next();
}
