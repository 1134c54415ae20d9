import { FleetcastError } from '../errors/fleetcast-error.js';

/** A wall-clock reading in some time zone. `month` is 1..12. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local zone of this machine (an IANA name). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Checks an IANA zone name such as `Asia/Shanghai`; returns it, or throws a usage error naming it. */
export function requireTimeZone(timeZone: string, flag = '--tz'): string {
  try {
    formatterOf(timeZone);
    return timeZone;
  } catch {
    throw new FleetcastError('FC_BAD_USAGE', `${flag} "${timeZone}" is not a time zone; give an IANA name such as Asia/Shanghai or UTC`);
  }
}

/** The wall clock in `timeZone` at instant `t` (whole seconds). */
export function wallTimeAt(t: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(new Date(t))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function wallAsUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** How far the zone's wall clock is ahead of UTC at instant `t`, in ms. */
export function utcOffsetAt(t: number, timeZone: string): number {
  const whole = Math.floor(t / 1000) * 1000;
  return wallAsUtc(wallTimeAt(whole, timeZone)) - whole;
}

const DAY_MS = 86_400_000;

/**
 * The instant at which the zone's clock shows `wall`. When the clock shows it twice (clocks set back) the earlier
 * one; undefined when it never shows it (clocks skip it).
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): number | undefined {
  const asUtc = wallAsUtc(wall);
  const offsets = new Set([utcOffsetAt(asUtc - DAY_MS, timeZone), utcOffsetAt(asUtc, timeZone), utcOffsetAt(asUtc + DAY_MS, timeZone)]);
  const matches = [...offsets].map((offset) => asUtc - offset).filter((t) => wallAsUtc(wallTimeAt(t, timeZone)) === asUtc);
  return matches.length === 0 ? undefined : Math.min(...matches);
}

/** Seconds since local midnight at instant `t`, with the milliseconds as a fraction. */
export function secondOfDayAt(t: number, timeZone: string): number {
  const wall = wallTimeAt(t, timeZone);
  return wall.hour * 3600 + wall.minute * 60 + wall.second + (((t % 1000) + 1000) % 1000) / 1000;
}

/** `2026-12-01 02:00:00 Asia/Shanghai`: an instant as the zone's clock shows it. */
export function formatInZone(t: number, timeZone: string): string {
  const wall = wallTimeAt(t, timeZone);
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)} ${timeZone}`;
}
