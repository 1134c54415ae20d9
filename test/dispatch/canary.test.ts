import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';

const WORKER_ENV = { FLEETCAST_RATE: '400' };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('submit --canary: the first rows, then a hold', () => {
  let h: Harness;
  afterEach(async () => h.close());


  const calls = (): number => h.emulator?.stats.summary().total ?? 0;

  it('a canary of 100 holds with exactly 100 rows final and nothing else sent; resume sends the rest', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000 });
    await h.startWorkers(2, WORKER_ENV);
    await h.submitSimple(1000, ['--canary', '100'], 'fw');

    const held = await h.waitForCampaign('fw', (record) => record.state === 'canary', 30_000);
    expect(held).toMatchObject({ stage: 'hold', done: 100, sent: 100 });
    await sleep(1500);
    expect(await h.campaign('fw')).toMatchObject({ state: 'canary', done: 100 });
    expect(calls()).toBe(100);

    const status = await runCli(['status', 'fw', '--json'], h.env());
    const view = (JSON.parse(status.stdout) as { campaigns: Array<Record<string, unknown>> }).campaigns[0];
    expect(view).toMatchObject({ state: 'canary', remaining: 900, rollout: { stage: 'hold', canary: { rows: 100, done: 100, soakSeconds: null, continuesAt: null } } });

    expect((await runCli(['resume', 'fw'], h.env())).code).toBe(0);
    const done = await h.waitForCampaign('fw', finished, 60_000);
    expect(done).toMatchObject({ state: 'finished', sent: 1000, stage: 'all' });
    expect(calls()).toBe(1000);
  });

  it('--canary P% with --canary-soak goes on by itself after the soak', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000 });
    await h.startWorkers(1, WORKER_ENV);
    await h.submitSimple(400, ['--canary', '5%', '--canary-soak', '2s'], 'soak');

    const held = await h.waitForCampaign('soak', (record) => record.state === 'canary', 30_000);
    expect(held.done).toBe(20);
    expect(calls()).toBe(20);
    const done = await h.waitForCampaign('soak', finished, 60_000);
    expect(done).toMatchObject({ state: 'finished', sent: 400 });
    expect(done.finishedAt ?? 0).toBeGreaterThanOrEqual((held.canary?.heldAt ?? 0) + 2000);
  });

  it('cancel during the hold ends the rest cancelled', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000 });
    await h.startWorkers(1, WORKER_ENV);
    await h.submitSimple(500, ['--canary', '50'], 'stop');

    await h.waitForCampaign('stop', (record) => record.state === 'canary', 30_000);
    expect((await runCli(['cancel', 'stop'], h.env())).code).toBe(0);
    const record = await h.waitForCampaign('stop', (r) => r.state === 'cancelled' && r.done >= r.rows, 30_000);
    expect(record).toMatchObject({ sent: 50, failed: 0, cancelled: 450 });
    expect(calls()).toBe(50);
  });

  it('an abort rule that fires on the canary pauses it, and the soak does not send the rest', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000, faultOffline: 0.3 });
    await h.startWorkers(1, WORKER_ENV);
    await h.submitSimple(1000, ['--canary', '200', '--canary-soak', '1s', '--abort', 'offline:20:200'], 'bad');

    const paused = await h.waitForCampaign('bad', (record) => record.state === 'paused', 30_000);
    expect(paused.abortFired).toMatchObject({ abortClass: 'offline', final: 200 });
    await sleep(2500);
    expect(await h.campaign('bad')).toMatchObject({ state: 'paused', done: 200 });
    expect(calls()).toBe(200);
  });

  it('refuses a canary it cannot read, and a soak without a canary', async () => {
    h = new Harness();
    const file = join(h.dir, 'bad.csv');
    writeSimpleCampaign(file, 10);
    const zero = await runCli(['submit', file, '--canary', '0'], h.env());
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--canary must be/);
    const soak = await runCli(['submit', file, '--canary-soak', '10m'], h.env());
    expect(soak.code).toBe(2);
    expect(soak.stderr).toMatch(/--canary-soak needs --canary/);
    expect(await h.store.list()).toHaveLength(0);
  });
});
