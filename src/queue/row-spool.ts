import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PubMessage } from '../types/pub-message.js';
import { toWire, type ChunkJobData, type WireMessage } from './wire-message.js';

/**
 * The valid rows of a campaign, as the validating pass resolved them, kept on disk in queue-ready chunks (one JSON
 * line per chunk) until the file is known to be valid. Enqueueing then reads these lines instead of parsing and
 * validating the campaign file a second time, and queues exactly the rows that were validated.
 */
export class RowSpool {
  readonly #dir = mkdtempSync(join(tmpdir(), 'fleetcast-spool-'));
  readonly #path = join(this.#dir, 'chunks.ndjson');
  readonly #out: WriteStream = createWriteStream(this.#path);
  readonly #chunkSize: number;
  #chunk: WireMessage[] = [];
  #chunks = 0;

  constructor(chunkSize: number) {
    this.#chunkSize = chunkSize;
  }

  /** Chunks written so far. */
  get chunks(): number {
    return this.#chunks;
  }

  /** Adds a row; returns a promise only when the disk is behind and the caller should wait for it. */
  add(message: PubMessage): Promise<void> | undefined {
    this.#chunk.push(toWire(message));
    return this.#chunk.length >= this.#chunkSize ? this.#writeChunk() : undefined;
  }

  /** Writes the last, partial chunk and closes the file. */
  async finish(): Promise<void> {
    if (this.#chunk.length > 0) await this.#writeChunk();
    this.#out.end();
    await once(this.#out, 'close');
  }

  /** The chunks in order, as queued jobs carry them; read a block at a time, so memory stays flat. */
  async *read(): AsyncGenerator<ChunkJobData> {
    let rest = '';
    for await (const block of createReadStream(this.#path, { encoding: 'utf8' })) {
      const lines = (rest + (block as string)).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) yield JSON.parse(line) as ChunkJobData;
    }
    if (rest !== '') yield JSON.parse(rest) as ChunkJobData;
  }

  remove(): void {
    this.#out.destroy();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #writeChunk(): Promise<void> | undefined {
    const data: ChunkJobData = { m: this.#chunk };
    this.#chunk = [];
    this.#chunks++;
    return this.#out.write(`${JSON.stringify(data)}\n`) ? undefined : once(this.#out, 'drain').then(() => undefined);
  }
}
