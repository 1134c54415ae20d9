import { describe, expect, it } from 'vitest';
import { ACCOUNT_GUARD, CAMPAIGN_GUARD, RAMP_STEP_LAG_MS, deliveredRate } from '../../src/plan/delivery.js';
import { forecast, type Forecast, type LoadCampaign } from '../../src/plan/forecast.js';
import { parseSendWindow } from '../../src/schedule/send-window.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const CAP = 1600;
/** What the account limiter delivers at 1,600/s: about 0.98 of it, as measured. */
const ACCOUNT = deliveredRate(CAP, ACCOUNT_GUARD);
const campaignRate = (rate: number): number => deliveredRate(rate, CAMPAIGN_GUARD);
/** Rows a ramp step's limiter sends while the workers take up the next step. */
const lagRows = (rate: number): number => (campaignRate(rate) * RAMP_STEP_LAG_MS) / 1000;

/** Rows of each step of a ramp through `rates`, `every` apart, each step's lag sent at the step before. */
function rampRows(rates: readonly number[], every: number): number[] {
  return rates.map((rate, index) => every + lagRows(rate) - (index === 0 ? 0 : lagRows(rates[index - 1] ?? 0)));
}

/** The steps' rows, each within a row of `expected` (the forecast hands out whole rows). */
function expectRows(result: Forecast, expected: readonly number[]): void {
  expect(result.steps).toHaveLength(expected.length);
  result.steps.forEach((step, index) => expect(Math.abs(step.rows - (expected[index] ?? 0)), `step ${index}: ${step.rows} rows`).toBeLessThanOrEqual(1));
}

function load(rows: number, more: Partial<LoadCampaign> = {}): LoadCampaign {
  return { id: 'planned', rows, priority: 1, rate: undefined, ramp: undefined, rampCounted: 0, schedule: { startAt: undefined, window: undefined }, canary: undefined, ...more };
}

function plan(planned: LoadCampaign, others: LoadCampaign[] = [], now = NOW): Forecast {
  return forecast({ now, cap: CAP, planned, others });
}

/** Every step starts where the one before it ended, and the rows add up. */
function expectWhole(result: Forecast, rows: number): void {
  let at = result.startsAt;
  for (const step of result.steps) {
    expect(step.at).toBeCloseTo(at, 3);
    at += step.ms;
  }
  expect(at).toBeCloseTo(result.finishesAt, 3);
  expect(result.steps.reduce((sum, step) => sum + step.rows, 0)).toBe(rows);
  expect(result.seconds).toBeCloseTo((result.finishesAt - result.startsAt) / 1000, 6);
}

