import { describe, expect, it } from 'vitest';
import { FleetcastError } from '../../src/errors/fleetcast-error.js';
import { heldUntil, isHeld, sendableUntil } from '../../src/schedule/campaign-schedule.js';
import { nextCronFiring } from '../../src/schedule/cron.js';
import { formatSendWindow, isWindowOpen, nextWindowClosing, nextWindowOpening, parseSendWindow } from '../../src/schedule/send-window.js';
import { PAST_TOLERANCE_MS, parseStartTime } from '../../src/schedule/start-time.js';
import { formatInZone, instantOfWallTime } from '../../src/schedule/time-zone.js';
import { timingOf } from '../../src/schedule/timing-flags.js';

const at = (iso: string): number => Date.parse(iso);
const SHANGHAI_NIGHT = parseSendWindow('22:00-06:00', 'Asia/Shanghai');

function usageError(action: () => unknown): FleetcastError {
  try {
    action();
  } catch (error) {
    if (error instanceof FleetcastError) return error;
    throw error;
  }
  throw new Error('no error was thrown');
}

describe('send window', () => {
  it('reads HH:MM-HH:MM (and seconds) and writes it back the same', () => {
    expect(parseSendWindow('22:00-06:00', 'Asia/Shanghai')).toEqual({ start: 79_200, end: 21_600, timeZone: 'Asia/Shanghai' });
    expect(formatSendWindow(parseSendWindow('9:05-17:30:15', 'UTC'))).toBe('09:05-17:30:15');
  });

  it.each(['25:00-06:00', '22:00', '22:00-06:60', '22-06', '10:00-11:00-12:00', 'nightly', '22:00-22:00'])('refuses "%s" with a usage error naming it', (spec) => {
    const error = usageError(() => parseSendWindow(spec, 'UTC'));
    expect(error.code).toBe('FC_BAD_USAGE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`"${spec}"`);
  });

  it('refuses a zone that does not exist, naming it', () => {
    expect(usageError(() => parseSendWindow('22:00-06:00', 'Asia/Atlantis')).message).toContain('"Asia/Atlantis"');
  });

  it('is open from its start (inclusive) to its end (exclusive) across midnight', () => {
    const night = parseSendWindow('22:00-06:00', 'Asia/Shanghai');
    expect(isWindowOpen(night, at('2026-12-01T13:59:59Z'))).toBe(false); // 21:59:59 in Shanghai
    expect(isWindowOpen(night, at('2026-12-01T14:00:00Z'))).toBe(true); // 22:00
    expect(isWindowOpen(night, at('2026-12-01T16:00:00Z'))).toBe(true); // 00:00
    expect(isWindowOpen(night, at('2026-12-01T21:59:59Z'))).toBe(true); // 05:59:59
    expect(isWindowOpen(night, at('2026-12-01T22:00:00Z'))).toBe(false); // 06:00
    expect(isWindowOpen(night, at('2026-12-02T04:00:00Z'))).toBe(false); // noon
  });

  it('is open inside a window within one day and closed around it', () => {
    const office = parseSendWindow('09:00-17:00', 'UTC');
    expect(isWindowOpen(office, at('2026-12-01T08:59:59Z'))).toBe(false);
    expect(isWindowOpen(office, at('2026-12-01T09:00:00Z'))).toBe(true);
    expect(isWindowOpen(office, at('2026-12-01T16:59:59.999Z'))).toBe(true);
    expect(isWindowOpen(office, at('2026-12-01T17:00:00Z'))).toBe(false);
  });

  it('opens next at the start time of the same or the next local day, or now when open', () => {
    const night = parseSendWindow('22:00-06:00', 'Asia/Shanghai');
    expect(nextWindowOpening(night, at('2026-12-01T04:00:00Z'))).toBe(at('2026-12-01T14:00:00Z'));
    expect(nextWindowOpening(night, at('2026-12-01T22:00:00Z'))).toBe(at('2026-12-02T14:00:00Z'));
    expect(nextWindowOpening(night, at('2026-12-01T15:30:00.250Z'))).toBe(at('2026-12-01T15:30:00.250Z'));
    const office = parseSendWindow('09:00-17:00', 'UTC');
    expect(nextWindowOpening(office, at('2026-12-01T17:00:00.500Z'))).toBe(at('2026-12-02T09:00:00Z'));
  });

  it('closes next at its end time, or now when closed', () => {
    const night = SHANGHAI_NIGHT;
    expect(nextWindowClosing(night, at('2026-12-01T15:00:00Z'))).toBe(at('2026-12-01T22:00:00Z'));
    expect(nextWindowClosing(night, at('2026-12-01T04:00:00Z'))).toBe(at('2026-12-01T04:00:00Z'));
    const autumn = parseSendWindow('01:00-02:30', 'Europe/Berlin');
    expect(nextWindowClosing(autumn, at('2027-10-30T23:30:00Z'))).toBe(at('2027-10-31T00:30:00Z')); // 02:30 CEST
  });

  describe('in a zone with daylight saving (Europe/Berlin: 2027-03-28 02:00 → 03:00, 2027-10-31 03:00 → 02:00)', () => {
    it('keeps local time across the spring change: 03:00 local is 01:00 UTC after it, not 02:00', () => {
      const early = parseSendWindow('03:00-04:00', 'Europe/Berlin');
      expect(nextWindowOpening(early, at('2027-03-27T12:00:00Z'))).toBe(at('2027-03-28T01:00:00Z'));
      const night = parseSendWindow('22:00-06:00', 'Europe/Berlin');
      expect(nextWindowOpening(night, at('2027-03-28T10:00:00Z'))).toBe(at('2027-03-28T20:00:00Z'));
      expect(nextWindowOpening(night, at('2027-03-27T10:00:00Z'))).toBe(at('2027-03-27T21:00:00Z'));
    });

    it('opens at the change when the clocks jump over the start into the window', () => {
      const skipped = parseSendWindow('02:30-04:00', 'Europe/Berlin');
      expect(isWindowOpen(skipped, at('2027-03-28T00:59:59Z'))).toBe(false); // 01:59:59 CET
      expect(nextWindowOpening(skipped, at('2027-03-27T23:00:00Z'))).toBe(at('2027-03-28T01:00:00Z')); // 03:00 CEST
    });

    it('opens twice in the autumn hour that repeats', () => {
      const repeated = parseSendWindow('02:15-02:45', 'Europe/Berlin');
      const first = nextWindowOpening(repeated, at('2027-10-30T22:00:00Z'));
      expect(first).toBe(at('2027-10-31T00:15:00Z')); // 02:15 CEST
      expect(nextWindowOpening(repeated, at('2027-10-31T00:45:00Z'))).toBe(at('2027-10-31T01:15:00Z')); // 02:15 CET
    });

    it('also in America/New_York (2027-03-14 02:00 → 03:00)', () => {
      const morning = parseSendWindow('06:00-07:00', 'America/New_York');
      expect(nextWindowOpening(morning, at('2027-03-13T12:00:00Z'))).toBe(at('2027-03-14T10:00:00Z')); // EDT, UTC-4
      expect(nextWindowOpening(morning, at('2027-03-12T12:00:00Z'))).toBe(at('2027-03-13T11:00:00Z')); // EST, UTC-5
    });
  });
});

describe('start time (--at)', () => {
  const now = at('2026-11-26T12:00:00Z');

  it('reads ISO 8601 with an offset or Z, with or without seconds and milliseconds', () => {
    expect(parseStartTime('2026-12-01T02:00+08:00', 'UTC', now)).toBe(at('2026-11-30T18:00:00Z'));
    expect(parseStartTime('2026-12-01T02:00:30Z', 'Asia/Shanghai', now)).toBe(at('2026-12-01T02:00:30Z'));
    expect(parseStartTime('2026-12-01 02:00:30.5-0530', 'UTC', now)).toBe(at('2026-12-01T07:30:30.500Z'));
  });

  it('reads a time without an offset in --tz', () => {
    expect(parseStartTime('2026-12-01T02:00', 'Asia/Shanghai', now)).toBe(at('2026-11-30T18:00:00Z'));
    expect(parseStartTime('2027-07-01T02:00', 'Europe/Berlin', now)).toBe(at('2027-07-01T00:00:00Z'));
    expect(parseStartTime('2027-10-31T02:30', 'Europe/Berlin', now)).toBe(at('2027-10-31T00:30:00Z')); // the earlier of two
  });

  it('refuses a local time the clocks skip', () => {
    expect(usageError(() => parseStartTime('2027-03-28T02:30', 'Europe/Berlin', now)).message).toContain('skip');
    expect(instantOfWallTime({ year: 2027, month: 3, day: 28, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin')).toBeUndefined();
  });

  it.each(['tomorrow', '2026-02-30T02:00Z', '2026-12-01', '2026-12-01T24:00Z', '2026-13-01T02:00Z', '2026-12-01T02:00+8'])('refuses "%s" naming it', (text) => {
    const error = usageError(() => parseStartTime(text, 'UTC', now));
    expect(error.code).toBe('FC_BAD_USAGE');
    expect(error.message).toContain(`"${text}"`);
  });

  it('refuses a time in the past, but takes one a moment ago', () => {
    expect(usageError(() => parseStartTime('2026-11-26T11:59:00Z', 'UTC', now)).message).toContain('in the past');
    expect(parseStartTime('2026-11-26T11:59:58Z', 'UTC', now)).toBe(now - 2000);
    expect(PAST_TOLERANCE_MS).toBeLessThanOrEqual(10_000);
  });
});

describe('cron (--cron)', () => {
  it('finds the next firing in the zone', () => {
    expect(nextCronFiring('0 2 * * *', 'Asia/Shanghai', at('2026-11-26T15:00:00Z'))).toBe(at('2026-11-26T18:00:00Z'));
    expect(nextCronFiring('*/2 * * * * *', 'UTC', at('2026-11-26T15:00:01Z'))).toBe(at('2026-11-26T15:00:02Z'));
  });

  it.each(['bogus', '0 2 * *', '61 2 * * *', '0 2 31 2 *', '* * * * * * *'])('refuses "%s" naming it', (pattern) => {
    const error = usageError(() => nextCronFiring(pattern, 'UTC'));
    expect(error.code).toBe('FC_BAD_USAGE');
    expect(error.message).toContain(`--cron "${pattern}"`);
  });
});

describe('holding a campaign', () => {
  const window = SHANGHAI_NIGHT;

  it('holds before the start time, and then until the window opens', () => {
    const startAt = at('2026-12-01T04:00:00Z'); // noon in Shanghai
    expect(isHeld({ startAt, window: undefined }, startAt - 1)).toBe(true);
    expect(heldUntil({ startAt, window: undefined }, startAt - 1000)).toBe(startAt);
    expect(isHeld({ startAt, window: undefined }, startAt)).toBe(false);
    expect(heldUntil({ startAt, window }, startAt - 1000)).toBe(at('2026-12-01T14:00:00Z'));
    expect(heldUntil({ startAt, window }, at('2026-12-01T14:00:00Z'))).toBeUndefined();
    expect(heldUntil({ startAt: undefined, window: undefined }, startAt)).toBeUndefined();
    expect(sendableUntil({ startAt, window }, at('2026-12-01T15:00:00Z'))).toBe(at('2026-12-01T22:00:00Z'));
    expect(sendableUntil({ startAt, window: undefined }, startAt)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('timing flags of submit', () => {
  const now = at('2026-11-26T12:00:00Z');

  it('makes one campaign held until --at and inside --window, all in --tz', () => {
    const timing = timingOf({ at: '2026-12-01T02:00', window: '22:00-06:00', tz: 'Asia/Shanghai' }, now);
    expect(timing).toEqual({ kind: 'once', timeZone: 'Asia/Shanghai', schedule: { startAt: at('2026-11-30T18:00:00Z'), window: SHANGHAI_NIGHT } });
  });

  it('makes a recurring schedule from --cron and --name', () => {
    expect(timingOf({ cron: '0 2 * * *', tz: 'Asia/Shanghai', name: 'nightly' }, now)).toMatchObject({
      kind: 'recurring',
      name: 'nightly',
      next: at('2026-11-26T18:00:00Z'),
    });
  });

  it.each([
    [{ cron: '0 2 * * *' }, '--name'],
    [{ cron: '0 2 * * *', name: 'bad name!' }, '"bad name!"'],
    [{ cron: '0 2 * * *', name: 'n', at: '2026-12-01T02:00Z' }, 'exclude each other'],
    [{ cron: '0 2 * * *', name: 'n', wait: true }, '--wait'],
    [{ tz: 'Nowhere', window: '22:00-06:00' }, '"Nowhere"'],
  ])('refuses %j with a message about %s', (flags, words) => {
    expect(usageError(() => timingOf(flags, now)).message).toContain(words);
  });

  it('shows instants on the zone clock', () => {
    expect(formatInZone(at('2026-11-30T18:00:00Z'), 'Asia/Shanghai')).toBe('2026-12-01 02:00:00 Asia/Shanghai');
  });
});
