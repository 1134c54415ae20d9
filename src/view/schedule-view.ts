import type { ScheduleView } from '../scheduler/recurring.js';
import { formatInZone } from '../schedule/time-zone.js';

/** A schedule in `--json` output: times as ISO 8601. */
export function scheduleJson(schedule: ScheduleView): Record<string, unknown> {
  const run = schedule.lastRun;
  return {
    ...schedule,
    next: schedule.next === null ? null : new Date(schedule.next).toISOString(),
    lastRun: run === null ? null : { ...run, firedAt: new Date(run.firedAt).toISOString() },
  };
}

export function scheduleRow(schedule: ScheduleView): Record<string, string> {
  return {
    name: schedule.name,
    cron: schedule.pattern,
    'next run': schedule.next === null ? '-' : formatInZone(schedule.next, schedule.timeZone),
    window: schedule.window ?? '-',
    'last run': lastRunText(schedule),
    file: schedule.file,
  };
}

function lastRunText(schedule: ScheduleView): string {
  const run = schedule.lastRun;
  if (run === null) return '-';
  if (run.error !== null) return `failed: ${run.error.message}`;
  return `${run.campaign ?? ''} (${run.rows} rows)`;
}

export const SCHEDULE_COLUMNS = ['name', 'cron', 'next run', 'window', 'last run', 'file'];
