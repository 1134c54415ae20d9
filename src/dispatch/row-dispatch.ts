import pRetry, { AbortError, type Options as RetryOptions, type RetryContext } from 'p-retry';
import type { BatchPubAccepted, BatchPubResult } from '../pub/batch-pub.js';
import type { PubAccepted, PubRefused, PubResult } from '../pub/pub-result.js';
import { BACKOFF_BOUNDS, TRANSIENT_ATTEMPTS_PER_RUN, backoffMs, retryClassOf, type RetryClass } from '../pub/retry-table.js';
import type { RowApi, RowOutcome, RowStatus } from '../queue/outcome.js';
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

/** One call to repeat until it is final: a row by `Pub`, or a pack of rows by `BatchPub`. */
export interface PlannedCall {
  readonly api: RowApi;
  /** The row the campaign's gate is asked about (a pack's first row: every row of a pack is past a canary alike). */
  readonly gateRow: number;
  /** Messages the call delivers: the tokens it takes from the campaign's own limiter (`--rate` counts deliveries). */
  readonly deliveries: number;
  send(): Promise<PubResult | BatchPubResult>;
}

/** How a call ended: its status and answer hold for each of its rows. */
export interface CallEnd {
  readonly status: RowStatus;
  readonly attempts: number;
  readonly answer: Answer;
}

/** What an outcome takes from the last answer. */
interface Answer {
  readonly messageId?: string;
  readonly requestId?: string;
  readonly code?: string;
  readonly message?: string;
  readonly httpStatus?: number | undefined;
}

export type CallResult = CallEnd | Requeue;

/** What one row has been through so far. */
interface RowProgress {
  attempts: number;
  throttles: number;
}

/** A refused attempt, as p-retry sees it. Permanent and systemic refusals reach it wrapped in `AbortError`. */
class RefusedAttempt extends Error {
  constructor(
    readonly refusal: PubRefused,
    readonly retryClass: RetryClass,
  ) {
    super(`${refusal.code}: ${refusal.message}`);
  }
}

/** The campaign was paused, cancelled, or this process is stopping: no call was made, the row goes back to its gate. */
class GateClosed extends Error {}

/**
 * p-retry's own backoff for transient failures, from the table's bounds: the n-th waits between
 * `backoffMs('transient', n)`'s bounds (minTimeout × 2^(n-1), × 1–2 by `randomize`), at most `maxMs`.
 */
const TRANSIENT_BACKOFF = {
  minTimeout: BACKOFF_BOUNDS.transient.minMs / 2,
  maxTimeout: BACKOFF_BOUNDS.transient.maxMs,
  factor: 2,
  randomize: true,
} as const;

/**
 * Sends one row by `Pub` until it has a final outcome (see dispatchCall). `priorAttempts` are the attempts of
 * earlier runs of its chunk.
 */
export async function dispatchRow(
  context: DispatchContext,
  campaignId: string,
  message: PubMessage,
  run: ChunkRun,
  priorAttempts = 0,
): Promise<RowResult> {
  const call: PlannedCall = { api: 'Pub', gateRow: message.row, deliveries: 1, send: () => context.client.pub(message) };
  const result = await dispatchCall(context, campaignId, call, run, priorAttempts);
  return 'requeue' in result ? result : outcomeOf(message, result, 'Pub');
}

/**
 * Makes one call until it ends. Every attempt takes a token from the account limiter of its API first.
 * Throttled attempts wait briefly and go again without counting as failures; transient failures back off
 * exponentially, `TRANSIENT_ATTEMPTS_PER_RUN` times in one run; a systemic failure pauses the campaign and the call
 * waits at its gate; anything else fails the call.
 */
export async function dispatchCall(
  context: DispatchContext,
  campaignId: string,
  call: PlannedCall,
  run: ChunkRun,
  priorAttempts = 0,
): Promise<CallResult> {
  const row: RowProgress = { attempts: priorAttempts, throttles: 0 };
  for (;;) {
    const gate = context.watch.gateNow(campaignId, call.gateRow) ?? (await run.idle(context.watch.gate(campaignId, call.gateRow)));
    if (gate === 'stopping' || !run.holdsLease()) return { requeue: true, attempts: row.attempts };
    if (gate === 'cancelled') return ended('cancelled', row, { code: 'Cancelled' });
    // The first attempt is a plain call: most rows are sent at once, and p-retry around it would cost 3-5 µs of
    // CPU per row (this function's own work is under 1 µs). From the first refusal on, p-retry drives every retry.
    const first = await attempt(context, campaignId, call, row, run);
    if (first === undefined) continue;
    if (first.ok) return sent(context, call, row, first);
    const end = await retryAfterRefusal(context, campaignId, call, row, run, first);
    if (end !== undefined) return end;
  }
}

