import type { PubRefused, PubResult } from '../pub/pub-result.js';
import { TRANSIENT_ATTEMPTS_PER_RUN, backoffMs, retryClassOf } from '../pub/retry-table.js';
import type { RowOutcome } from '../queue/outcome.js';
import type { PubMessage } from '../types/pub-message.js';
import type { DispatchContext } from './dispatch-context.js';

/** One run of a chunk job, as its rows see it. */
export interface ChunkRun {
  /** The last attempt BullMQ will give the chunk: transient failures then end the row. */
  readonly finalRun: boolean;
  /** False once the process may have lost the chunk's lock (another worker may be running it). */
  holdsLease(): boolean;
  /** Waits for `wait` without holding one of the process's row slots (see RowSlots). */
  idle<T>(wait: Promise<T>): Promise<T>;
}

/** A row handed back to the queue unsent (transient failures outlasted this run, or shutdown). */
export interface Requeue {
  readonly requeue: true;
  /** Attempts made so far, in this run and the runs before it: the next run counts on from here. */
  readonly attempts: number;
}

/** A row either ends with an outcome, or goes back to the queue. */
export type RowResult = RowOutcome | Requeue;

/** What one row has been through so far. */
interface RowProgress {
  attempts: number;
  throttles: number;
  /** Transient failures since the row last waited at its campaign's gate. */
  transientFailures: number;
}

/** The campaign was paused, cancelled, or this process is stopping: no call was made, the row goes back to its gate. */
const GATE_CLOSED = Symbol('gate closed');

/**
 * Sends one row until it has a final outcome. Every attempt takes a token from the account limiter first.
 * Throttled attempts wait briefly and go again without counting as failures; transient failures back off
 * exponentially, `TRANSIENT_ATTEMPTS_PER_RUN` times in one run; a systemic failure pauses the campaign and the row
 * waits at its gate; anything else fails the row. `priorAttempts` are the attempts of earlier runs of its chunk.
 */
export async function dispatchRow(
  context: DispatchContext,
  campaignId: string,
  message: PubMessage,
  run: ChunkRun,
  priorAttempts = 0,
): Promise<RowResult> {
  const row: RowProgress = { attempts: priorAttempts, throttles: 0, transientFailures: 0 };
  for (;;) {
    const gate = context.watch.gateNow(campaignId) ?? (await run.idle(context.watch.gate(campaignId)));
    if (gate === 'stopping' || !run.holdsLease()) return { requeue: true, attempts: row.attempts };
    if (gate === 'cancelled') return outcome(message, 'cancelled', row.attempts, { code: 'Cancelled' });
    const answer = await attempt(context, campaignId, message, row, run);
    if (answer === GATE_CLOSED) {
      row.transientFailures = 0;
      continue;
    }
    if (answer.ok) {
      context.metrics.pubRequests.labels('ok', 'OK').inc();
      context.onAnswered();
      return outcome(message, 'sent', row.attempts, answer);
    }
    const ended = await afterRefusal(context, campaignId, message, row, run, answer);
    if (ended !== undefined) return ended;
  }
}

/** Waits as the refusal's retry class says; returns the row's result when the refusal ends it. */
async function afterRefusal(
  context: DispatchContext,
  campaignId: string,
  message: PubMessage,
  row: RowProgress,
  run: ChunkRun,
  refusal: PubRefused,
): Promise<RowResult | undefined> {
  const retryClass = retryClassOf(refusal.code, refusal.httpStatus);
  context.metrics.pubRequests.labels(retryClass === 'throttle' ? 'throttled' : 'error', refusal.code).inc();
  if (retryClass === 'throttle') {
    row.throttles++;
    context.metrics.throttled.inc();
    context.onThrottled();
    await run.idle(sleep(backoffMs('throttle', Math.min(row.throttles, 8))));
    return undefined;
  }
  context.onAnswered();
  if (retryClass === 'permanent') return outcome(message, 'failed', row.attempts, refusal);
  if (retryClass === 'systemic') {
    await pauseForSystemicFailure(context, campaignId, `${refusal.code}: ${refusal.message}`);
    row.transientFailures = 0;
    return undefined;
  }
  context.metrics.retries.labels(refusal.code).inc();
  if (++row.transientFailures >= TRANSIENT_ATTEMPTS_PER_RUN) {
    return run.finalRun ? outcome(message, 'failed', row.attempts, refusal) : { requeue: true, attempts: row.attempts };
  }
  await run.idle(sleep(backoffMs('transient', row.transientFailures)));
  return undefined;
}

function gateClosed(context: DispatchContext, campaignId: string, run: ChunkRun): boolean {
  return !context.watch.isOpen(campaignId) || context.watch.stopping || !run.holdsLease();
}

/** One call, once the row's campaign limiter and the account limiter let it go. */
async function attempt(
  context: DispatchContext,
  campaignId: string,
  message: PubMessage,
  row: RowProgress,
  run: ChunkRun,
): Promise<PubResult | typeof GATE_CLOSED> {
  if (gateClosed(context, campaignId, run)) return GATE_CLOSED;
  const campaignLimiter = context.campaignLimiter(campaignId);
  if (campaignLimiter !== undefined) await run.idle(campaignLimiter.take());
  await context.limiter.take(campaignId, context.watch.get(campaignId)?.priority ?? 1);
  if (gateClosed(context, campaignId, run)) return GATE_CLOSED;
  row.attempts++;
  const started = performance.now();
  const result = await context.client.pub(message);
  // Tokens that came due while this answer was handled go now, not after every other answer ready to be handled.
  context.limiter.poke();
  campaignLimiter?.poke();
  const tookMs = performance.now() - started;
  context.metrics.pubDuration.observe(tookMs / 1000);
  context.slots.observeLatency(tookMs);
  return result;
}

async function pauseForSystemicFailure(context: DispatchContext, campaignId: string, reason: string): Promise<void> {
  context.watch.setLocalState(campaignId, 'paused', reason);
  try {
    await context.store.control(campaignId, 'autopause', reason);
  } catch {
    // Already cancelled or finished: the gate will say so.
  }
  await context.watch.poll();
}

function outcome(
  message: PubMessage,
  status: RowOutcome['status'],
  attempts: number,
  answer: { messageId?: string; requestId?: string; code?: string; message?: string },
): RowOutcome {
  return {
    row: message.row,
    status,
    topic: message.topicFullName,
    messageId: answer.messageId ?? '',
    requestId: answer.requestId ?? '',
    code: answer.code ?? '',
    errorMessage: status === 'failed' ? (answer.message ?? '') : '',
    attempts,
    time: Date.now(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
