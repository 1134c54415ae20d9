import type { AccountsFigures, DispatchFigures, DispatchWorst, IngestFigures } from './figures.js';
import type { PackFigures } from './pack-figures.js';

/** One goal the figures are held against. */
export interface GoalCheck {
  goal: string;
  figure: number | null;
  met: boolean;
}

export interface Measured {
  dispatch?: DispatchFigures;
  dispatchWorst?: DispatchWorst;
  ingest?: IngestFigures;
  accounts?: AccountsFigures;
  pack?: PackFigures;
}

type Rule = readonly [goal: string, read: (m: Measured) => number | undefined, ok: (value: number) => boolean];

const RULES: readonly Rule[] = [
  ['dispatch utilization ≥ 0.995', (m) => m.dispatch?.utilization, (v) => v >= 0.995],
  ['dispatch throttled ≤ 0.1 % of calls in every repetition', (m) => throttledShareOfWorst(m), (v) => v <= 0.001],
  ['dispatch maxPer1s ≤ 1600 in every repetition', (m) => m.dispatchWorst?.maxPer1s, (v) => v <= 1600],
  ['dispatch cpuUsPerMessage ≤ 300 µs', (m) => m.dispatch?.cpuUsPerMessage, (v) => v <= 300],
  ['dispatch CPU + Redis CPU ≤ 400 µs/message', (m) => (m.dispatch ? m.dispatch.cpuUsPerMessage + m.dispatch.redisCpuUsPerMessage : undefined), (v) => v <= 400],
  ['ingest ≥ 100,000 rows/s', (m) => m.ingest?.rowsPerSec, (v) => v >= 100_000],
  ['validate ≥ 40 % of csv-parse alone (per CPU-second)', (m) => m.ingest?.validateShareOfCsvParse, (v) => v >= 0.4],
  ['ingest peak RSS ≤ 200 MB', (m) => m.ingest?.peakRssMb, (v) => v <= 200],
  ['Redis ≤ 200 bytes per pending row', (m) => m.ingest?.redisBytesPerRow, (v) => v <= 200],
  ['3 accounts ≥ 4,700 calls/s total', (m) => m.accounts?.totalPerSec, (v) => v >= 4700],
  ['same-payload deliveries/s with --pack ≥ 3.5× Pub alone', (m) => m.pack?.ratio, (v) => v >= 3.5],
];

/** Throttled calls of the worst repetition ÷ rows: the learned guard accepts a rare throttle by design. */
function throttledShareOfWorst(m: Measured): number | undefined {
  if (m.dispatchWorst === undefined || m.dispatch === undefined) return undefined;
  return m.dispatchWorst.throttled / m.dispatch.rows;
}

/** Every goal whose figure was measured in this run. */
export function checkGoals(measured: Measured): GoalCheck[] {
  const checks: GoalCheck[] = [];
  for (const [goal, read, ok] of RULES) {
    const value = read(measured);
    if (value === undefined) continue;
    checks.push({ goal, figure: Number.isFinite(value) ? value : null, met: Number.isFinite(value) && ok(value) });
  }
  return checks;
}
