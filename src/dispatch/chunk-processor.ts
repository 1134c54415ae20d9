import { DelayedError, type Job } from 'bullmq';
import type { ChunkJobData } from '../queue/wire-message.js';
import { fromWire } from '../queue/wire-message.js';
import type { DispatchContext } from './dispatch-context.js';
import { dispatchRow, type ChunkRun } from './row-dispatch.js';

/** Delay before a chunk handed back at shutdown is offered again. */
const REQUEUE_DELAY_MS = 1_000;

/**
 * Processes one queued chunk: rows that already have an outcome (from an earlier run of the same chunk) are
 * skipped; the others start as the process's row slots allow (shared with every other chunk, see RowSlots), and
 * their outcomes are written as they come.
 */
export function chunkProcessor(context: DispatchContext, campaignId: string) {
  return async (job: Job<ChunkJobData>, token?: string): Promise<number> => {
    const rows = job.data.m.map((wire) => wire[0]);
    const final = await context.store.finalRows(campaignId, rows);
    const epoch = context.epoch();
    const { slots, watch } = context;
    const weight = (): number => watch.get(campaignId)?.priority ?? 1;
    const run: ChunkRun = {
      finalRun: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      holdsLease: () => context.epoch() === epoch,
      idle: (wait) => slots.idle(campaignId, weight(), wait),
    };
    const pending = job.data.m.filter((wire) => !final.has(wire[0])).map((wire) => fromWire(wire, context.iotInstanceId));
    const priorAttempts = job.data.a ?? {};
    const attemptsSoFar: Record<number, number> = {};
    // Rows of a paused campaign, or a chunk beyond its canary, are not started: they would only take slots to wait
    // at the gate.
    const firstRow = pending[0]?.row;
    const acquire = async (): Promise<void> => {
      if (watch.gateNow(campaignId, firstRow) === undefined) await watch.gate(campaignId, firstRow);
      await slots.acquire(campaignId, weight());
    };
    const { messages } = context.metrics;
    const counted = { sent: messages.labels(campaignId, 'sent'), failed: messages.labels(campaignId, 'failed'), cancelled: messages.labels(campaignId, 'cancelled') };
    const unfinished = await inSlots(pending, acquire, () => slots.release(), async (message) => {
      const result = await dispatchRow(context, campaignId, message, run, priorAttempts[message.row]);
      if ('requeue' in result) {
        attemptsSoFar[message.row] = result.attempts;
        return false;
      }
      await context.writer.write(campaignId, result);
      counted[result.status].inc();
      return true;
    });
    if (unfinished === 0) return pending.length;
    if (!run.holdsLease()) throw new Error('this process was frozen past its job lock; the chunk runs elsewhere');
    // The report's attempts count the calls of every run that handed the row back (a killed run's are lost with it).
    await job.updateData({ ...job.data, a: { ...priorAttempts, ...attemptsSoFar } });
    if (context.watch.stopping && token !== undefined) {
      await job.moveToDelayed(Date.now() + REQUEUE_DELAY_MS, token);
      throw new DelayedError();
    }
    throw new Error(`${unfinished} rows met transient failures in every attempt of this run; the chunk runs again later`);
  };
}

/**
 * Starts `work` on each item in turn once a slot is acquired and releases the slot when the item is done;
 * resolves with how many returned false once all are done. After an error no further item starts, and the first
 * error is thrown once the started ones are done.
 */
async function inSlots<T>(
  items: readonly T[],
  acquire: () => Promise<void>,
  release: () => void,
  work: (item: T) => Promise<boolean>,
): Promise<number> {
  let failed = 0;
  let outstanding = 0;
  let error: { readonly reason: unknown } | undefined;
  let allStarted = false;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const settle = (): void => {
    release();
    if (--outstanding === 0 && allStarted) allDone();
  };
  for (const item of items) {
    await acquire();
    if (error !== undefined) {
      release();
      break;
    }
    outstanding++;
    work(item).then(
      (done) => {
        if (!done) failed++;
        settle();
      },
      (reason: unknown) => {
        error ??= { reason };
        settle();
      },
    );
  }
  allStarted = true;
  if (outstanding > 0) await finished;
  if (error !== undefined) throw error.reason;
  return failed;
}
