import { validateCampaign } from '../campaign/index.js';
import { PackChunker } from '../queue/pack-chunks.js';
import { toWire, type ChunkJobData } from '../queue/wire-message.js';

/** The calls `submit --pack` would make for a file's valid rows. */
export interface PackedCalls {
  /** BatchPub calls, one per pack. */
  readonly batchPub: number;
  /** Rows in those packs. */
  readonly packedRows: number;
  /** Rows sent alone by Pub. */
  readonly pub: number;
}

/**
 * Groups the file's valid rows as `submit --pack` does (the first `unpackedRows`, a canary, go by Pub, and
 * `pubShare` of the packable ones), and counts the calls. Reads the file once more.
 */
export async function packedCallsOf(file: string, unpackedRows: number, pubShare: number): Promise<PackedCalls> {
  const counts = { batchPub: 0, packedRows: 0, pub: 0 };
  const count = (chunks: Iterable<ChunkJobData>): void => {
    for (const chunk of chunks) {
      const packed = (chunk.p ?? []).reduce((sum, size) => sum + size, 0);
      counts.batchPub += chunk.p?.length ?? 0;
      counts.packedRows += packed;
      counts.pub += chunk.m.length - packed;
    }
  };
  const chunker = new PackChunker({ chunkSize: 100, unpackedRows, pubShare });
  await validateCampaign(file, {
    maxErrors: 0,
    onValidRow: (message) => {
      count(chunker.add(toWire(message)));
      return undefined;
    },
  });
  count(chunker.finish());
  return counts;
}

/**
 * The Pub calls at the account cap that take as long as sending these calls: Pub and BatchPub run side by side, so
 * the campaign lasts as long as the slower of the two. The forecast counts that many calls for the campaign.
 */
export function pubCallsLasting(calls: PackedCalls, pubCap: number, batchPubCap: number): number {
  return Math.max(calls.pub, Math.ceil((calls.batchPub * pubCap) / batchPubCap));
}
