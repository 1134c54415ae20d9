import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness } from '../helpers/harness.js';
import { maxInWindow } from '../../src/limiter/sliding-window.js';

describe('adaptive rate under a squeezed quota', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('lowers the shared rate when the endpoint allows less than FLEETCAST_RATE, and still sends every row', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 300 });
    await h.startWorkers(2, { FLEETCAST_RATE: '1200' });
    const file = join(h.dir, 'squeezed.csv');
    writeSimpleCampaign(file, 3000);

    const result = await runCli(['submit', file, '--name', 'squeezed', '--wait'], h.env());

    expect(result.code).toBe(0);
    const record = await h.campaign('squeezed');
    expect(record.sent).toBe(3000);
    const calls = emulator.stats.calls();
    const throttled = calls.filter((call) => call.code === 'Throttling.User').length;
    const accepted = calls.filter((call) => call.code === 'OK').map((call) => call.t);
    expect(accepted).toHaveLength(3000);
    expect(throttled).toBeGreaterThan(0);
    expect(throttled / 3000).toBeLessThan(0.4);
    expect(maxInWindow(accepted)).toBeLessThanOrEqual(300);
    const shared = await h.redis.hget(`${h.prefix}:limiter:${await accountKey()}:adaptive`, 'rate');
    expect(Number(shared)).toBeLessThan(1200);
    expect(Number(shared)).toBeGreaterThan(100);
  });
});

async function accountKey(): Promise<string> {
  const { accountIdOf } = await import('../../src/limiter/account-id.js');
  const { ACCESS_KEY } = await import('../helpers/harness.js');
  return accountIdOf(ACCESS_KEY.accessKeyId);
}
