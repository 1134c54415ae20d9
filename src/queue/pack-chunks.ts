import { MAX_PACK_SIZE, Packer, packTargetOf, type PackerOutput } from './packing.js';
import { fromWire, toWire, type ChunkJobData, type WireMessage } from './wire-message.js';

export interface PackChunksOptions {
  /** Rows per queued chunk: Pub rows fill chunks of this many, packs are gathered until a chunk holds this many. */
  readonly chunkSize: number;
  /** The first rows go by Pub unpacked, in file order (a canary: its gate goes by row number). @defaultValue 0 */
  readonly unpackedRows?: number;
  /** Share of the packable rows sent by Pub anyway, spread evenly over the file (see pubShareOf). @defaultValue 0 */
  readonly pubShare?: number;
}

/**
 * The share of packable rows to send by Pub so that both quotas are used at once: Pub delivers `pubRate` rows a
 * second and BatchPub `batchPubRate × 100`, so a campaign of packable rows ends soonest when this share goes by Pub
 * (1,600 and 50 calls/s: 24 %, 6,600 deliveries/s together instead of 5,000 by BatchPub alone).
 */
export function pubShareOf(pubRate: number, batchPubRate: number): number {
  return pubRate / (pubRate + batchPubRate * MAX_PACK_SIZE);
}

/** `FLEETCAST_PACK_PUB_SHARE` as set, or for `auto` the share that uses both quotas at once. */
export function packPubShareOf(config: { readonly rate: number; readonly batchPubRate: number; readonly packPubShare: 'auto' | number }): number {
  return config.packPubShare === 'auto' ? pubShareOf(config.rate, config.batchPubRate) : config.packPubShare;
}

/**
 * Chunks of rows in file order (as the spool holds them) regrouped for `--pack`: chunks of `BatchPub` packs
 * (ChunkJobData.p) and chunks of rows that go by `Pub`. Streams: at most the Packer's open packs are held.
 * The same rows in the same order always give the same chunks, so a repeated submit queues each chunk once.
 */
export async function* packChunks(chunks: AsyncIterable<ChunkJobData> | Iterable<ChunkJobData>, options: PackChunksOptions): AsyncGenerator<ChunkJobData> {
  const chunker = new PackChunker(options);
  for await (const chunk of chunks) for (const wire of chunk.m) yield* chunker.add(wire);
  yield* chunker.finish();
}

/** packChunks one row at a time: each row in file order, then finish. */
export class PackChunker {
  readonly #packer = new Packer();
  readonly #packed: ChunkBuffer;
  readonly #single: ChunkBuffer;
  readonly #pubShare: number;
  #unpacked: number;
  /** Whole rows owed to Pub so far: a row goes by Pub each time it reaches 1, so the same file always splits alike. */
  #owedToPub = 0;

  constructor(options: PackChunksOptions) {
    this.#packed = new ChunkBuffer(options.chunkSize);
    this.#single = new ChunkBuffer(options.chunkSize);
    this.#unpacked = options.unpackedRows ?? 0;
    this.#pubShare = options.pubShare ?? 0;
  }

  *add(wire: WireMessage): Generator<ChunkJobData> {
    if (this.#unpacked > 0) {
      this.#unpacked--;
      yield* this.#single.add([wire]);
      // The unpacked rows are queued first, ahead of any pack.
      if (this.#unpacked === 0) yield* this.#single.drain();
      return;
    }
    const message = fromWire(wire, undefined);
    const target = packTargetOf(message);
    if (this.#pubShare > 0 && target !== undefined) {
      this.#owedToPub += this.#pubShare;
      if (this.#owedToPub >= 1) {
        this.#owedToPub -= 1;
        yield* this.#single.add([wire]);
        return;
      }
    }
    yield* this.#emit(this.#packer.add(message, target));
  }

  *finish(): Generator<ChunkJobData> {
    yield* this.#emit(this.#packer.flush());
    yield* this.#packed.drain();
    yield* this.#single.drain();
  }

  *#emit(output: PackerOutput): Generator<ChunkJobData> {
    for (const pack of output.packs) yield* this.#packed.add(pack.map(toWire), pack.length);
    for (const message of output.singles) yield* this.#single.add([toWire(message)]);
  }
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