describe('the forecast of a campaign beside the queued ones', () => {
  it('alone, it sends at what the account limiter delivers: a little under the cap', () => {
    expect(ACCOUNT / CAP).toBeGreaterThan(0.97);
    expect(ACCOUNT / CAP).toBeLessThan(0.99);
    const result = plan(load(16_000));
    expect(result.steps).toEqual([expect.objectContaining({ at: NOW, rate: ACCOUNT, rows: 16_000, limit: 'cap' })]);
    expect(result.seconds).toBeCloseTo(16_000 / ACCOUNT, 6);
    expectWhole(result, 16_000);
  });

  it('--rate holds it at what its own limiter delivers, with its 2% guard', () => {
    expect(campaignRate(600)).toBeCloseTo((600 / 1.02) * 0.994, 6);
    const result = plan(load(3000, { rate: 600 }));
    expect(result.steps).toEqual([expect.objectContaining({ rate: campaignRate(600), rows: 3000, limit: 'rate' })]);
    expect(result.seconds).toBeCloseTo(3000 / campaignRate(600), 6);
  });

  it('a ramp steps by its factor every N rows, each step taken up after its lag, up to the cap, where its own limiter stays', () => {
    const result = plan(load(5000, { ramp: { startRate: 50, factor: 2, every: 500, on: 'sent' } }));
    expect(result.steps.map((step) => [step.rampRate, step.limit])).toEqual([
      [50, 'ramp'],
      [100, 'ramp'],
      [200, 'ramp'],
      [400, 'ramp'],
      [800, 'ramp'],
      [undefined, 'cap'],
    ]);
    const ramp = rampRows([50, 100, 200, 400, 800], 500);
    expectRows(result, [...ramp, 5000 - ramp.reduce((sum, rows) => sum + rows, 0)]);
    expect(result.steps.map((step) => step.rate)).toEqual([50, 100, 200, 400, 800, 1600].map(campaignRate));
    expect(campaignRate(1600)).toBeLessThan(ACCOUNT);
    const atCap = 5000 - ramp.reduce((sum, rows) => sum + rows, 0);
    const seconds = [50, 100, 200, 400, 800].reduce((sum, rate, index) => sum + (ramp[index] ?? 0) / campaignRate(rate), atCap / campaignRate(1600));
    expect(result.seconds).toBeCloseTo(seconds, 2);
    expectWhole(result, 5000);
  });

  it('a ramp stops at --rate, its ceiling, and one that counted rows before goes on from its step', () => {
    const capped = plan(load(2000, { rate: 300, ramp: { startRate: 50, factor: 3, every: 400, on: 'final' } }));
    expect(capped.steps.map((step) => [step.rate, step.limit])).toEqual([
      [campaignRate(50), 'ramp'],
      [campaignRate(150), 'ramp'],
      [campaignRate(300), 'rate'],
    ]);
    const [first = 0, second = 0] = rampRows([50, 150], 400);
    expectRows(capped, [first, second, 2000 - first - second]);
    const halfway = plan(load(600, { ramp: { startRate: 50, factor: 2, every: 500, on: 'sent' }, rampCounted: 900 }));
    expect(halfway.steps.map((step) => step.rampRate)).toEqual([100, 200]);
    const stepTwoAt = 1000 + lagRows(100);
    expectRows(halfway, [stepTwoAt - 900, 600 - (stepTwoAt - 900)]);
  });

  it('shares the cap by priority with the active campaigns, a campaign below its share leaving the rest', () => {
    const heavy = load(100_000, { id: 'heavy', priority: 3 });
    const shared = plan(load(1000), [heavy]);
    expect(shared.steps).toEqual([expect.objectContaining({ rate: ACCOUNT / 4, rows: 1000, limit: 'share', sharedWith: 1 })]);

    // A lower priority still takes its weight's share, as the account limiter's stride scheduling gives it.
    const light = load(100_000, { id: 'light', priority: 1 });
    expect(plan(load(1000, { priority: 3 }), [light]).steps[0]?.rate).toBeCloseTo((ACCOUNT * 3) / 4, 6);

    const slow = load(100_000, { id: 'slow', rate: 200 });
    expect(plan(load(1000), [slow]).steps[0]?.rate).toBeCloseTo(ACCOUNT - campaignRate(200), 6);
  });

  it('speeds up when a campaign beside it ends, and leaves out one that waits for its start', () => {
    const short = load(1000, { id: 'short' });
    const later = load(50_000, { id: 'later', schedule: { startAt: NOW + 3_600_000, window: undefined } });
    const result = plan(load(5000), [short, later]);
    expect(result.steps.map((step) => [step.rate, step.rows, step.limit])).toEqual([
      [ACCOUNT / 2, 1000, 'share'],
      [ACCOUNT, 4000, 'cap'],
    ]);
    expect(result.seconds).toBeCloseTo(1000 / (ACCOUNT / 2) + 4000 / ACCOUNT, 6);
  });

  it('waits for --at, and holds while its window is closed', () => {
    const at = plan(load(1600, { schedule: { startAt: NOW + 90_000, window: undefined } }));
    expect(at.startsAt).toBe(NOW + 90_000);
    expect(at.steps[0]).toMatchObject({ at: NOW + 90_000, rows: 1600 });

    const window = parseSendWindow('12:00:30-12:00:32', 'UTC');
    const rows = Math.round(ACCOUNT * 3);
    const result = plan(load(rows, { schedule: { startAt: undefined, window } }));
    expect(result.startsAt).toBe(NOW + 30_000);
    expect(result.steps.map((step) => [step.limit, step.ms])).toEqual([
      ['cap', 2000],
      ['window', 86_400_000 - 2000],
      ['cap', expect.closeTo(1000, 0)],
    ]);
    expect(result.finishesAt).toBeCloseTo(NOW + 30_000 + 86_400_000 + 1000, -1);
    expectWhole(result, rows);
  });

  it('holds after its canary for the soak, or counts on from a resume at once, marking the hold', () => {
    const soaked = plan(load(1000, { canary: { rowsBeforeHold: 100, soakMs: 60_000, heldAt: undefined } }));
    expect(soaked.steps.map((step) => [step.limit, step.rows, step.rate])).toEqual([
      ['cap', 100, ACCOUNT],
      ['soak', 0, 0],
      ['cap', 900, ACCOUNT],
    ]);
    expect(soaked.steps[1]?.ms).toBe(60_000);
    expect(soaked.seconds).toBeCloseTo(60 + 1000 / ACCOUNT, 6);

    const resumed = plan(load(1000, { canary: { rowsBeforeHold: 100, soakMs: undefined, heldAt: undefined } }));
    expect(resumed.steps.map((step) => [step.limit, step.rows, step.ms > 0])).toEqual([
      ['cap', 100, true],
      ['resume', 0, false],
      ['cap', 900, true],
    ]);
    expect(resumed.seconds).toBeCloseTo(1000 / ACCOUNT, 6);
  });

  it('counts a campaign beside it that holds its canary: until its soak ends, or to the end without one', () => {
    const forever = load(50_000, { id: 'held', canary: { rowsBeforeHold: 0, soakMs: undefined, heldAt: NOW - 5000 } });
    expect(plan(load(1000), [forever]).steps).toEqual([expect.objectContaining({ rate: ACCOUNT, limit: 'cap' })]);

    const soaking = load(50_000, { id: 'soaking', canary: { rowsBeforeHold: 0, soakMs: 10_000, heldAt: NOW - 9000 } });
    const result = plan(load(3000), [soaking]);
    expect(result.steps.map((step) => [step.rate, step.limit])).toEqual([
      [ACCOUNT, 'cap'],
      [ACCOUNT / 2, 'share'],
    ]);
    expect(result.steps[0]?.ms).toBeCloseTo(1000, 6);
  });

  it('a campaign of no rows starts and ends when it could start', () => {
    expect(plan(load(0, { schedule: { startAt: NOW + 5000, window: undefined } }))).toEqual({ startsAt: NOW + 5000, finishesAt: NOW + 5000, seconds: 0, steps: [] });
  });
});
