import type { EmulatorCall } from './emulator.js';
import { QUOTA } from './emulator.js';
import { maxInWindow, median, steadyRate } from './stats.js';

/** What one dispatch setup achieved against the emulator. */
export interface DispatchFigures {
  rows: number;
  utilization: number;
  maxPer1s: number;
  throttled: number;
  cpuUsPerMessage: number;
  redisCpuUsPerMessage: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  seconds: number;
  /** fleetcast only: the workers' `fleetcast_limiter_tokens_dropped_total` at the end of the run, per 100,000 rows. */
  tokensDroppedPer100kRows?: number;
  /** fleetcast only: the account's guard stored in Redis at the end of the run (null when none is stored). */
  guardEnd?: number | null;
}

/** The worst repetition of a dispatch setup, field by field: a median hides one run that went over the cap. */
export interface DispatchWorst {
  utilization: number;
  maxPer1s: number;
  throttled: number;
}

export interface IngestFigures {
  rows: number;
  /** `fleetcast submit`: validate + queue into Redis, whole process. */
  rowsPerSec: number;
  peakRssMb: number;
  redisBytesPerRow: number;
  seconds: number;
  /** csv-parse alone on the same file, by wall time and per CPU-second of the bench process. */
  csvParseRowsPerSec: number;
  csvParseRowsPerCpuSec: number;
  /** fleetcast's validate pass on the same file, likewise. */
  validateRowsPerSec: number;
  validateRowsPerCpuSec: number;
  /** validate ÷ csv-parse alone, per CPU-second (the machine's other load counts less than in wall time). */
  validateShareOfCsvParse: number;
}

export interface AccountsFigures {
  accounts: number;
  rows: number;
  totalPerSec: number;
  cpuUsPerMessage: number;
  redisCpuUsPerMessage: number;
}

/** What a dispatch run measured, before it is turned into figures. */
export interface DispatchSample {
  readonly rows: number;
  readonly calls: readonly EmulatorCall[];
  readonly cpuUs: number;
  readonly redisCpuUs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly seconds: number;
  /** fleetcast's limiter at the end of the run: tokens dropped over every worker, and the stored guard. */
  readonly limiter?: { readonly tokensDropped: number; readonly guardEnd: number | null };
}

export function dispatchFigures(sample: DispatchSample): DispatchFigures {
  const accepted = sample.calls.filter((call) => call.code === 'OK').map((call) => call.t).sort((a, b) => a - b);
  return {
    rows: sample.rows,
    utilization: steadyRate(accepted) / QUOTA,
    maxPer1s: maxInWindow(accepted),
    throttled: sample.calls.filter((call) => call.code === 'Throttling.User').length,
    cpuUsPerMessage: sample.cpuUs / sample.rows,
    redisCpuUsPerMessage: sample.redisCpuUs / sample.rows,
    p50LatencyMs: sample.p50Ms,
    p99LatencyMs: sample.p99Ms,
    seconds: sample.seconds,
    ...(sample.limiter && {
      tokensDroppedPer100kRows: (sample.limiter.tokensDropped / sample.rows) * 100_000,
      guardEnd: sample.limiter.guardEnd,
    }),
  };
}

export function worstOf(runs: readonly DispatchFigures[]): DispatchWorst {
  return {
    utilization: Math.min(...runs.map((run) => run.utilization)),
    maxPer1s: Math.max(...runs.map((run) => run.maxPer1s)),
    throttled: Math.max(...runs.map((run) => run.throttled)),
  };
}

/** The median of every numeric field over repetitions (null for a field null in every repetition). */
export function medianOf<T extends object>(runs: readonly T[]): T {
  const first = runs[0];
  if (first === undefined) throw new Error('no runs to summarise');
  const out: Record<string, number | null> = {};
  for (const key of Object.keys(first)) {
    const values = runs.map((run) => (run as Record<string, number | null>)[key]);
    out[key] = values.every((value) => value === null) ? null : median(values.map((value) => value ?? Number.NaN));
  }
  return out as T;
}
