import { FleetcastError } from '../errors/fleetcast-error.js';
import { requireTimeZone, secondOfDayAt, utcOffsetAt } from './time-zone.js';

/** A daily span of local time in `timeZone` during which a campaign may send; `end` before `start` wraps midnight. */
export interface SendWindow {
  /** Seconds after local midnight at which the window opens. */
  readonly start: number;
  /** Seconds after local midnight at which it closes. */
  readonly end: number;
  readonly timeZone: string;
}

const DAY_SECONDS = 86_400;
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** Parses `HH:MM-HH:MM` (seconds allowed: `HH:MM:SS`), read in `timeZone`; throws a usage error naming the value. */
export function parseSendWindow(spec: string, timeZone: string): SendWindow {
  const zone = requireTimeZone(timeZone);
  const [from, to, ...rest] = spec.trim().split('-');
  const start = from === undefined ? undefined : secondOfDay(from);
  const end = to === undefined ? undefined : secondOfDay(to);
  if (start === undefined || end === undefined || rest.length > 0) {
    throw new FleetcastError('FC_BAD_USAGE', `--window "${spec}" is not a daily window; give HH:MM-HH:MM in 24-hour time, for example 22:00-06:00`);
  }
  if (start === end) throw new FleetcastError('FC_BAD_USAGE', `--window "${spec}" opens and closes at the same time`);
  return { start, end, timeZone: zone };
}

function secondOfDay(clock: string): number | undefined {
  const match = CLOCK.exec(clock.trim());
  if (match === null) return undefined;
  const [hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return hour * 3600 + minute * 60 + second;
}

/** `22:00-06:00`, with seconds only where a bound has them. */
export function formatSendWindow(window: SendWindow): string {
  return `${formatClock(window.start)}-${formatClock(window.end)}`;
}

function formatClock(seconds: number): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  const clock = `${two(Math.floor(seconds / 3600))}:${two(Math.floor((seconds % 3600) / 60))}`;
  return seconds % 60 === 0 ? clock : `${clock}:${two(seconds % 60)}`;
}

export function isWindowOpen(window: SendWindow, t: number): boolean {
  const now = secondOfDayAt(t, window.timeZone);
  return window.start < window.end ? now >= window.start && now < window.end : now >= window.start || now < window.end;
}

/**
 * The first instant at or after `after` at which the window is open. The clock normally reaches the opening time
 * after a plain wait; when the zone's offset changes on the way (daylight saving), the wait is taken again from
 * the change, and a change that jumps the clock into the window opens it there.
 */
export function nextWindowOpening(window: SendWindow, after: number): number {
  return nextCrossing(window, after, true);
}

/** The first instant at or after `after` at which the window is closed. */
export function nextWindowClosing(window: SendWindow, after: number): number {
  return nextCrossing(window, after, false);
}

function nextCrossing(window: SendWindow, after: number, open: boolean): number {
  if (isWindowOpen(window, after) === open) return after;
  const boundary = open ? window.start : window.end;
  let t = after;
  for (let step = 0; step < 6; step++) {
    const waitSeconds = modulo(boundary - secondOfDayAt(t, window.timeZone), DAY_SECONDS);
    const candidate = t + Math.round(waitSeconds * 1000);
    const offset = utcOffsetAt(t, window.timeZone);
    if (utcOffsetAt(candidate, window.timeZone) === offset) return candidate;
    const change = offsetChangeBetween(t, candidate, offset, window.timeZone);
    if (isWindowOpen(window, change) === open) return change;
    t = change;
  }
  throw new Error(`window ${formatSendWindow(window)} in ${window.timeZone} does not ${open ? 'open' : 'close'} after ${new Date(after).toISOString()}`);
}

/** The first whole second after `from` at which the zone's offset is no longer `offset` (there is one before `to`). */
function offsetChangeBetween(from: number, to: number, offset: number, timeZone: string): number {
  let low = Math.floor(from / 1000);
  let high = Math.ceil(to / 1000);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (utcOffsetAt(middle * 1000, timeZone) === offset) low = middle;
    else high = middle;
  }
  return high * 1000;
}

function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
