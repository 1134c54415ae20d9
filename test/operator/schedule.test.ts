import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { listSchedules } from '../../src/scheduler/recurring.js';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';

const ROWS = 30;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wall-clock times (epoch ms) of the calls the emulator accepted. */
function acceptedAt(emulator: RunningEmulator): number[] {
  const origin = Date.now() - emulator.stats.summary().uptimeMs;
  return emulator.stats
    .calls()
    .filter((call) => call.code === 'OK')
    .map((call) => origin + call.t);
}

/** `HH:MM:SS` of an instant in UTC. */
function utcClock(t: number): string {
  return new Date(t).toISOString().slice(11, 19);
}

interface StatusJson {
  campaigns: Array<{ id: string; state: string; startAt: string | null; window: string | null; heldUntil: string | null }>;
}

describe('submit --at and --window: a campaign queued now sends only at its time', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('--at a few seconds ahead: status says scheduled, no call before that time, every row after it', async () => {
    h = new Harness();
    const emulator = await h.startEmulator();
    await h.startWorkers(1);
    const file = join(h.dir, 'later.csv');
    writeSimpleCampaign(file, ROWS);
    const startAt = Date.now() + 5_000;

    const submitted = await runCli(['submit', file, '--name', 'later', '--at', new Date(startAt).toISOString()], h.env());

    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toContain(`${ROWS} rows queued`);
    const [json, detail] = await Promise.all([runCli(['status', '--json'], h.env()), runCli(['status', 'later'], h.env())]);
    const status = JSON.parse(json.stdout) as StatusJson;
    expect(status.campaigns[0]).toMatchObject({ id: 'later', state: 'scheduled', startAt: new Date(startAt).toISOString(), heldUntil: new Date(startAt).toISOString() });
    expect(detail.stdout).toMatch(/state\s+scheduled \(starts \d{4}-\d\d-\d\d \d\d:\d\d:\d\d /);
    const record = await h.waitForCampaign('later', finished, 20_000);
    expect(record).toMatchObject({ state: 'finished', sent: ROWS, failed: 0 });
    const times = acceptedAt(emulator);
    expect(times).toHaveLength(ROWS);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(startAt - 50);
    expect(Math.min(...times)).toBeLessThan(startAt + 2_000);
  });

  it('pause, resume and cancel work on a scheduled campaign; cancelled rows end cancelled and none is sent', async () => {
    h = new Harness();
    const emulator = await h.startEmulator();
    await h.startWorkers(1);
    const file = join(h.dir, 'held.csv');
    writeSimpleCampaign(file, ROWS);
    const startAt = new Date(Date.now() + 3_600_000).toISOString();
    expect((await runCli(['submit', file, '--name', 'held', '--at', startAt], h.env())).code).toBe(0);

    expect((await runCli(['pause', 'held'], h.env())).stdout).toContain('held: paused');
    expect((await runCli(['resume', 'held'], h.env())).code).toBe(0);
    const status = JSON.parse((await runCli(['status', 'held', '--json'], h.env())).stdout) as StatusJson;
    expect(status.campaigns[0]?.state).toBe('scheduled');
    expect((await runCli(['cancel', 'held'], h.env())).code).toBe(0);

    const record = await h.waitForCampaign('held', finished, 10_000);
    expect(record).toMatchObject({ state: 'cancelled', cancelled: ROWS, sent: 0, failed: 0 });
    expect(emulator.stats.calls()).toHaveLength(0);
  });

  it('--window closed now: nothing is sent and status says when it opens; it starts by itself when the window opens', async () => {
    h = new Harness();
    const emulator = await h.startEmulator();
    await h.startWorkers(1);
    const file = join(h.dir, 'night.csv');
    writeSimpleCampaign(file, ROWS);
    const soon = (Math.floor(Date.now() / 1000) + 6) * 1000;
    // A window given with seconds is echoed with them only when they are not :00 (then it reads 23:55-00:55).
    const opens = new Date(soon).getUTCSeconds() === 0 ? soon + 1_000 : soon;
    const window = `${utcClock(opens)}-${utcClock(opens + 3_600_000)}`;

    const submitted = await runCli(['submit', file, '--name', 'night', '--window', window, '--tz', 'UTC', '--json'], h.env());

    expect(submitted.code).toBe(0);
    expect(JSON.parse(submitted.stdout)).toMatchObject({ submitted: { id: 'night', rows: ROWS, window: `${window} UTC`, startAt: null } });
    const [json, table] = await Promise.all([runCli(['status', '--json'], h.env()), runCli(['status'], h.env())]);
    const status = JSON.parse(json.stdout) as StatusJson;
    expect(status.campaigns[0]).toMatchObject({ state: 'waiting', window: `${window} UTC`, heldUntil: new Date(opens).toISOString() });
    expect(table.stdout).toContain(`waiting (window ${window} UTC opens`);
    expect(emulator.stats.calls()).toHaveLength(0);
    const record = await h.waitForCampaign('night', finished, 20_000);
    expect(record).toMatchObject({ state: 'finished', sent: ROWS, failed: 0 });
    const times = acceptedAt(emulator);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(opens - 50);
    expect(Math.min(...times)).toBeLessThan(opens + 2_000);
  });

  it('when the window closes mid-campaign the rows wait: none fails, none is lost, nothing is sent after the close', async () => {
    h = new Harness();
    const emulator = await h.startEmulator();
    await h.startWorkers(1);
    const file = join(h.dir, 'short.csv');
    writeSimpleCampaign(file, 400);
    const closes = (Math.floor(Date.now() / 1000) + 4) * 1000;
    const window = `${utcClock(closes - 3_600_000)}-${utcClock(closes)}`;

    expect((await runCli(['submit', file, '--name', 'short', '--window', window, '--tz', 'UTC', '--rate', '50'], h.env())).code).toBe(0);
    await sleep(closes - Date.now() + 1_500);

    const record = await h.campaign('short');
    expect(record.state).toBe('running');
    expect(record.failed).toBe(0);
    expect(record.sent).toBeGreaterThan(0);
    expect(record.sent).toBeLessThan(400);
    const times = acceptedAt(emulator);
    expect(times).toHaveLength(record.sent);
    expect(Math.max(...times)).toBeLessThan(closes + 150);
    const status = JSON.parse((await runCli(['status', 'short', '--json'], h.env())).stdout) as StatusJson;
    expect(status.campaigns[0]).toMatchObject({ state: 'waiting', heldUntil: new Date(closes - 3_600_000 + 86_400_000).toISOString() });

    expect((await runCli(['cancel', 'short'], h.env())).code).toBe(0);
    const end = await h.waitForCampaign('short', finished, 10_000);
    expect(end.failed).toBe(0);
    expect(end.sent + end.cancelled).toBe(400);
    expect(end.sent).toBe(record.sent);
  });
});

describe('bad timing flags', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it.each([
    [['--at', '2020-01-01T00:00Z'], '--at "2020-01-01T00:00Z" is in the past'],
    [['--at', 'tomorrow 2am'], '--at "tomorrow 2am" is not a date and time'],
    [['--window', '22:00-26:00'], '--window "22:00-26:00" is not a daily window'],
    [['--window', '22:00-06:00', '--tz', 'Asia/Nowhere'], '--tz "Asia/Nowhere" is not a time zone'],
    [['--cron', '0 25 * * *', '--name', 'n'], '--cron "0 25 * * *" is not a cron pattern'],
    [['--cron', '0 2 * * *'], '--cron needs --name'],
    [['--cron', '0 2 * * *', '--name', 'n', '--at', '2030-01-01T00:00Z'], 'exclude each other'],
  ])('submit %j exits 2 with a message naming the value, and creates nothing', async (args, message) => {
    h = new Harness();
    const file = join(h.dir, 'bad.csv');
    writeSimpleCampaign(file, 3);

    const result = await runCli(['submit', file, ...args], h.env());

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await h.store.list()).toHaveLength(0);
    expect(await listSchedules(h.redis, h.prefix)).toHaveLength(0);
  });
});
