import type { RedisClient } from '../redis/client.js';
import type { Counter } from 'prom-client';
import { globalTag } from '../queue/keys.js';

/** Results an ingested row can have: it passed validation or it did not. */
export const INGEST_RESULTS = ['valid', 'invalid'] as const;

/**
 * Hash of ingest counts, shared by every process: `fleetcast submit` runs briefly and serves no `/metrics`,
 * so it counts here and every worker reports the totals at scrape time.
 */
export function ingestCountsKey(prefix: string): string {
  return `${globalTag(prefix)}:metrics:ingest`;
}

/**
 * Counts the rows of one validated campaign file (`valid` and `invalid`). Called once per accepted file, from the
 * producer's `onAccepted`, by whoever submits it (the submit command, a schedule's firing, the demo); the totals
 * reach `fleetcast_ingest_rows_total{result}` on every worker's `/metrics`.
 */
export async function recordIngestRows(redis: RedisClient, prefix: string, rows: { readonly valid: number; readonly invalid: number }): Promise<void> {
  const key = ingestCountsKey(prefix);
  await redis.multi().hincrby(key, 'valid', rows.valid).hincrby(key, 'invalid', rows.invalid).exec();
}

/** Copies the shared totals into the counter (every result, 0 when none yet, so the series exist from the start). */
export async function collectIngestRows(redis: RedisClient, prefix: string, counter: Counter<'result'>): Promise<void> {
  const values = await redis.hmget(ingestCountsKey(prefix), ...INGEST_RESULTS);
  counter.reset();
  INGEST_RESULTS.forEach((result, index) => {
    counter.labels(result).inc(Math.max(0, Number(values[index] ?? 0) || 0));
  });
}
