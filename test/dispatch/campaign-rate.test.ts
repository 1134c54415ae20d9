import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness } from '../helpers/harness.js';
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
