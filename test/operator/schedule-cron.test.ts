import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignRecord } from '../../src/queue/campaign-record.js';
import { listSchedules, type ScheduleView } from '../../src/scheduler/recurring.js';
import { runCli } from '../helpers/cli.js';
import { PRODUCT_KEY, writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';

const ROWS = 12;
const EVERY_TWO_SECONDS = '*/2 * * * * *';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('submit --cron: a recurring schedule fired by the workers', () => {
  let h: Harness;
  afterEach(async () => h.close());

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  const scheduleNamed = async (name: string): Promise<ScheduleView | undefined> =>
    (await listSchedules(h.redis, h.prefix)).find((schedule) => schedule.name === name);

  const campaignsOf = async (name: string): Promise<CampaignRecord[]> =>
    (await h.store.list()).filter((record) => record.id.startsWith(`${name}-`));

  it('each firing becomes a campaign NAME-<time> whose rows reach the endpoint; schedules lists it; unschedule stops it', async () => {
    h = new Harness();
    const emulator = await h.startEmulator();
    await h.startWorkers(1);
    const file = join(h.dir, 'tick.csv');
    writeSimpleCampaign(file, ROWS);

    const submitted = await runCli(['submit', file, '--cron', EVERY_TWO_SECONDS, '--tz', 'UTC', '--name', 'tick'], h.env());

    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toMatch(/^schedule tick: "\*\/2 \* \* \* \* \*" in UTC; next run \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    const first = await waitFor('firing', async () => (await campaignsOf('tick'))[0]);
    expect(first.id).toMatch(/^tick-\d{8}-\d{6}$/);
    const sent = await h.waitForCampaign(first.id, finished, 15_000);
    expect(sent).toMatchObject({ state: 'finished', sent: ROWS, failed: 0, rows: ROWS, source: file });
    expect(emulator.stats.calls().filter((call) => call.code === 'OK').length).toBeGreaterThanOrEqual(ROWS);

    const listed = await runCli(['schedules', '--json'], h.env());
    expect(listed.code).toBe(0);
    const [schedule] = (JSON.parse(listed.stdout) as { schedules: Array<Record<string, unknown>> }).schedules;
    expect(schedule).toMatchObject({ name: 'tick', pattern: EVERY_TWO_SECONDS, timeZone: 'UTC', file, window: null });
    expect(Date.parse(String(schedule?.next))).toBeGreaterThan(Date.now() - 2_000);
    expect(schedule?.lastRun).toMatchObject({ rows: ROWS, error: null });

    const removed = await runCli(['unschedule', 'tick'], h.env());
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('schedule tick removed');
    await sleep(500);
    const made = (await campaignsOf('tick')).length;
    await sleep(3_000);
    expect(await campaignsOf('tick')).toHaveLength(made);
    expect(await scheduleNamed('tick')).toBeUndefined();
    const again = await runCli(['unschedule', 'tick'], h.env());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no schedule "tick"');
  });

  it('a file gone bad by firing time creates no campaign, and the schedule says why', async () => {
    h = new Harness();
    await h.startEmulator();
    const file = join(h.dir, 'drift.csv');
    writeSimpleCampaign(file, ROWS);
    expect((await runCli(['submit', file, '--cron', EVERY_TWO_SECONDS, '--name', 'drift'], h.env())).code).toBe(0);
    writeFileSync(file, `ProductKey,DeviceName,TopicShortName,MessageContent\n${PRODUCT_KEY},dev-1,notice,hello\n${PRODUCT_KEY},,notice,hello\n`);
    await h.startWorkers(1);

    const failed = await waitFor('failed firing', async () => {
      const run = (await scheduleNamed('drift'))?.lastRun ?? undefined;
      return run?.error === null ? undefined : run;
    });

    expect(failed).toMatchObject({ campaign: null, rows: 0, error: { code: 'FC_BAD_INPUT' } });
    expect(failed.error?.message).toContain('1 of 2 rows are invalid');
    expect(await campaignsOf('drift')).toHaveLength(0);
    const status = await runCli(['status'], h.env());
    expect(status.stdout).toContain('schedules:');
    expect(status.stdout).toMatch(/drift\s+\*\/2 \* \* \* \* \*.*failed: .*rows are invalid/);
  });

  it('--cron with --window makes campaigns that wait for their window', async () => {
    h = new Harness();
    const emulator = await h.startEmulator();
    await h.startWorkers(1);
    const file = join(h.dir, 'nightly.csv');
    writeSimpleCampaign(file, ROWS);
    const opens = new Date(Date.now() + 2 * 3_600_000).toISOString().slice(11, 16);
    const closes = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(11, 16);

    const submitted = await runCli(['submit', file, '--cron', EVERY_TWO_SECONDS, '--tz', 'UTC', '--name', 'nightly', '--window', `${opens}-${closes}`, '--json'], h.env());

    expect(submitted.code).toBe(0);
    expect(JSON.parse(submitted.stdout)).toMatchObject({ schedule: { name: 'nightly', window: `${opens}-${closes}`, timeZone: 'UTC' } });
    const first = await waitFor('firing', async () => (await campaignsOf('nightly')).find((record) => record.enqueued));
    expect(first.window).toMatchObject({ timeZone: 'UTC' });
    const status = JSON.parse((await runCli(['status', first.id, '--json'], h.env())).stdout) as { campaigns: Array<Record<string, unknown>> };
    expect(status.campaigns[0]).toMatchObject({ state: 'waiting', window: `${opens}-${closes} UTC` });
    expect(emulator.stats.calls()).toHaveLength(0);
    expect((await runCli(['unschedule', 'nightly', '--json'], h.env())).stdout.trim()).toBe('{"removed":"nightly"}');
  });

  it('refuses a file with bad rows at submit time: exit 2, no schedule', async () => {
    h = new Harness();
    const file = join(h.dir, 'bad.csv');
    writeFileSync(file, `ProductKey,DeviceName,TopicShortName,MessageContent\n${PRODUCT_KEY},,notice,hello\n`);

    const result = await runCli(['submit', file, '--cron', '0 2 * * *', '--name', 'bad'], h.env());

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rows are invalid');
    expect(await listSchedules(h.redis, h.prefix)).toHaveLength(0);
  });
});
