import { rampPosition, type RampSpec } from '../queue/ramp.js';
import { heldUntil, isHeld, type CampaignSchedule } from '../schedule/campaign-schedule.js';
import { isWindowOpen, nextWindowClosing, nextWindowOpening } from '../schedule/send-window.js';
import { ACCOUNT_GUARD, CAMPAIGN_GUARD, RAMP_STEP_LAG_MS, deliveredRate } from './delivery.js';

/** A campaign as the forecast sees it: what it has left to send and what limits it. */
export interface LoadCampaign {
  readonly id: string;
  /** Rows still to send. */
  readonly rows: number;
  /** Its weight in the account's share (`--priority`). */
  readonly priority: number;
  /** Its own cap in calls/s (`--rate`). */
  readonly rate: number | undefined;
  readonly ramp: RampSpec | undefined;
  /** Rows its ramp has counted so far. */
  readonly rampCounted: number;
  readonly schedule: CampaignSchedule;
  readonly canary: CanaryLoad | undefined;
}

/** A canary not yet over: rows still to send before the hold, and the hold. */
export interface CanaryLoad {
  /** 0: the canary's rows are all final. */
  readonly rowsBeforeHold: number;
  /** How long the hold lasts; undefined: until `resume`. */
  readonly soakMs: number | undefined;
  /** When the hold began, for one already holding. */
  readonly heldAt: number | undefined;
}

export interface ForecastInput {
  /** Epoch ms the forecast starts from. */
  readonly now: number;
  /** The account cap in calls/s. */
  readonly cap: number;
  /** The campaign planned. A canary of it that waits for `resume` is counted as if resumed at once. */
  readonly planned: LoadCampaign;
  /** The other active campaigns; one holding until `resume` is taken to hold to the end. */
  readonly others: readonly LoadCampaign[];
}

/**
 * What holds the planned campaign's rate during a step: its ramp, its `--rate`, the account cap (alone), its share
 * of the cap beside other campaigns; or, sending nothing, its start time, its window, its canary's hold.
 */
export type StepLimit = 'ramp' | 'rate' | 'cap' | 'share' | 'start' | 'window' | 'soak' | 'resume';

export interface ForecastStep {
  /** Epoch ms at which this rate starts. */
  readonly at: number;
  readonly ms: number;
  /** Calls/s delivered. */
  readonly rate: number;
  /** Rows sent at this rate (whole rows; the steps add up to the campaign's rows). */
  readonly rows: number;
  readonly limit: StepLimit;
  /** The ramp's rate limit in this step, when limit is `ramp`. */
  readonly rampRate: number | undefined;
  /** Campaigns sending beside the planned one. */
  readonly sharedWith: number;
}

export interface Forecast {
  /** Epoch ms of the first call. */
  readonly startsAt: number;
  /** Epoch ms of the last call. */
  readonly finishesAt: number;
  /** From the first call to the last, holds between them included. */
  readonly seconds: number;
  /** From its first call on; a hold is a step of rate 0 (a hold until `resume` lasts 0 ms here). */
  readonly steps: readonly ForecastStep[];
}

/** Rows closer than this to a boundary count as at it: rows are counted in floating point. */
const ROW_EPSILON = 1e-6;
/** More events than a plan can need (a window opens and closes twice a day; a ramp has a few dozen steps). */
const MAX_EVENTS = 200_000;

/** A campaign as the forecast steps it on. */
interface Flow {
  readonly load: LoadCampaign;
  readonly planned: boolean;
  left: number;
  counted: number;
  canaryLeft: number | undefined;
  /** While the canary holds: when the hold ends, ms after the forecast's start (Infinity: until a resume it does not see). */
  holdUntil: number | undefined;
}

/** One span of time with constant rates. */
interface Span {
  readonly at: number;
  readonly ms: number;
  readonly rate: number;
  readonly limit: StepLimit;
  readonly rampRate: number | undefined;
  readonly sharedWith: number;
}

/**
 * The planned campaign's rate over time, from `now` until its last row, beside the other active campaigns: from one
 * event to the next (a campaign starts, ends, steps its ramp, ends its canary or its hold, a window opens or closes)
 * every rate is constant, so the forecast steps from event to event. The account's delivered rate is shared by
 * weight among the campaigns sending, a campaign below its share (its own limit) leaving the rest to the others,
 * as the account limiter's stride scheduling does. Every row is assumed to take one call and to end `sent`.
 */
