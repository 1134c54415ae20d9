import { getNextMillis } from 'bullmq';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { requireTimeZone } from './time-zone.js';

/**
 * Checks a cron pattern (5 fields, or 6 with seconds first) as BullMQ will run it in `timeZone`; returns its next
 * firing after `now`, or throws a usage error naming the pattern.
 */
export function nextCronFiring(pattern: string, timeZone: string, now = Date.now()): number {
  requireTimeZone(timeZone);
  const fields = pattern.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw badCron(pattern, `it has ${fields} field${fields === 1 ? '' : 's'}`);
  let next: number | undefined;
  try {
    next = getNextMillis(now, { pattern, tz: timeZone });
  } catch (error) {
    throw badCron(pattern, error instanceof Error ? error.message : String(error));
  }
  if (next === undefined) throw badCron(pattern, 'it never fires');
  return next;
}

function badCron(pattern: string, why: string): FleetcastError {
  return new FleetcastError(
    'FC_BAD_USAGE',
    `--cron "${pattern}" is not a cron pattern (${why}); give 5 fields "minute hour day month weekday", for example "0 2 * * *", or 6 with seconds first`,
  );
}
