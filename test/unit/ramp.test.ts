import { describe, expect, it } from 'vitest';
import { parseCampaignRecord } from '../../src/queue/campaign-record.js';
import { rampCounted, rampFields, rampOf, rampPosition, storedRamp } from '../../src/queue/ramp.js';

describe('a ramp as flags, as stored and where it stands', () => {
  it('reads the flags, defaults --ramp-on to sent, and keeps the same ramp through the campaign hash', () => {
    const spec = rampOf({ rampStart: 50, rampFactor: 2, rampEvery: 500 });
    expect(spec).toEqual({ startRate: 50, factor: 2, every: 500, on: 'sent' });
    expect(rampOf({})).toBeUndefined();
    const final = rampOf({ rampStart: 10, rampFactor: 1.5, rampEvery: 100, rampOn: 'final' });
    expect(storedRamp(rampFields(final ?? spec!))).toEqual({ startRate: 10, factor: 1.5, every: 100, on: 'final' });
    const record = parseCampaignRecord({ id: 'c', rows: '10', ...rampFields(spec!) });
    expect(record?.ramp).toEqual(spec);
    expect(parseCampaignRecord({ id: 'c', rows: '10' })?.ramp).toBeUndefined();
  });

  it.each([
    [{ rampFactor: 2 }, /need --ramp-start/],
    [{ rampStart: 50 }, /needs --ramp-factor and --ramp-every/],
    [{ rampStart: 0, rampFactor: 2, rampEvery: 5 }, /--ramp-start must be more than 0/],
    [{ rampStart: 50, rampFactor: 1.05, rampEvery: 5 }, /--ramp-factor must be between 1.1 and 5/],
    [{ rampStart: 50, rampFactor: 6, rampEvery: 5 }, /--ramp-factor must be between 1.1 and 5/],
    [{ rampStart: 50, rampFactor: 2, rampEvery: 2.5 }, /--ramp-every must be a whole number/],
    [{ rampStart: 50, rampFactor: 2, rampEvery: 5, rampOn: 'done' }, /--ramp-on must be sent or final/],
  ])('refuses %j', (flags, message) => {
    expect(() => rampOf(flags)).toThrow(message);
  });

  it('steps by the factor each `every` counted rows, up to the ceiling, counting sent or final rows', () => {
    const spec = { startRate: 50, factor: 2, every: 500, on: 'sent' as const };
    expect(rampPosition(spec, 0, 1000)).toEqual({ step: 0, rate: 50, nextStepAt: 500 });
    expect(rampPosition(spec, 1499, 1000)).toEqual({ step: 2, rate: 200, nextStepAt: 1500 });
    expect(rampPosition(spec, 2500, 1000)).toEqual({ step: 5, rate: 1000, nextStepAt: undefined });
    expect(rampCounted(spec, { sent: 7, done: 9 })).toBe(7);
    expect(rampCounted({ ...spec, on: 'final' }, { sent: 7, done: 9 })).toBe(9);
  });
});
