import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';

describe('several campaigns share the account by priority', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('an urgent notice gets its weighted share while a nightly batch runs, and the batch still goes on', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000 });
    await h.startWorkers(2, { FLEETCAST_RATE: '400' });
    const nightly = join(h.dir, 'nightly.csv');
    const urgent = join(h.dir, 'urgent.csv');
    writeSimpleCampaign(nightly, 9000, 'night');
    writeSimpleCampaign(urgent, 2000, 'urgent');
    expect((await runCli(['submit', nightly, '--name', 'nightly'], h.env())).code).toBe(0);
    await h.waitForCampaign('nightly', (record) => record.done >= 400, 20_000);

    expect((await runCli(['submit', urgent, '--name', 'urgent', '--priority', '3', '--wait'], h.env())).code).toBe(0);

    const calls = emulator.stats.calls();
    const urgentCalls = calls.filter((call) => call.topic?.includes('/urgent-'));
    // The middle of the urgent campaign's run: at its start and end only some workers hold its chunks.
    const first = urgentCalls[Math.floor(urgentCalls.length * 0.2)]?.t ?? 0;
    const last = urgentCalls[Math.floor(urgentCalls.length * 0.8)]?.t ?? 0;
    const urgentDuring = urgentCalls.filter((call) => call.t >= first && call.t <= last);
    const during = calls.filter((call) => call.t >= first && call.t <= last);
    const share = urgentDuring.length / during.length;
    expect(urgentCalls).toHaveLength(2000);
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.85);
    expect(during.length - urgentDuring.length).toBeGreaterThan(100);
    expect((await h.campaign('nightly')).state).not.toBe('finished');
    await h.store.control('nightly', 'cancel');
    await h.waitForCampaign('nightly', finished, 30_000);
  });
});
