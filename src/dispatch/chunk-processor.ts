import { DelayedError, type Job } from 'bullmq';
import type { ChunkJobData } from '../queue/wire-message.js';
import { fromWire } from '../queue/wire-message.js';
import type { DispatchContext } from './dispatch-context.js';
import { dispatchRow, type ChunkRun } from './row-dispatch.js';

/** Delay before a chunk handed back at shutdown is offered again. */
const REQUEUE_DELAY_MS = 1_000;
/**
 * Rows of one chunk in progress at once. With the default 8 chunks that is 256 rows per worker, enough for 1,600
 * calls/s at 150 ms; rows started only when a lane is free die young, where all 100 rows of every chunk waiting
 * at once lived long enough to be promoted and made every young-generation collection slow.
 */
const LANES_PER_CHUNK = 32;

/**
 * Processes one queued chunk: rows that already have an outcome (from an earlier run of the same chunk) are
 * skipped, the others are dispatched concurrently and their outcomes written as they come.
 */
export function chunkProcessor(context: DispatchContext, campaignId: string) {
  return async (job: Job<ChunkJobData>, token?: string): Promise<number> => {
    const rows = job.data.m.map((wire) => wire[0]);
    const final = await context.store.finalRows(campaignId, rows);
    const epoch = context.epoch();
    const run: ChunkRun = { finalRun: job.attemptsMade + 1 >= (job.opts.attempts ?? 1), holdsLease: () => context.epoch() === epoch };
    const pending = job.data.m.filter((wire) => !final.has(wire[0])).map((wire) => fromWire(wire, context.iotInstanceId));
    const unfinished = await inLanes(pending, LANES_PER_CHUNK, async (message) => {
      const result = await dispatchRow(context, campaignId, message, run);
      if (result === 'requeue') return false;
      await context.writer.write(campaignId, result);
      context.metrics.messages.labels(campaignId, result.status).inc();
      return true;
    });
    if (unfinished === 0) return pending.length;
    if (!run.holdsLease()) throw new Error('this process was frozen past its job lock; the chunk runs elsewhere');
    if (context.watch.stopping && token !== undefined) {
      await job.moveToDelayed(Date.now() + REQUEUE_DELAY_MS, token);
      throw new DelayedError();
    }
    throw new Error(`${unfinished} rows met transient failures in every attempt of this run; the chunk runs again later`);
  };
}

/** Runs `work` on every item, at most `lanes` at a time; resolves with how many returned false. */
async function inLanes<T>(items: readonly T[], lanes: number, work: (item: T) => Promise<boolean>): Promise<number> {
  let next = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      if (!(await work(item))) failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return failed;
}
