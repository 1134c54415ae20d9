import { afterEach, describe, expect, it } from 'vitest';
import { accountIdOf } from '../../src/limiter/account-id.js';
import { ACCOUNT_GUARD, CAMPAIGN_GUARD, RAMP_STEP_LAG_MS, deliveredRate } from '../../src/plan/delivery.js';
import { runCli } from '../helpers/cli.js';
import { ACCESS_KEY, Harness } from '../helpers/harness.js';
import { accountKeys } from '../../src/limiter/shared-cap.js';

/** Nothing answers here. */
const NO_REDIS = { REDIS_URL: 'redis://127.0.0.1:1' };

interface PlanJson {
  rows: number;
  valid: number;
  invalid: number;
  calls: number;
  seconds: number;
  startsAt: string;
  finishesAt: string;
  steps: Array<{ at: string; rate: number; rows: number }>;
}

function lastJsonLine<T = PlanJson>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as T;
}

describe('fleetcast plan: the file checked like validate, then a forecast against what is queued', () => {
  let h: Harness;
  afterEach(async () => h.close());

  function campaignFile(rows: number, name = 'fw'): string {
    return h.simpleCampaignFile(rows, name);
  }

  it('prints the file part, a table of steps and the totals; --json ends with the one forecast line', async () => {
    h = new Harness();
    const file = campaignFile(3000);
    const human = await runCli(['plan', file, '--rate', '600', '--tz', 'UTC'], h.env());
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`${file}: csv, 3000 rows, 3000 valid, 0 invalid`);
    expect(human.stdout).toMatch(/forecast: 3000 calls under the account cap of 1600 calls\/s .*no other active campaign/);
    expect(human.stdout).toMatch(/^AT +FOR +RATE\/S +ROWS +HELD BY$/m);
    expect(human.stdout).toMatch(/ 5\.1s +584\.7 +3000 +--rate$/m);
    expect(human.stdout).toMatch(/^starts .* UTC, finishes .* UTC: 5\.1s$/m);

    const before = Date.now();
    const json = await runCli(['plan', file, '--ramp-start', '100', '--ramp-factor', '2', '--ramp-every', '1000', '--json'], h.env());
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    const plan = lastJsonLine(json.stdout);
    expect(Object.keys(plan)).toEqual(['rows', 'valid', 'invalid', 'calls', 'seconds', 'startsAt', 'finishesAt', 'steps']);
    expect(plan).toMatchObject({ rows: 3000, valid: 3000, invalid: 0, calls: 3000 });
    // Each step is taken up RAMP_STEP_LAG_MS after its rows are counted, the rows meanwhile sent at the step before.
    const lag = (rate: number): number => Math.round((deliveredRate(rate, CAMPAIGN_GUARD) * RAMP_STEP_LAG_MS) / 1000);
    expect(plan.steps.map((step) => step.rate)).toEqual([100, 200, 400].map((rate) => round1(deliveredRate(rate, CAMPAIGN_GUARD))));
    const rows = plan.steps.map((step) => step.rows);
    expect(rows[0]).toBeCloseTo(1000 + lag(100), -1);
    expect(rows[1]).toBeCloseTo(1000 + lag(200) - lag(100), -1);
    expect(rows.reduce((sum, n) => sum + n, 0)).toBe(3000);
    expect(plan.steps.map((step) => Object.keys(step))).toEqual(Array(3).fill(['at', 'rate', 'rows']));
    const startsAt = Date.parse(plan.startsAt);
    expect(startsAt).toBeGreaterThanOrEqual(before - 10);
    expect(plan.steps[0]?.at).toBe(plan.startsAt);
    expect(Date.parse(plan.finishesAt) - startsAt).toBeCloseTo(plan.seconds * 1000, -1);
    expect(plan.seconds).toBeCloseTo([100, 200, 400].reduce((sum, rate, index) => sum + (rows[index] ?? 0) / deliveredRate(rate, CAMPAIGN_GUARD), 0), 1);
  });

  it('counts the active campaigns by priority, the canary hold, --at and the cap stored with the limiter', async () => {
    h = new Harness();
    await h.submitSimple(20_000, ['--priority', '3'], 'queued');
    const file = campaignFile(1000);
    const shared = lastJsonLine((await runCli(['plan', file, '--json'], h.env())).stdout);
    expect(shared.steps).toEqual([expect.objectContaining({ rate: round1(deliveredRate(1600, ACCOUNT_GUARD) / 4), rows: 1000 })]);
    const human = await runCli(['plan', file], h.env());
    expect(human.stdout).toMatch(/beside 1 other active campaign: queued \(20000 rows left, priority 3\)/);
    expect(human.stdout).toMatch(/its share of the cap beside 1 campaign/);

    await h.redis.hset(accountKeys(h.prefix, accountIdOf(ACCESS_KEY.accessKeyId)).cap, 'cap', 800);
    await runCli(['pause', 'queued'], h.env());
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const later = await runCli(['plan', file, '--at', at, '--canary', '10%', '--canary-soak', '90s', '--json'], h.env());
    const plan = lastJsonLine(later.stdout);
    const rate = round1(deliveredRate(800, ACCOUNT_GUARD));
    expect(plan.startsAt).toBe(at);
    expect(plan.steps.map((step) => [step.rate, step.rows])).toEqual([[rate, 100], [0, 0], [rate, 900]]);
    expect(Date.parse(plan.steps[2]?.at ?? '') - Date.parse(plan.steps[1]?.at ?? '')).toBe(90_000);

    const resume = await runCli(['plan', file, '--canary', '100', '--tz', 'UTC'], h.env());
    expect(resume.stdout).toContain('canary: the first 100 rows, then holds in state canary until fleetcast resume: the times after the hold count from the resume');
    expect(resume.stdout).toMatch(/account cap of 800 calls\/s \(stored with the limiter\)/);
    expect(resume.stdout).toMatch(/canary hold until resume/);
  });

  it('with --cron, the forecast of the next firing, held by its window', async () => {
    h = new Harness();
    const file = campaignFile(3000);
    const result = await runCli(['plan', file, '--cron', '0 0 2 * * *', '--tz', 'Asia/Shanghai', '--name', 'nightly', '--window', '02:00-02:00:01', '--rate', '1000'], h.env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/schedule nightly: the forecast of its next firing, \d{4}-\d\d-\d\d 02:00:00 Asia\/Shanghai/);
    const plan = lastJsonLine((await runCli(['plan', file, '--cron', '0 0 2 * * *', '--tz', 'Asia/Shanghai', '--name', 'nightly', '--window', '02:00-02:00:01', '--rate', '1000', '--json'], h.env())).stdout);
    expect(new Date(plan.startsAt).getUTCHours()).toBe(18);
    const rate = round1(deliveredRate(1000, CAMPAIGN_GUARD));
    // 3,000 rows at 974.5/s: three whole seconds of the window, then 77 rows on the fourth night.
    expect(plan.steps.map((step) => step.rate)).toEqual([rate, 0, rate, 0, rate, 0, rate]);
    for (const night of [0, 2, 4]) expect(Math.abs((plan.steps[night]?.rows ?? 0) - 974.5)).toBeLessThanOrEqual(0.5);
    expect(plan.steps[6]?.rows).toBeCloseTo(76.5, -1);
    expect(plan.steps.reduce((sum, step) => sum + step.rows, 0)).toBe(3000);
    expect(plan.seconds).toBeGreaterThan(3 * 86_400);
    expect(plan.seconds).toBeLessThan(3 * 86_400 + 1);
  });

  it('a bad file: every bad row with its line and reason, no forecast, exit 2; --skip-invalid plans the valid rows', async () => {
    h = new Harness();
    const bad = await runCli(['plan', 'samples/bad-rows.csv'], h.env());
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('line 3 Qos: invalid Qos "2": must be 0 or 1');
    expect(bad.stdout).toContain('line 5 DeviceName: missing DeviceName (or TopicFullName)');
    expect(bad.stdout).toContain('submit would queue nothing');
    expect(bad.stdout).not.toMatch(/^AT /m);

    const badJson = await runCli(['plan', 'samples/bad-rows.csv', '--json'], h.env());
    expect(badJson.code).toBe(2);
    const refused = lastJsonLine<PlanJson & { errors: Array<{ line: number; message: string }> }>(badJson.stdout);
    expect(refused).toMatchObject({ rows: 8, valid: 5, invalid: 3, calls: 0, seconds: null, steps: [] });
    expect(refused.errors.map((error) => error.line)).toEqual([3, 5, 7]);

    const skipping = await runCli(['plan', 'samples/bad-rows.csv', '--skip-invalid', '--json'], h.env());
    expect(skipping.code).toBe(0);
    expect(lastJsonLine(skipping.stdout)).toMatchObject({ rows: 8, valid: 5, invalid: 3, calls: 5, steps: [{ rows: 5 }] });
  });

  it('without Redis: the file part, and that the forecast needs Redis, with validate\'s exit code', async () => {
    h = new Harness();
    const good = await runCli(['plan', 'samples/firmware-notice.csv'], NO_REDIS);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/samples\/firmware-notice\.csv: csv, \d+ rows, \d+ valid, 0 invalid/);
    expect(good.stdout).toMatch(/no forecast: the forecast needs Redis: Redis does not answer at redis:\/\/127\.0\.0\.1:1/);
    const json = lastJsonLine<PlanJson & { noForecast: string }>((await runCli(['plan', 'samples/firmware-notice.csv', '--json'], NO_REDIS)).stdout);
    expect(json).toMatchObject({ invalid: 0, seconds: null, startsAt: null, finishesAt: null, steps: [] });
    expect(json.calls).toBe(json.valid);
    expect(json.noForecast).toMatch(/needs Redis/);
    const bad = await runCli(['plan', 'samples/bad-rows.csv'], NO_REDIS);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('line 7 DeviceName');
  });

  it.each([
    [['--ramp-start', '50'], /--ramp-start needs --ramp-factor and --ramp-every/],
    [['--ramp-start', '50', '--ramp-factor', '0.5', '--ramp-every', '10'], /--ramp-factor must be between 1.1 and 5/],
    [['--ramp-every', '10'], /need --ramp-start/],
    [['--ramp-start', 'fast', '--ramp-factor', '2', '--ramp-every', '10'], /--ramp-start must be a number/],
  ])('refuses the ramp flags %j with exit 2', async (args, message) => {
    h = new Harness();
    const result = await runCli(['plan', 'samples/firmware-notice.csv', ...args], h.env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
