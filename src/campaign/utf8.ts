import { isUtf8 } from 'node:buffer';

/** Length of the UTF-8 sequence a lead byte starts, or 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Offset where the incomplete sequence at the end of `bytes` starts, or bytes.length if it ends whole. */
function incompleteTailStart(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let i = end - 1; i >= 0 && i >= end - 3; i--) {
    const byte = bytes[i] ?? 0;
    if (byte < 0x80) return end;
    if (byte >= 0xc0) return sequenceLength(byte) > end - i ? i : end;
  }
  return end;
}

/** Offset of the first byte that makes `bytes` invalid UTF-8 (slow; only used once a check failed). */
function firstInvalidOffset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes[i] ?? 0);
    if (length === 0 || i + length > bytes.length || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

/**
 * Checks a byte stream chunk by chunk. A sequence cut by a chunk boundary is held back and checked
 * with the next chunk, so `push` returns the bytes that are complete and valid so far.
 */
export class Utf8Checker {
  #carry: Buffer = Buffer.alloc(0);
  #offset = 0;

  /** The complete, valid bytes up to this chunk; or the absolute offset of the first invalid byte. */
  push(chunk: Buffer): Buffer | { invalidAt: number } {
    const bytes = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    const split = incompleteTailStart(bytes);
    const whole = bytes.subarray(0, split);
    if (!isUtf8(whole)) return { invalidAt: this.#offset + firstInvalidOffset(whole) };
    this.#carry = Buffer.from(bytes.subarray(split));
    this.#offset += split;
    return whole;
  }

  /** Undefined when the stream ended on a whole character, else the offset of the cut sequence. */
  end(): number | undefined {
    return this.#carry.length === 0 ? undefined : this.#offset;
  }
}