export function forecast(input: ForecastInput): Forecast {
  const flows = [input.planned, ...input.others].map((load, index): Flow => ({
    load,
    planned: index === 0,
    left: Math.max(0, load.rows),
    counted: load.rampCounted,
    canaryLeft: load.canary?.rowsBeforeHold,
    holdUntil: undefined,
  }));
  const planned = flows[0] as Flow;
  if (planned.left === 0) {
    const at = heldUntil(input.planned.schedule, input.now) ?? input.now;
    return { startsAt: at, finishesAt: at, seconds: 0, steps: [] };
  }
  const spans: Span[] = [];
  // Time runs from 0 at input.now: epoch ms are too coarse in floating point for a row's share of a ms.
  const { now } = input;
  let t = 0;
  for (let event = 0; planned.left > 0; event++) {
    if (event >= MAX_EVENTS) throw new Error(`the forecast found no end after ${MAX_EVENTS} events`);
    for (const flow of flows) {
      if (settleCanary(flow, t, now)) spans.push({ at: now + t, ms: 0, rate: 0, limit: 'resume', rampRate: undefined, sharedWith: 0 });
    }
    const rates = shareOut(flows, now + t, input.cap);
    const next = nextEvent(flows, rates, t, now);
    if (!Number.isFinite(next)) throw new Error('the forecast found nothing that would let the campaign send');
    const ms = next - t;
    spans.push(spanOf(planned, rates, now + t, ms, input.cap));
    for (const [flow, rate] of rates) advance(flow, rate, ms);
    t = next;
  }
  return resultOf(spans, planned.load.rows, now + t);
}

/**
 * Starts a canary's hold once its rows are sent, and ends it when it is over. True when the planned campaign's hold
 * until `resume` was passed at once: the forecast counts the rest from the resume.
 */
function settleCanary(flow: Flow, t: number, now: number): boolean {
  const canary = flow.load.canary;
  if (canary === undefined || flow.canaryLeft === undefined || flow.canaryLeft > ROW_EPSILON || flow.left <= ROW_EPSILON) return false;
  const untilResume = canary.soakMs === undefined;
  if (flow.holdUntil === undefined) {
    const since = canary.heldAt === undefined ? t : canary.heldAt - now;
    flow.holdUntil = !untilResume ? since + (canary.soakMs ?? 0) : flow.planned ? t : Number.POSITIVE_INFINITY;
  }
  if (flow.holdUntil > t) return false;
  flow.canaryLeft = undefined;
  flow.holdUntil = undefined;
  return untilResume && flow.planned;
}

function isHolding(flow: Flow): boolean {
  return flow.holdUntil !== undefined;
}

function isSending(flow: Flow, at: number): boolean {
  return flow.left > ROW_EPSILON && !isHolding(flow) && !isHeld(flow.load.schedule, at);
}

/** A campaign's own limit now: what its own limiter delivers, and what sets it. */
interface OwnLimit {
  readonly rate: number;
  /** The ramp's step rate while it is below the ceiling. */
  readonly ramp: number | undefined;
  readonly setBy: 'ramp' | 'rate' | 'cap' | undefined;
}

/**
 * The rate a campaign's own limiter allows now, before the account's share: its ramp's step (never above its
 * `--rate` nor the cap; a ramp that reached the cap keeps its limiter there), else its `--rate`.
 */
function ownLimit(flow: Flow, cap: number): OwnLimit {
  const { rate, ramp } = flow.load;
  if (ramp === undefined) {
    return rate === undefined ? { rate: Number.POSITIVE_INFINITY, ramp: undefined, setBy: undefined } : { rate: deliveredRate(rate, CAMPAIGN_GUARD), ramp: undefined, setBy: 'rate' };
  }
  const ceiling = Math.min(rate ?? Number.POSITIVE_INFINITY, cap);
  const step = laggedRamp(ramp, flow.counted + ROW_EPSILON, ceiling).rate;
  const setBy = step < ceiling ? 'ramp' : rate !== undefined && rate <= cap ? 'rate' : 'cap';
  return { rate: deliveredRate(step, CAMPAIGN_GUARD), ramp: setBy === 'ramp' ? step : undefined, setBy };
}

/** Each sending campaign's rate: the account's delivered rate shared by weight, none above its own limit. */
function shareOut(flows: readonly Flow[], at: number, cap: number): Map<Flow, number> {
  const rates = new Map<Flow, number>();
  let open = flows.filter((flow) => isSending(flow, at));
  let left = deliveredRate(cap, ACCOUNT_GUARD);
  for (;;) {
    const weights = open.reduce((sum, flow) => sum + flow.load.priority, 0);
    const below = open.filter((flow) => ownLimit(flow, cap).rate <= (left * flow.load.priority) / weights);
    if (below.length === 0) {
      for (const flow of open) rates.set(flow, (left * flow.load.priority) / weights);
      return rates;
    }
    for (const flow of below) {
      const rate = ownLimit(flow, cap).rate;
      rates.set(flow, rate);
      left -= rate;
    }
    open = open.filter((flow) => !below.includes(flow));
  }
}

