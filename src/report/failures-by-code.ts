import type { CampaignStore } from '../queue/campaign-store.js';
import { campaignKeys } from '../queue/keys.js';
import { decodeOutcome } from '../queue/outcome.js';

/** Failed rows per service Code, e.g. `{ "iot.device.NotExistedDevice": 12 }`. */
export type FailuresByCode = Record<string, number>;

const SCAN_COUNT = 1000;

/** Counts a campaign's failed rows by Code, reading its outcomes with HSCAN in batches (never all at once). */
export async function failuresByCode(store: CampaignStore, campaignId: string): Promise<FailuresByCode> {
  const key = campaignKeys(store.prefix, campaignId).outcomes;
  const counts = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, entries] = await store.redis.hscan(key, cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (let i = 0; i + 1 < entries.length; i += 2) countFailure(counts, entries[i + 1] ?? '');
  } while (cursor !== '0');
  return Object.fromEntries([...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
}

function countFailure(counts: Map<string, number>, encoded: string): void {
  if (!encoded.startsWith('failed\t')) return;
  const code = decodeOutcome(0, encoded).code || '(none)';
  counts.set(code, (counts.get(code) ?? 0) + 1);
}
