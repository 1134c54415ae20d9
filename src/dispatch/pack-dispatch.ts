import { refusesOneRow } from '../pub/retry-table.js';
import type { RowOutcome } from '../queue/outcome.js';
import { batchPubMessageOf } from '../queue/packing.js';
import type { PubMessage } from '../types/pub-message.js';
import type { DispatchContext } from './dispatch-context.js';
import { dispatchCall, dispatchRow, outcomeOf, type ChunkRun, type PlannedCall, type RowResult } from './row-dispatch.js';

/** What became of each row of a pack: an outcome, or handed back to the queue. */
export interface PackResult {
  readonly outcomes: RowOutcome[];
  /** Rows handed back unsent, with the attempts made so far for each. */
  readonly requeued: Array<{ readonly row: number; readonly attempts: number }>;
}

/**
 * Sends a pack (2–100 rows that share one payload and topic name, see packing.ts) in one `BatchPub` call, until it
 * ends: every row then ends as the call did, `sent` with the call's RequestId and no MessageId (BatchPub answers
 * none). A refusal that belongs to some row (an unknown device, a topic not subscribed: a permanent Code) splits the
 * pack: each row is sent alone by `Pub`, so that it gets its own outcome. Throttled and transient refusals retry the
 * pack as a whole. `priorAttempts` counts the pack's calls in earlier runs of its chunk.
 */
export async function dispatchPack(
  context: DispatchContext,
  campaignId: string,
  rows: readonly PubMessage[],
  run: ChunkRun,
  priorAttempts = 0,
): Promise<PackResult> {
  const [first] = rows;
  if (first === undefined) return { outcomes: [], requeued: [] };
  const message = batchPubMessageOf(rows);
  const call: PlannedCall = { api: 'BatchPub', gateRow: first.row, deliveries: rows.length, send: () => context.client.batchPub(message) };
  const end = await dispatchCall(context, campaignId, call, run, priorAttempts);
  if ('requeue' in end) return { outcomes: [], requeued: rows.map((row) => ({ row: row.row, attempts: end.attempts })) };
  if (end.status === 'failed' && refusesOneRow(end.answer.code ?? '', end.answer.httpStatus)) {
    context.metrics.packsSplit.inc();
    const results = await Promise.all(rows.map((row) => dispatchRow(context, campaignId, row, run, end.attempts)));
    return collect(rows, results);
  }
  return { outcomes: rows.map((row) => outcomeOf(row, end, 'BatchPub')), requeued: [] };
}

function collect(rows: readonly PubMessage[], results: readonly RowResult[]): PackResult {
  const packResult: PackResult = { outcomes: [], requeued: [] };
  results.forEach((result, index) => {
    const row = rows[index];
    if (row === undefined) return;
    if ('requeue' in result) packResult.requeued.push({ row: row.row, attempts: result.attempts });
    else packResult.outcomes.push(result);
  });
  return packResult;
}
