import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('pause, resume and cancel reach every worker within a second', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('pause stops all sending, resume goes on, cancel ends the rest as cancelled', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000 });
    await h.startWorkers(2, { FLEETCAST_RATE: '400' });
    const file = join(h.dir, 'control.csv');
    writeSimpleCampaign(file, 4000);
    expect((await runCli(['submit', file, '--name', 'control'], h.env())).code).toBe(0);
    await h.waitForCampaign('control', (record) => record.done >= 300, 20_000);

    await h.store.control('control', 'pause');
    await sleep(1000);
    const atPause = emulator.stats.calls().length;
    await sleep(1500);
    expect(emulator.stats.calls().length).toBe(atPause);
    expect((await h.campaign('control')).state).toBe('paused');

    await h.store.control('control', 'resume');
    await h.waitForCampaign('control', (record) => record.done >= atPause + 200, 10_000);

    await h.store.control('control', 'cancel');
    await sleep(1000);
    const atCancel = emulator.stats.calls().length;
    const record = await h.waitForCampaign('control', finished, 30_000);
    expect(emulator.stats.calls().length).toBe(atCancel);
    expect(record.state).toBe('cancelled');
    expect(record.failed).toBe(0);
    expect(record.cancelled).toBeGreaterThan(1000);
    expect(record.sent + record.cancelled).toBe(4000);
    expect(record.sent).toBe(emulator.stats.calls().length);
  });
});

describe('a paused campaign holds nothing back', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('another campaign is sent in full while the first stays paused, and the first then finishes', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000 });
    await h.startWorkers(1, { FLEETCAST_RATE: '400' });
    const nightly = join(h.dir, 'nightly.csv');
    const urgent = join(h.dir, 'urgent.csv');
    writeSimpleCampaign(nightly, 1200);
    writeSimpleCampaign(urgent, 400);
    expect((await runCli(['submit', nightly, '--name', 'nightly'], h.env())).code).toBe(0);
    await h.waitForCampaign('nightly', (record) => record.done >= 200, 20_000);
    await h.store.control('nightly', 'pause');
    await sleep(1000);
    const nightlyAtPause = emulator.stats.calls().length;

    expect((await runCli(['submit', urgent, '--name', 'urgent'], h.env())).code).toBe(0);
    const urgentDone = await h.waitForCampaign('urgent', finished, 20_000);
    expect(urgentDone.sent).toBe(400);
    expect(emulator.stats.calls().length).toBe(nightlyAtPause + 400);
    expect((await h.campaign('nightly')).state).toBe('paused');

    await h.store.control('nightly', 'resume');
    const nightlyDone = await h.waitForCampaign('nightly', finished, 30_000);
    expect(nightlyDone.sent).toBe(1200);
    expect(emulator.stats.calls().length).toBe(1600);
  });
});
