import { FleetcastError } from '../errors/fleetcast-error.js';
import type { CampaignSchedule } from './campaign-schedule.js';
import { nextCronFiring } from './cron.js';
import { requireScheduleName } from './schedule-name.js';
import { parseSendWindow, type SendWindow } from './send-window.js';
import { parseStartTime } from './start-time.js';
import { localTimeZone, requireTimeZone } from './time-zone.js';

/** The timing flags of `fleetcast submit`, as typed. */
export interface TimingFlags {
  readonly at?: string;
  readonly cron?: string;
  readonly window?: string;
  readonly tz?: string;
  readonly name?: string;
  readonly wait?: boolean;
  readonly report?: string;
}

/** One campaign now (perhaps held until a time or a window), or a schedule that submits one at every firing. */
export type Timing =
  | { readonly kind: 'once'; readonly timeZone: string; readonly schedule: CampaignSchedule }
  | {
      readonly kind: 'recurring';
      readonly timeZone: string;
      readonly name: string;
      readonly pattern: string;
      readonly window: SendWindow | undefined;
      readonly next: number;
    };

/** Checks every timing flag together, before anything touches Redis; throws a usage error naming the bad value. */
export function timingOf(flags: TimingFlags, now = Date.now()): Timing {
  const timeZone = flags.tz === undefined ? localTimeZone() : requireTimeZone(flags.tz);
  const window = flags.window === undefined ? undefined : parseSendWindow(flags.window, timeZone);
  if (flags.cron === undefined) {
    const startAt = flags.at === undefined ? undefined : Math.max(now, parseStartTime(flags.at, timeZone, now));
    return { kind: 'once', timeZone, schedule: { startAt, window } };
  }
  if (flags.at !== undefined) throw usage('--at and --cron exclude each other: --at sends once, --cron at every firing');
  if (flags.wait === true || flags.report !== undefined) throw usage('--wait and --report follow one campaign; with --cron each firing makes its own (see fleetcast status)');
  const name = requireScheduleName(flags.name);
  return { kind: 'recurring', timeZone, name, pattern: flags.cron, window, next: nextCronFiring(flags.cron, timeZone, now) };
}

function usage(message: string): FleetcastError {
  return new FleetcastError('FC_BAD_USAGE', message);
}
