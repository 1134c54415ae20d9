import { FleetcastError } from '../errors/fleetcast-error.js';
import { instantOfWallTime, requireTimeZone, type WallTime } from './time-zone.js';

/** A start time this far in the past is taken as "now" (the command line took a moment); further back it is an error. */
export const PAST_TOLERANCE_MS = 5_000;

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses `--at`: ISO 8601 such as `2026-12-01T02:00+08:00`; a time without an offset is read in `timeZone`.
 * Returns epoch ms; throws a usage error naming the value when it is malformed, skipped by the clocks, or past.
 */
export function parseStartTime(text: string, timeZone: string, now = Date.now()): number {
  const match = ISO_TIME.exec(text.trim());
  const wall = match === null ? undefined : wallTimeOf(match);
  if (match === null || wall === undefined) {
    throw new FleetcastError('FC_BAD_USAGE', `--at "${text}" is not a date and time; give ISO 8601, for example 2026-12-01T02:00+08:00 or 2026-12-01T02:00 with --tz`);
  }
  const millis = Number((match[7] ?? '.0').slice(1).padEnd(3, '0'));
  const offset = match[8];
  const instant = offset === undefined ? inZone(text, wall, timeZone) : utcOf(wall) - offsetMs(offset);
  const at = instant + millis;
  if (at < now - PAST_TOLERANCE_MS) {
    throw new FleetcastError('FC_BAD_USAGE', `--at "${text}" is in the past (${new Date(at).toISOString()}); give a time to come`);
  }
  return at;
}

function wallTimeOf(match: RegExpExecArray): WallTime | undefined {
  const field = (index: number): number => Number(match[index] ?? 0);
  const [year, month, day, hour, minute, second] = [field(1), field(2), field(3), field(4), field(5), field(6)];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  return { year, month, day, hour, minute, second };
}

function inZone(text: string, wall: WallTime, timeZone: string): number {
  const instant = instantOfWallTime(wall, requireTimeZone(timeZone));
  if (instant === undefined) {
    throw new FleetcastError('FC_BAD_USAGE', `--at "${text}" does not exist in ${timeZone}: the clocks skip it (daylight saving)`);
  }
  return instant;
}

function utcOf(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

function offsetMs(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return (offset.startsWith('-') ? -1 : 1) * minutes * 60_000;
}