/**
 * Retries a refused call with p-retry, the refusal being its first failed attempt, until the call is accepted or
 * p-retry gives up on it; undefined sends the call back to its gate (where its transient failures are counted afresh).
 */
async function retryAfterRefusal(
  context: DispatchContext,
  campaignId: string,
  call: PlannedCall,
  row: RowProgress,
  run: ChunkRun,
  refusal: PubRefused,
): Promise<CallResult | undefined> {
  let firstRefusal: Error | undefined = refusedAttempt(context, call.api, refusal);
  const backoff = new SlotFreeBackoff(run);
  try {
    const accepted = await pRetry(async () => {
      if (firstRefusal !== undefined) {
        const refused = firstRefusal;
        firstRefusal = undefined;
        throw refused;
      }
      await backoff.end();
      const answer = await attempt(context, campaignId, call, row, run);
      if (answer === undefined) throw new AbortError(new GateClosed());
      if (answer.ok) return answer;
      throw refusedAttempt(context, call.api, answer);
    }, retryOptions(row, run, backoff));
    return sent(context, call, row, accepted);
  } catch (error) {
    if (error instanceof GateClosed) return undefined;
    if (!(error instanceof RefusedAttempt)) throw error;
    return await afterGivingUp(context, campaignId, row, run, error);
  } finally {
    await backoff.end();
  }
}

/**
 * Retries forever as far as p-retry's count goes: a throttled attempt does not consume a retry, but `retriesLeft`
 * reaching 0 would end it all the same, so the transient failures of one run are capped in `shouldRetry` instead.
 */
function retryOptions(row: RowProgress, run: ChunkRun, backoff: SlotFreeBackoff): RetryOptions {
  const transientBudgetLeft = ({ retriesConsumed }: RetryContext): boolean => retriesConsumed + 1 < TRANSIENT_ATTEMPTS_PER_RUN;
  return {
    ...TRANSIENT_BACKOFF,
    retries: Number.POSITIVE_INFINITY,
    shouldConsumeRetry: ({ error }) => !isThrottle(error),
    shouldRetry: (retry) => isThrottle(retry.error) || (retry.error instanceof RefusedAttempt && transientBudgetLeft(retry)),
    // Awaited by p-retry, which gives an attempt that consumed no retry no delay of its own: the throttle pause is here.
    onFailedAttempt: async (retry) => {
      if (isThrottle(retry.error)) {
        row.throttles++;
        await run.idle(sleep(backoffMs('throttle', Math.min(row.throttles, 8))));
      } else if (retry.error instanceof RefusedAttempt && transientBudgetLeft(retry)) {
        backoff.begin();
      }
    },
  };
}

/**
 * Lets the row's slot go for the pause p-retry sleeps itself before retrying a transient failure, and takes one
 * again before the retry's call.
 */
class SlotFreeBackoff {
  readonly #run: ChunkRun;
  #waiting: { readonly idle: Promise<void>; readonly end: () => void } | undefined;

  constructor(run: ChunkRun) {
    this.#run = run;
  }

  begin(): void {
    let end: () => void = () => undefined;
    const over = new Promise<void>((resolve) => (end = resolve));
    this.#waiting = { idle: this.#run.idle(over), end };
  }

  async end(): Promise<void> {
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    this.#waiting = undefined;
    waiting.end();
    await waiting.idle;
  }
}

