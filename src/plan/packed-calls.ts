import { validateCampaign } from '../campaign/index.js';
import { Packer } from '../queue/packing.js';

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
 * Groups the file's valid rows as `submit --pack` does (the first `unpackedRows`, a canary, go by Pub), and counts
 * the calls. Reads the file once more.
 */
export async function packedCallsOf(file: string, unpackedRows = 0): Promise<PackedCalls> {
  const packer = new Packer();
  const counts = { batchPub: 0, packedRows: 0, pub: 0 };
  const add = (output: ReturnType<Packer['add']>): void => {
    counts.batchPub += output.packs.length;
    for (const pack of output.packs) counts.packedRows += pack.length;
    counts.pub += output.singles.length;
  };
  let seen = 0;
  await validateCampaign(file, {
    maxErrors: 0,
    onValidRow: (message) => {
      if (seen++ < unpackedRows) counts.pub++;
      else add(packer.add(message));
      return undefined;
    },
  });
  add(packer.flush());
  return counts;
}

/**
 * The Pub calls at the account cap that take as long as sending these calls: Pub and BatchPub run side by side, so
 * the campaign lasts as long as the slower of the two. The forecast counts that many calls for the campaign.
 */
export function pubCallsLasting(calls: PackedCalls, pubCap: number, batchPubCap: number): number {
  return Math.max(calls.pub, Math.ceil((calls.batchPub * pubCap) / batchPubCap));
}
