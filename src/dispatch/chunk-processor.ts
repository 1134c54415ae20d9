import { DelayedError, type Job } from 'bullmq';
import type { ChunkJobData } from '../queue/wire-message.js';
import { fromWire } from '../queue/wire-message.js';
import type { RowOutcome } from '../queue/outcome.js';
import type { PubMessage } from '../types/pub-message.js';
import type { DispatchContext } from './dispatch-context.js';
import { dispatchPack, type PackResult } from './pack-dispatch.js';
import { dispatchRow, type ChunkRun } from './row-dispatch.js';

/** Delay before a chunk handed back at shutdown is offered again. */
const REQUEUE_DELAY_MS = 1_000;

/**
 * Processes one queued chunk: rows that already have an outcome (from an earlier run of the same chunk) are
 * skipped; the others start as the process's row slots allow (shared with every other chunk, see RowSlots), and
 * their outcomes are written as they come.
 */
export function chunkProcessor(context: DispatchContext, campaignId: string) {
  const delivered = { Pub: context.metrics.deliveries.labels('Pub'), BatchPub: context.metrics.deliveries.labels('BatchPub') };
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
    const units = callUnits(job.data, final, context.iotInstanceId);
    const priorAttempts = job.data.a ?? {};
    const attemptsSoFar: Record<number, number> = {};
    // Rows of a paused campaign, or a chunk beyond its canary, are not started: they would only take slots to wait
    // at the gate.
    const firstRow = units[0]?.[0]?.row;
    const acquire = async (): Promise<void> => {
      if (watch.gateNow(campaignId, firstRow) === undefined) await watch.gate(campaignId, firstRow);
      await slots.acquire(campaignId, weight());
    };
    const { messages } = context.metrics;
    const counted = { sent: messages.labels(campaignId, 'sent'), failed: messages.labels(campaignId, 'failed'), cancelled: messages.labels(campaignId, 'cancelled') };
    const record = (outcome: RowOutcome): Promise<void> => {
      counted[outcome.status].inc();
      if (outcome.status === 'sent') delivered[outcome.api].inc();
      return context.writer.write(campaignId, outcome);
    };
    const unfinished = await inSlots(units, acquire, () => slots.release(), async (unit) => {
      const result = await sendUnit(context, campaignId, unit, run, priorAttempts);
      for (const { row, attempts } of result.requeued) attemptsSoFar[row] = attempts;
      // A single row, the common case, awaits its write without a Promise.all around it.
      const [outcome] = result.outcomes;
      if (result.outcomes.length === 1 && outcome !== undefined) await record(outcome);
      else await Promise.all(result.outcomes.map(record));
      return result.requeued.length;
    });
    const pending = units.reduce((sum, unit) => sum + unit.length, 0);
    if (unfinished === 0) return pending;
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

/** Sends one call's rows: a single row by Pub, or a pack (dispatchPack). `priorAttempts` by row, from earlier runs. */
async function sendUnit(
  context: DispatchContext,
  campaignId: string,
  unit: readonly PubMessage[],
  run: ChunkRun,
  priorAttempts: Readonly<Record<number, number>>,
): Promise<PackResult> {
  const [only] = unit;
  if (unit.length === 1 && only !== undefined) {
    const result = await dispatchRow(context, campaignId, only, run, priorAttempts[only.row]);
    return 'requeue' in result ? { outcomes: [], requeued: [{ row: only.row, attempts: result.attempts }] } : { outcomes: [result], requeued: [] };
  }
  return dispatchPack(context, campaignId, unit, run, Math.max(0, ...unit.map((message) => priorAttempts[message.row] ?? 0)));
}

/**
 * The calls of a chunk's rows that have no outcome yet: each pack (ChunkJobData.p) as one call, or as single rows
 * when only one of its rows is left, then each other row alone.
 */
function callUnits(data: ChunkJobData, final: ReadonlySet<number>, iotInstanceId: string | undefined): PubMessage[][] {
  const units: PubMessage[][] = [];
  let next = 0;
  for (const size of data.p ?? []) {
    const pack = data.m.slice(next, next + size).filter((wire) => !final.has(wire[0]));
    next += size;
    if (pack.length > 1) units.push(pack.map((wire) => fromWire(wire, iotInstanceId)));
    else for (const wire of pack) units.push([fromWire(wire, iotInstanceId)]);
  }
  for (let index = next; index < data.m.length; index++) {
    const wire = data.m[index];
    if (wire !== undefined && !final.has(wire[0])) units.push([fromWire(wire, iotInstanceId)]);
  }
  return units;
}

/**
 * Starts `work` on each item in turn once a slot is acquired and releases the slot when the item is done;
 * resolves with the sum of what they returned (rows handed back unsent) once all are done. After an error no further item starts, and the first
 * error is thrown once the started ones are done.
 */
async function inSlots<T>(
  items: readonly T[],
  acquire: () => Promise<void>,
  release: () => void,
  work: (item: T) => Promise<number>,
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
      (handedBack) => {
        failed += handedBack;
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
