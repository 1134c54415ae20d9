import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignRecord } from '../../src/queue/campaign-record.js';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness } from '../helpers/harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('submit --ramp-*: the ramp stored with the campaign, carried by --cron', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('submit stores the ramp in the campaign record before any row is queued, beside the canary and the abort rules', async () => {
    h = new Harness();
    await h.submitSimple(30, ['--ramp-start', '50', '--ramp-factor', '1.5', '--ramp-every', '10', '--ramp-on', 'final', '--rate', '400'], 'fw');
    const record = await h.campaign('fw');
    expect(record.ramp).toEqual({ startRate: 50, factor: 1.5, every: 10, on: 'final' });
    expect(record).toMatchObject({ rate: 400, rows: 30, enqueued: true });

    await h.submitSimple(5, [], 'plain');
    expect((await h.campaign('plain')).ramp).toBeUndefined();

    await h.submitSimple(50, ['--canary', '10', '--canary-soak', '1m', '--abort', 'offline:20:30', '--abort-action', 'cancel', '--ramp-start', '5', '--ramp-factor', '2', '--ramp-every', '10'], 'all');
    expect(await h.campaign('all')).toMatchObject({
      ramp: { startRate: 5, factor: 2, every: 10, on: 'sent' },
      canary: { rows: 10, soakMs: 60_000 },
      abortRules: [{ abortClass: 'offline', percent: 20, minimumRows: 30 }],
      abortAction: 'cancel',
    });
  });

  it('each firing of a --cron schedule has the ramp given at submit', async () => {
    h = new Harness();
    await h.startEmulator();
    await h.startWorkers(1);
    const file = join(h.dir, 'nightly.csv');
    writeSimpleCampaign(file, 5);
    const submitted = await runCli(['submit', file, '--cron', '*/2 * * * * *', '--tz', 'UTC', '--name', 'ramped', '--ramp-start', '20', '--ramp-factor', '3', '--ramp-every', '2'], h.env());
    expect(submitted.code, submitted.stderr).toBe(0);

    let fired: CampaignRecord | undefined;
    for (let waited = 0; fired === undefined && waited < 15_000; waited += 100) {
      fired = (await h.store.list()).find((record) => record.id.startsWith('ramped-'));
      if (fired === undefined) await sleep(100);
    }
    expect(fired?.ramp).toEqual({ startRate: 20, factor: 3, every: 2, on: 'sent' });
    expect((await runCli(['unschedule', 'ramped'], h.env())).code).toBe(0);
  });

  it.each([
    [['--ramp-start', '50'], /--ramp-start needs --ramp-factor and --ramp-every/],
    [['--ramp-factor', '2', '--ramp-every', '5'], /need --ramp-start/],
    [['--ramp-start', '50', '--ramp-factor', '9', '--ramp-every', '5'], /--ramp-factor must be between 1.1 and 5/],
    [['--ramp-start', '50', '--ramp-factor', '2', '--ramp-every', 'many'], /--ramp-every must be a number/],
    [['--ramp-start', '50', '--ramp-factor', '2', '--ramp-every', '5', '--ramp-on', 'queued'], /--ramp-on must be sent or final/],
    [['--ramp-start', '500', '--ramp-factor', '2', '--ramp-every', '5', '--rate', '400'], /--ramp-start 500 is not below --rate 400/],
  ])('refuses %j with exit 2, queuing nothing', async (args, message) => {
    h = new Harness();
    const file = join(h.dir, 'fw.csv');
    writeSimpleCampaign(file, 5);
    const result = await runCli(['submit', file, '--name', 'bad', ...args], h.env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await h.store.get('bad')).toBeUndefined();
  });

  it('--help tells of every ramp flag, with an example', async () => {
    h = new Harness();
    const help = await runCli(['submit', '--help']);
    for (const flag of ['--ramp-start <qps>', '--ramp-factor <f>', '--ramp-every <n>', '--ramp-on <sent|final>']) expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/fleetcast submit fw\.csv --ramp-start 50 --ramp-factor 2 --ramp-every 500/);
  });
});
