import { InvalidArgumentError, type Command } from 'commander';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { parseAbortAction, parseAbortRule, type AbortAction, type AbortRule } from '../queue/abort-rules.js';
import { parseCanarySize, parseSoak, type CanarySpec } from '../queue/canary.js';
import { rampOf, type RampSpec } from '../queue/ramp.js';
import type { GlobalFlags } from './context.js';
import { positiveInt, positiveNumber } from './parse.js';

/** The flags of `fleetcast submit`, which `fleetcast plan` takes too. */
export interface SubmitFlags extends GlobalFlags {
  name?: string;
  rate?: number;
  priority?: number;
  skipInvalid?: boolean;
  rejects?: string;
  wait?: boolean;
  report?: string;
  at?: string;
  cron?: string;
  window?: string;
  tz?: string;
  abort: string[];
  abortAction?: string;
  canary?: string;
  canarySoak?: string;
  rampStart?: number;
  rampFactor?: number;
  rampEvery?: number;
  rampOn?: string;
  pack?: boolean;
}

/** Adds the options of `fleetcast submit` to `command`. */
export function addSubmitOptions(command: Command): Command {
  return command
    .option('--name <name>', 'campaign name (default: the JSON "name", else the file name); the same name and file never send twice')
    .option('--rate <qps>', "the campaign's own cap in calls/s, below the account cap", positiveNumber('--rate', 0.1, 100_000))
    .option('--priority <weight>', 'share of the account when several campaigns run (default 1)', positiveInt('--priority', 1, 100))
    .option('--skip-invalid', 'send the valid rows and write the invalid ones to --rejects')
    .option('--rejects <file>', 'where --skip-invalid writes rejected rows (default FILE.rejects.csv)')
    .option('--wait', 'follow the campaign to the end with a progress bar')
    .option('--report <out.csv>', 'with --wait: write the per-row report there at the end')
    .option('--at <time>', 'queue the rows now but send from this time on: ISO 8601, e.g. 2026-12-01T02:00+08:00 (without an offset: in --tz)')
    .option('--cron <pattern>', 'instead of one campaign now, submit the file again at every firing: "0 2 * * *" (6 fields: seconds first); needs --name')
    .option('--window <HH:MM-HH:MM>', 'send only inside this daily window of local time (may wrap midnight, e.g. 22:00-06:00); outside it rows wait')
    .option('--tz <zone>', 'IANA time zone of --at, --cron and --window, e.g. Asia/Shanghai (default: this machine\'s)')
    .option('--abort <CLASS:PERCENT[:MIN]>', 'pause (or cancel) once MIN rows (default 100) are final and more than PERCENT% ended in CLASS: offline, not-found, rejected, exhausted or failed; repeatable', collect, [])
    .option('--abort-action <pause|cancel>', 'what a fired --abort rule does: pause (default; resume to go on) or cancel the rest')
    .option('--canary <N|P%>', 'send the first N rows (or P% of them, at least 1), wait until each is final, then hold in state canary until resume')
    .option('--canary-soak <duration>', 'with --canary: go on by itself this long after the canary ended (90s, 10m, 1h), unless an abort rule fired')
    .option('--ramp-start <qps>', 'start at this many calls/s and raise the rate step by step (needs --ramp-factor and --ramp-every)', numberFlag('--ramp-start'))
    .option('--ramp-factor <f>', 'with --ramp-start: multiply the rate by this (1.1 to 5) at each step, up to --rate or the account cap', numberFlag('--ramp-factor'))
    .option('--ramp-every <n>', 'with --ramp-start: one step each time this many more rows are counted', numberFlag('--ramp-every'))
    .option('--ramp-on <sent|final>', 'with --ramp-start: count rows that ended sent (default), or rows in any final state')
    .option('--pack', 'send rows with one payload to many devices of a product by BatchPub, up to 100 devices a call (no MessageId per device); other rows by Pub');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A number as typed; the ranges are checked with the other ramp flags (rampOf). */
function numberFlag(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError(`${name} must be a number (got "${value}")`);
    return parsed;
  };
}

/** The campaign's abort rules from `--abort` and `--abort-action`; undefined when there are none. */
export function abortOf(flags: SubmitFlags): { rules: AbortRule[]; action: AbortAction } | undefined {
  const action = parseAbortAction(flags.abortAction);
  if (flags.abort.length === 0) {
    if (flags.abortAction !== undefined) throw new FleetcastError('FC_BAD_USAGE', '--abort-action needs at least one --abort rule');
    return undefined;
  }
  return { rules: flags.abort.map(parseAbortRule), action };
}

/** The campaign's canary from `--canary` and `--canary-soak`; undefined without `--canary`. */
export function canaryOf(flags: SubmitFlags): CanarySpec | undefined {
  if (flags.canary === undefined) {
    if (flags.canarySoak !== undefined) throw new FleetcastError('FC_BAD_USAGE', '--canary-soak needs --canary');
    return undefined;
  }
  return { size: parseCanarySize(flags.canary), soakMs: flags.canarySoak === undefined ? undefined : parseSoak(flags.canarySoak) };
}

/** The campaign's ramp from the `--ramp-*` flags; undefined without `--ramp-start`. */
export function rampOfFlags(flags: SubmitFlags): RampSpec | undefined {
  const ramp = rampOf({ rampStart: flags.rampStart, rampFactor: flags.rampFactor, rampEvery: flags.rampEvery, rampOn: flags.rampOn });
  if (ramp !== undefined && flags.rate !== undefined && ramp.startRate >= flags.rate) {
    throw new FleetcastError('FC_BAD_USAGE', `--ramp-start ${ramp.startRate} is not below --rate ${flags.rate}: the ramp would have no step`);
  }
  return ramp;
}

/** Every rollout flag checked together, before anything touches Redis. */
export interface Rollout {
  readonly abort: { rules: AbortRule[]; action: AbortAction } | undefined;
  readonly canary: CanarySpec | undefined;
  readonly ramp: RampSpec | undefined;
}

export function rolloutOf(flags: SubmitFlags): Rollout {
  return { abort: abortOf(flags), canary: canaryOf(flags), ramp: rampOfFlags(flags) };
}