/** The next instant (ms after `now`, as `t`) at which some rate changes. */
function nextEvent(flows: readonly Flow[], rates: ReadonlyMap<Flow, number>, t: number, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  const after = (rows: number, rate: number): number => t + (Math.max(0, rows) / rate) * 1000;
  for (const flow of flows) {
    if (flow.left <= ROW_EPSILON) continue;
    const rate = rates.get(flow) ?? 0;
    if (rate > 0) {
      next = Math.min(next, after(flow.left, rate));
      if (flow.canaryLeft !== undefined && flow.canaryLeft > ROW_EPSILON) next = Math.min(next, after(flow.canaryLeft, rate));
      const ramp = flow.load.ramp;
      if (ramp !== undefined) {
        const step = laggedRamp(ramp, flow.counted + ROW_EPSILON, Number.POSITIVE_INFINITY).nextStepAt;
        if (step !== undefined) next = Math.min(next, after(step - flow.counted, rate));
      }
    }
    if (flow.holdUntil !== undefined) next = Math.min(next, flow.holdUntil);
    const { startAt, window } = flow.load.schedule;
    const at = now + t;
    if (startAt !== undefined && startAt > at) next = Math.min(next, startAt - now);
    if (window !== undefined) next = Math.min(next, (isWindowOpen(window, at) ? nextWindowClosing(window, at) : nextWindowOpening(window, at)) - now);
  }
  return Math.max(next, t);
}

/**
 * The ramp's step as the workers hold it: each step takes effect `RAMP_STEP_LAG_MS` after its rows are counted, the
 * rows sent meanwhile at the step before it. `nextStepAt` is the count at which the next step takes effect.
 */
function laggedRamp(ramp: RampSpec, counted: number, ceiling: number): { rate: number; nextStepAt: number | undefined } {
  for (let step = 0; ; step++) {
    const { rate, nextStepAt } = rampPosition(ramp, step * ramp.every, ceiling);
    if (nextStepAt === undefined) return { rate, nextStepAt };
    const takesEffectAt = nextStepAt + (deliveredRate(rate, CAMPAIGN_GUARD) * RAMP_STEP_LAG_MS) / 1000;
    if (counted < takesEffectAt) return { rate, nextStepAt: takesEffectAt };
  }
}

function advance(flow: Flow, rate: number, ms: number): void {
  const rows = Math.min(flow.left, (rate * ms) / 1000);
  flow.left = snap(flow.left - rows);
  flow.counted += rows;
  if (flow.canaryLeft !== undefined) flow.canaryLeft = snap(flow.canaryLeft - rows);
}

function snap(rows: number): number {
  return rows < ROW_EPSILON ? 0 : rows;
}

function spanOf(planned: Flow, rates: ReadonlyMap<Flow, number>, t: number, ms: number, cap: number): Span {
  const rate = rates.get(planned) ?? 0;
  const sharedWith = [...rates.keys()].filter((flow) => flow !== planned).length;
  if (rate === 0) return { at: t, ms, rate: 0, limit: heldBy(planned, t), rampRate: undefined, sharedWith };
  const own = ownLimit(planned, cap);
  const limit: StepLimit = own.setBy !== undefined && own.rate <= rate + 1e-9 ? own.setBy : sharedWith > 0 ? 'share' : 'cap';
  return { at: t, ms, rate, limit, rampRate: limit === 'ramp' ? own.ramp : undefined, sharedWith };
}

function heldBy(flow: Flow, t: number): StepLimit {
  if (flow.holdUntil !== undefined) return flow.load.canary?.soakMs === undefined ? 'resume' : 'soak';
  const { startAt } = flow.load.schedule;
  return startAt !== undefined && t < startAt ? 'start' : 'window';
}

/** Merges spans of one rate and cause into steps, from the first call on; rows rounded so that they add up. */
function resultOf(spans: readonly Span[], rows: number, end: number): Forecast {
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    const keep = span.ms > 0 || span.limit === 'resume';
    if (!keep) continue;
    if (last !== undefined && last.limit === span.limit && Math.abs(last.rate - span.rate) < 1e-9 && last.rampRate === span.rampRate && last.sharedWith === span.sharedWith && span.limit !== 'resume') {
      merged[merged.length - 1] = { ...last, ms: last.ms + span.ms };
    } else {
      merged.push(span);
    }
  }
  const first = merged.findIndex((span) => span.rate > 0);
  const sending = first < 0 ? [] : merged.slice(first);
  const startsAt = sending[0]?.at ?? end;
  let sent = 0;
  let rounded = 0;
  const steps = sending.map((span): ForecastStep => {
    sent += (span.rate * span.ms) / 1000;
    const upTo = Math.min(rows, Math.round(sent));
    const step = { at: span.at, ms: span.ms, rate: span.rate, rows: upTo - rounded, limit: span.limit, rampRate: span.rampRate, sharedWith: span.sharedWith };
    rounded = upTo;
    return step;
  });
  const last = steps[steps.length - 1];
  if (last !== undefined && rounded < rows) steps[steps.length - 1] = { ...last, rows: last.rows + rows - rounded };
  return { startsAt, finishesAt: end, seconds: (end - startsAt) / 1000, steps };
}
