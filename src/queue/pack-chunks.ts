import { Packer } from './packing.js';
import { fromWire, toWire, type ChunkJobData, type WireMessage } from './wire-message.js';

export interface PackChunksOptions {
  /** Rows per queued chunk: Pub rows fill chunks of this many, packs are gathered until a chunk holds this many. */
  readonly chunkSize: number;
  /** The first rows go by Pub unpacked, in file order (a canary: its gate goes by row number). @defaultValue 0 */
  readonly unpackedRows?: number;
}

/**
 * Chunks of rows in file order (as the spool holds them) regrouped for `--pack`: chunks of `BatchPub` packs
 * (ChunkJobData.p) and chunks of rows that go by `Pub`. Streams: at most the Packer's open packs are held.
 * The same rows in the same order always give the same chunks, so a repeated submit queues each chunk once.
 */
export async function* packChunks(chunks: AsyncIterable<ChunkJobData> | Iterable<ChunkJobData>, options: PackChunksOptions): AsyncGenerator<ChunkJobData> {
  const packer = new Packer();
  const packed = new ChunkBuffer(options.chunkSize);
  const single = new ChunkBuffer(options.chunkSize);
  let unpacked = options.unpackedRows ?? 0;
  for await (const chunk of chunks) {
    for (const wire of chunk.m) {
      if (unpacked > 0) {
        unpacked--;
        yield* single.add([wire]);
        // The unpacked rows are queued first, ahead of any pack.
        if (unpacked === 0) yield* single.drain();
        continue;
      }
      const output = packer.add(fromWire(wire, undefined));
      for (const pack of output.packs) yield* packed.add(pack.map(toWire), pack.length);
      for (const message of output.singles) yield* single.add([toWire(message)]);
    }
  }
  const rest = packer.flush();
  for (const pack of rest.packs) yield* packed.add(pack.map(toWire), pack.length);
  for (const message of rest.singles) yield* single.add([toWire(message)]);
  yield* packed.drain();
  yield* single.drain();
}

/** Rows gathered into one chunk until it holds `chunkSize`; packs are never split between chunks. */
class ChunkBuffer {
  readonly #chunkSize: number;
  #rows: WireMessage[] = [];
  #packs: number[] = [];

  constructor(chunkSize: number) {
    this.#chunkSize = chunkSize;
  }

  *add(rows: readonly WireMessage[], packSize?: number): Generator<ChunkJobData> {
    this.#rows.push(...rows);
    if (packSize !== undefined) this.#packs.push(packSize);
    if (this.#rows.length >= this.#chunkSize) yield* this.drain();
  }

  *drain(): Generator<ChunkJobData> {
    if (this.#rows.length === 0) return;
    const chunk: ChunkJobData = this.#packs.length === 0 ? { m: this.#rows } : { m: this.#rows, p: this.#packs };
    this.#rows = [];
    this.#packs = [];
    yield chunk;
  }
}
