import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PRODUCT_KEY, deviceName, writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness } from '../helpers/harness.js';

describe('a failing campaign pauses itself', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('pauses with the reason once most final rows failed, instead of burning through the rest', async () => {
    h = new Harness();
    const known = Array.from({ length: 200 }, (_, index) => ({ ProductKey: PRODUCT_KEY, DeviceName: deviceName(index * 5) }));
    await h.startEmulator({ qps: 100_000, devices: known });
    await h.startWorkers(1, { FLEETCAST_RATE: '300', FLEETCAST_ABORT_MIN_ROWS: '100', FLEETCAST_ABORT_FAILURE_RATIO: '0.5' });
    const file = join(h.dir, 'unknown-devices.csv');
    writeSimpleCampaign(file, 3000);

    const result = await runCli(['submit', file, '--name', 'unknown-devices', '--wait', '--json'], h.env());

    expect(result.code).toBe(1);
    const record = await h.campaign('unknown-devices');
    expect(record.state).toBe('paused');
    expect(record.pausedReason).toMatch(/^failure share \d+% over 50% after \d+ rows$/);
    expect(record.done).toBeLessThan(600);
    expect(record.failed).toBeGreaterThan(record.sent);
  });
});
