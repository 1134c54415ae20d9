import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';
import { maxInWindow } from '../../src/limiter/sliding-window.js';

describe('a campaign with its own --rate', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('stays under its own cap across two workers, well below the account cap', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000 });
    await h.startWorkers(2, { FLEETCAST_RATE: '1000' });
    const file = join(h.dir, 'slow.csv');
    writeSimpleCampaign(file, 450);

    const result = await runCli(['submit', file, '--name', 'slow', '--rate', '100', '--wait'], h.env());

    expect(result.code).toBe(0);
    const times = emulator.stats.calls().map((call) => call.t);
    expect(times).toHaveLength(450);
    expect(maxInWindow(times)).toBeLessThanOrEqual(100);
    expect(maxInWindow(times)).toBeGreaterThanOrEqual(85);
  });
});

describe('cancel of a campaign held by its own --rate', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('ends the rows waiting for its tokens within a second, not one token at a time', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000 });
    await h.startWorkers(2, { FLEETCAST_RATE: '1600' });
    await h.submitSimple(3000, ['--rate', '40'], 'slow-cancel');
    await h.waitForCampaign('slow-cancel', (record) => record.sent >= 40, 20_000);

    await h.store.control('slow-cancel', 'cancel');
    const cancelledAt = Date.now();
    const record = await h.waitForCampaign('slow-cancel', finished, 30_000);
    const seconds = (Date.now() - cancelledAt) / 1000;
    expect(record.state).toBe('cancelled');
    expect(record.sent + record.cancelled).toBe(3000);
    expect(record.sent).toBe(emulator.stats.calls().length);
    // Hundreds of rows were waiting for a token at 40/s: one at a time, they took several seconds to end.
    expect(seconds, `${seconds} s from cancel to the last row cancelled`).toBeLessThan(1.5);
  });
});
