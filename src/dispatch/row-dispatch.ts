import pRetry, { AbortError } from 'p-retry';
import type { PubAccepted } from '../pub/pub-result.js';
import { TRANSIENT_ATTEMPTS_PER_RUN, backoffMs, retryClassOf } from '../pub/retry-table.js';
import type { RowOutcome } from '../queue/outcome.js';
import type { PubMessage } from '../types/pub-message.js';
import { AttemptError, GateClosedError } from './attempt-error.js';
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

/** A row either ends with an outcome, or goes back to the queue (transient failures outlasted this run, or shutdown). */
export type RowResult = RowOutcome | 'requeue';

/** Throttled attempts a row may make in a row before they start to count against its attempts. */
const FREE_THROTTLES = 200;

/**
 * Sends one row until it has a final outcome. Every attempt takes a token from the account limiter first.
 * Throttled attempts wait briefly and go again without counting; transient failures back off exponentially;
 * a systemic failure pauses the campaign and the row waits at its gate; anything else fails the row.
 */
export async function dispatchRow(
  context: DispatchContext,
  campaignId: string,
  message: PubMessage,
  run: ChunkRun,
): Promise<RowResult> {
  const state = { attempts: 0, throttles: 0 };
  for (;;) {
    const gate = context.watch.gateNow(campaignId) ?? (await run.idle(context.watch.gate(campaignId)));
    if (gate === 'stopping' || !run.holdsLease()) return 'requeue';
    if (gate === 'cancelled') return outcome(message, 'cancelled', state.attempts, { code: 'Cancelled' });
    try {
      const accepted = await pRetry(() => attempt(context, campaignId, message, state, run), retryOptions(context, state, run));
      return outcome(message, 'sent', state.attempts, accepted);
    } catch (error) {
      if (error instanceof GateClosedError) continue;
      if (!(error instanceof AttemptError)) throw error;
      const { refusal, retryClass } = error;
      // Throttling never fails a row: p-retry gives up on it only when transient failures used up its retries.
      if (retryClass === 'throttle') continue;
      if (retryClass === 'systemic') {
        await pauseForSystemicFailure(context, campaignId, `${refusal.code}: ${refusal.message}`);
        continue;
      }
      if (retryClass === 'transient' && !run.finalRun) return 'requeue';
      return outcome(message, 'failed', state.attempts, refusal);
    }
  }
}

async function attempt(
  context: DispatchContext,
  campaignId: string,
  message: PubMessage,
  state: { attempts: number },
  run: ChunkRun,
): Promise<PubAccepted> {
  const closed = (): boolean => !context.watch.isOpen(campaignId) || context.watch.stopping || !run.holdsLease();
  if (closed()) throw new AbortError(new GateClosedError());
  const campaignLimiter = context.campaignLimiter(campaignId);
  if (campaignLimiter !== undefined) await run.idle(campaignLimiter.take());
  await context.limiter.take(campaignId, context.watch.get(campaignId)?.priority ?? 1);
  if (closed()) throw new AbortError(new GateClosedError());
  state.attempts++;
  const started = performance.now();
  const result = await context.client.pub(message);
  // Tokens that came due while this answer was handled go now, not after every other answer ready to be handled.
  context.limiter.poke();
  campaignLimiter?.poke();
  const tookMs = performance.now() - started;
  context.metrics.pubDuration.observe(tookMs / 1000);
  context.slots.observeLatency(tookMs);
  if (result.ok) {
    context.metrics.pubRequests.labels('ok', 'OK').inc();
    context.onAnswered();
    return result;
  }
  const retryClass = retryClassOf(result.code, result.httpStatus);
  if (retryClass !== 'throttle') context.onAnswered();
  context.metrics.pubRequests.labels(retryClass === 'throttle' ? 'throttled' : 'error', result.code).inc();
  const error = new AttemptError(result, retryClass);
  if (retryClass === 'systemic' || retryClass === 'permanent') throw new AbortError(error);
  throw error;
}

/** p-retry counts attempts; the pauses between them are ours, so that a row waiting out a backoff holds no slot. */
function retryOptions(context: DispatchContext, state: { throttles: number }, run: ChunkRun): Parameters<typeof pRetry>[1] {
  return {
    retries: TRANSIENT_ATTEMPTS_PER_RUN - 1,
    minTimeout: 0,
    maxTimeout: 0,
    shouldConsumeRetry: ({ error }) => !(isThrottle(error) && state.throttles <= FREE_THROTTLES),
    onFailedAttempt: async ({ error, retriesLeft, retriesConsumed }) => {
      if (!(error instanceof AttemptError)) return;
      if (error.retryClass === 'throttle') {
        state.throttles++;
        context.metrics.throttled.inc();
        context.onThrottled();
        await run.idle(sleep(backoffMs('throttle', Math.min(state.throttles, 8))));
        return;
      }
      context.metrics.retries.labels(error.refusal.code).inc();
      if (error.retryClass === 'transient' && retriesLeft > 0) await run.idle(sleep(backoffMs('transient', retriesConsumed + 1)));
    },
  };
}

function isThrottle(error: Error): boolean {
  return error instanceof AttemptError && error.retryClass === 'throttle';
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
