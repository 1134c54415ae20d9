import { FleetcastError } from '../errors/fleetcast-error.js';

/** Which rows count towards the next step of a ramp: rows that ended `sent`, or rows in any final state. */
export type RampCounting = 'sent' | 'final';

/**
 * An exponential ramp (`--ramp-start QPS --ramp-factor F --ramp-every N [--ramp-on sent|final]`): the campaign starts
 * at `startRate` calls/s and multiplies its rate by `factor` each time `every` more of its rows are counted, until it
 * reaches its ceiling (its `--rate`, else the account cap).
 */
export interface RampSpec {
  readonly startRate: number;
  readonly factor: number;
  readonly every: number;
  readonly on: RampCounting;
}

export const RAMP_FACTOR_MIN = 1.1;
export const RAMP_FACTOR_MAX = 5;

/** Where a ramp stands after `counted` rows: its step (0 first), the rate of that step and the count of the next. */
export interface RampPosition {
  readonly step: number;
  readonly rate: number;
  /** Counted rows at which the next step begins; undefined once the ceiling is reached. */
  readonly nextStepAt: number | undefined;
}

/** The step and rate of a ramp once `counted` rows are counted, never above `ceiling`. */
export function rampPosition(spec: RampSpec, counted: number, ceiling: number): RampPosition {
  const step = Math.floor(Math.max(0, counted) / spec.every);
  const rate = Math.min(ceiling, spec.startRate * spec.factor ** step);
  return { step, rate, nextStepAt: rate >= ceiling ? undefined : (step + 1) * spec.every };
}

/** Rows a ramp counts in a campaign's counters. */
export function rampCounted(spec: RampSpec, counters: { readonly sent: number; readonly done: number }): number {
  return spec.on === 'sent' ? counters.sent : counters.done;
}

/** The `--ramp-*` flags as the command line gives them. */
export interface RampFlags {
  readonly rampStart?: number | undefined;
  readonly rampFactor?: number | undefined;
  readonly rampEvery?: number | undefined;
  readonly rampOn?: string | undefined;
}

/** A ramp from its flags; undefined without `--ramp-start`. The others are required with it, and only with it. */
export function rampOf(flags: RampFlags): RampSpec | undefined {
  const { rampStart, rampFactor, rampEvery, rampOn } = flags;
  if (rampStart === undefined) {
    if (rampFactor !== undefined || rampEvery !== undefined || rampOn !== undefined) {
      throw new FleetcastError('FC_BAD_USAGE', '--ramp-factor, --ramp-every and --ramp-on need --ramp-start');
    }
    return undefined;
  }
  if (rampFactor === undefined || rampEvery === undefined) {
    throw new FleetcastError('FC_BAD_USAGE', '--ramp-start needs --ramp-factor and --ramp-every (e.g. --ramp-start 50 --ramp-factor 2 --ramp-every 500)');
  }
  if (!(rampStart > 0)) throw new FleetcastError('FC_BAD_USAGE', `--ramp-start must be more than 0 calls/s (got ${rampStart})`);
  if (!(rampFactor >= RAMP_FACTOR_MIN && rampFactor <= RAMP_FACTOR_MAX)) {
    throw new FleetcastError('FC_BAD_USAGE', `--ramp-factor must be between ${RAMP_FACTOR_MIN} and ${RAMP_FACTOR_MAX} (got ${rampFactor})`);
  }
  if (!(Number.isSafeInteger(rampEvery) && rampEvery >= 1)) throw new FleetcastError('FC_BAD_USAGE', `--ramp-every must be a whole number of rows, at least 1 (got ${rampEvery})`);
  if (rampOn !== undefined && rampOn !== 'sent' && rampOn !== 'final') {
    throw new FleetcastError('FC_BAD_USAGE', `--ramp-on must be sent or final (got "${rampOn}")`);
  }
  return { startRate: rampStart, factor: rampFactor, every: rampEvery, on: rampOn ?? 'sent' };
}

/** The ramp as stored in a campaign hash (`rampStart`, `rampFactor`, `rampEvery`, `rampOn`) and in a schedule. */
export function rampFields(spec: RampSpec): Record<string, string> {
  return { rampStart: String(spec.startRate), rampFactor: String(spec.factor), rampEvery: String(spec.every), rampOn: spec.on };
}

/** The stored ramp of a campaign hash; undefined when it has none (or a field is unreadable). */
export function storedRamp(hash: Readonly<Record<string, string | undefined>>): RampSpec | undefined {
  const startRate = Number(hash.rampStart);
  const factor = Number(hash.rampFactor);
  const every = Number(hash.rampEvery);
  if (hash.rampStart === undefined || !(startRate > 0) || !(factor > 1) || !(every >= 1)) return undefined;
  return { startRate, factor, every, on: hash.rampOn === 'final' ? 'final' : 'sent' };
}
