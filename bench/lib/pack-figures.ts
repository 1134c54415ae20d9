import type { EmulatorCall } from './emulator.js';
import { median, steadyRate } from './stats.js';
import { medianOf } from './figures.js';

/** One run of the same-payload campaign, as the emulator saw it. */
export interface PackRunFigures {
  rows: number;
  /** Of the rows, those the campaign record counts as sent in a `BatchPub` pack. */
  sentBatchPub: number;
  /** Messages put on the broker by accepted calls. */
  deliveries: number;
  /** Deliveries per second from the first accepted call to the last. */
  deliveriesPerSec: number;
  /** Deliveries per second between one second after the first accepted call and one second before the last. */
  steadyDeliveriesPerSec: number;
  pubCalls: number;
  batchPubCalls: number;
  /** Calls answered Throttling.User, of either API. */
  throttled: number;
  /** CPU of the workers per row, µs: at 6,600 deliveries/s two cores give at most 300 µs a row to everything. */
  cpuUsPerRow: number;
  seconds: number;
}

/** `--pack` beside Pub alone on the same file: medians over repetitions, and the median of each repetition's ratio. */
export interface PackFigures {
  packed: PackRunFigures;
  plain: PackRunFigures;
  /** packed ÷ plain deliveries per second, over the span. */
  ratio: number;
  /** packed ÷ plain deliveries per second, in the steady part. */
  steadyRatio: number;
}

/** What one run measured besides the emulator's calls. */
export interface PackRunSample {
  readonly rows: number;
  readonly sentBatchPub: number;
  readonly cpuUs: number;
  readonly seconds: number;
}

export function packRunFigures(calls: readonly EmulatorCall[], sample: PackRunSample): PackRunFigures {
  const accepted = calls.filter((call) => call.code === 'OK').sort((a, b) => a.t - b.t);
  return {
    rows: sample.rows,
    sentBatchPub: sample.sentBatchPub,
    deliveries: accepted.reduce((sum, call) => sum + deliveriesOf(call), 0),
    deliveriesPerSec: spanRate(accepted),
    steadyDeliveriesPerSec: steadyDeliveryRate(accepted),
    pubCalls: accepted.filter((call) => call.action === 'Pub').length,
    batchPubCalls: accepted.filter((call) => call.action === 'BatchPub').length,
    throttled: calls.filter((call) => call.code === 'Throttling.User').length,
    cpuUsPerRow: sample.cpuUs / sample.rows,
    seconds: sample.seconds,
  };
}

export function comparePackRuns(packed: PackRunFigures, plain: PackRunFigures): PackFigures {
  return {
    packed,
    plain,
    ratio: packed.deliveriesPerSec / plain.deliveriesPerSec,
    steadyRatio: packed.steadyDeliveriesPerSec / plain.steadyDeliveriesPerSec,
  };
}

export function medianOfComparisons(runs: readonly PackFigures[]): PackFigures {
  return {
    packed: medianOf(runs.map((run) => run.packed)),
    plain: medianOf(runs.map((run) => run.plain)),
    ratio: median(runs.map((run) => run.ratio)),
    steadyRatio: median(runs.map((run) => run.steadyRatio)),
  };
}

function deliveriesOf(call: EmulatorCall): number {
  return call.deliveries ?? 0;
}

/**
 * Deliveries after the first accepted call over the time from it to the last: the first call's deliveries open the
 * span, as the first event does in an events-per-second count.
 */
function spanRate(accepted: readonly EmulatorCall[]): number {
  const first = accepted[0];
  const last = accepted[accepted.length - 1];
  if (first === undefined || last === undefined || last.t <= first.t) return Number.NaN;
  const after = accepted.slice(1).reduce((sum, call) => sum + deliveriesOf(call), 0);
  return after / ((last.t - first.t) / 1000);
}

/** steadyRate weighted by deliveries: each call counts as many times as it delivered. */
function steadyDeliveryRate(accepted: readonly EmulatorCall[]): number {
  const times: number[] = [];
  for (const call of accepted) for (let i = 0; i < deliveriesOf(call); i++) times.push(call.t);
  return steadyRate(times);
}
