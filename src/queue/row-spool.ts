import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetcastError } from '../errors/fleetcast-error.js';
import type { PubMessage } from '../types/pub-message.js';
import { toWire, type ChunkJobData, type WireMessage } from './wire-message.js';

/**
 * The valid rows of a campaign, as the validating pass resolved them, kept on disk in queue-ready chunks (one JSON
 * line per chunk) until the file is known to be valid. Enqueueing then reads these lines instead of parsing and
 * validating the campaign file a second time, and queues exactly the rows that were validated.
 */
export class RowSpool {
  readonly #dir: string;
  readonly #path: string;
  readonly #out: WriteStream;
  readonly #chunkSize: number;
  #chunk: WireMessage[] = [];
  #chunks = 0;
  #failure: unknown;

  constructor(chunkSize: number) {
    this.#chunkSize = chunkSize;
    try {
      this.#dir = mkdtempSync(join(tmpdir(), 'fleetcast-spool-'));
    } catch (error) {
      throw unwritable(error);
    }
    this.#path = join(this.#dir, 'chunks.ndjson');
    this.#out = createWriteStream(this.#path);
    // A full disk must end the submit with its reason, not crash the process on an unheard 'error'.
    this.#out.on('error', (error) => (this.#failure ??= error));
  }

  /** Chunks written so far. */
  get chunks(): number {
    return this.#chunks;
  }

  /** Adds a row; returns a promise only when the disk is behind and the caller should wait for it. */
  add(message: PubMessage): Promise<void> | undefined {
    if (this.#failure !== undefined) throw unwritable(this.#failure);
    this.#chunk.push(toWire(message));
    return this.#chunk.length >= this.#chunkSize ? this.#writeChunk() : undefined;
  }

  /** Writes the last, partial chunk and closes the file. */
  async finish(): Promise<void> {
    if (this.#chunk.length > 0) await this.#writeChunk();
    this.#out.end();
    if (!this.#out.closed) await once(this.#out, 'close');
    if (this.#failure !== undefined) throw unwritable(this.#failure);
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
    if (this.#out.write(`${JSON.stringify(data)}\n`)) return undefined;
    return once(this.#out, 'drain').then(
      () => undefined,
      (error: unknown) => {
        throw unwritable(error);
      },
    );
  }
}

function unwritable(cause: unknown): FleetcastError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FleetcastError('FC_TEMP_UNWRITABLE', `cannot keep the campaign's rows in the temp folder ${tmpdir()} (${reason}); free space there or set TMPDIR`, { cause });
}