/** What becomes of a call once p-retry gave up on it (or was told to stop): undefined sends it back to its gate. */
async function afterGivingUp(
  context: DispatchContext,
  campaignId: string,
  row: RowProgress,
  run: ChunkRun,
  { refusal, retryClass }: RefusedAttempt,
): Promise<CallResult | undefined> {
  switch (retryClass) {
    case 'permanent':
      return ended('failed', row, refusal);
    case 'systemic':
      await pauseForSystemicFailure(context, campaignId, `${refusal.code}: ${refusal.message}`);
      return undefined;
    case 'transient':
      return run.finalRun ? ended('failed', row, refusal) : { requeue: true, attempts: row.attempts };
    case 'throttle':
      // Not reached: p-retry never gives up on a throttled attempt.
      return undefined;
  }
}

function isThrottle(error: Error): boolean {
  return error instanceof RefusedAttempt && error.retryClass === 'throttle';
}

/** The labels of every accepted attempt by API, made once (`labels(…)` builds them and a bound function per call). */
const ACCEPTED = { Pub: { api: 'Pub', result: 'ok', code: 'OK' }, BatchPub: { api: 'BatchPub', result: 'ok', code: 'OK' } } as const;

function sent(context: DispatchContext, call: PlannedCall, row: RowProgress, accepted: PubAccepted | BatchPubAccepted): CallEnd {
  context.metrics.pubRequests.inc(ACCEPTED[call.api]);
  context.onAnswered(call.api);
  return ended('sent', row, accepted);
}

function ended(status: RowStatus, row: RowProgress, answer: Answer): CallEnd {
  return { status, attempts: row.attempts, answer };
}

/** Counts a refusal where it is due; permanent and systemic ones end p-retry at once. */
function refusedAttempt(context: DispatchContext, api: RowApi, refusal: PubRefused): Error {
  const retryClass = retryClassOf(refusal.code, refusal.httpStatus);
  context.metrics.pubRequests.labels(api, retryClass === 'throttle' ? 'throttled' : 'error', refusal.code).inc();
  const refused = new RefusedAttempt(refusal, retryClass);
  if (retryClass === 'throttle') {
    context.metrics.throttled.inc();
    context.onThrottled(api);
    return refused;
  }
  context.onAnswered(api);
  if (retryClass === 'transient') {
    context.metrics.retries.labels(refusal.code).inc();
    return refused;
  }
  return new AbortError(refused);
}

function gateClosed(context: DispatchContext, campaignId: string, run: ChunkRun): boolean {
  return !context.watch.isOpen(campaignId) || context.watch.stopping || !run.holdsLease();
}

/** One call, once the campaign's limiter and the account limiter of its API let it go; undefined when the gate closed first. */
async function attempt(
  context: DispatchContext,
  campaignId: string,
  call: PlannedCall,
  row: RowProgress,
  run: ChunkRun,
): Promise<PubResult | BatchPubResult | undefined> {
  if (gateClosed(context, campaignId, run)) return undefined;
  const campaignLimiter = context.campaignLimiter(campaignId);
  if (campaignLimiter !== undefined) {
    await run.idle(call.deliveries === 1 ? campaignLimiter.take() : takeTokens(campaignLimiter, call.deliveries));
    if (gateClosed(context, campaignId, run)) return undefined;
  }
  const limiter = call.api === 'Pub' ? context.limiter : context.batchPubLimiter;
  await limiter.take(campaignId, context.watch.get(campaignId)?.priority ?? 1);
  if (gateClosed(context, campaignId, run)) return undefined;
  row.attempts++;
  const started = performance.now();
  const result = await call.send();
  // Tokens that came due while this answer was handled go now, not after every other answer ready to be handled.
  limiter.poke();
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

/** A pack's call takes one token of the campaign's limiter per device it delivers to. */
async function takeTokens(limiter: { take(): Promise<void> }, count: number): Promise<void> {
  const takes: Array<Promise<void>> = [];
  for (let taken = 0; taken < count; taken++) takes.push(limiter.take());
  await Promise.all(takes);
}

/** The row's outcome from how its call ended. */
export function outcomeOf(message: PubMessage, end: CallEnd, api: RowApi): RowOutcome {
  const { status, answer } = end;
  return {
    row: message.row,
    status,
    topic: message.topicFullName,
    messageId: answer.messageId ?? '',
    requestId: answer.requestId ?? '',
    code: answer.code ?? '',
    errorMessage: status === 'failed' ? (answer.message ?? '') : '',
    attempts: end.attempts,
    time: Date.now(),
    api,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
