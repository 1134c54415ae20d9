import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';

describe('crash safety', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('kill -9 of a worker mid-campaign loses no row and duplicates at most the calls in flight', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000, latencyMs: 20 });
    const [victim] = await h.startWorkers(2, { FLEETCAST_RATE: '500' });
    const file = join(h.dir, 'crash.csv');
    writeSimpleCampaign(file, 4000);
    expect((await runCli(['submit', file, '--name', 'crash'], h.env())).code).toBe(0);
    await h.waitForCampaign('crash', (record) => record.done >= 800, 30_000);

    victim?.child.kill('SIGKILL');
    const killedAt = Date.now();
    const record = await h.waitForCampaign('crash', finished, 60_000);

    expect(record.state).toBe('finished');
    expect(record.sent).toBe(4000);
    const calls = emulator.stats.calls().filter((call) => call.code === 'OK');
    const perTopic = new Map<string, number>();
    for (const call of calls) perTopic.set(call.topic ?? '', (perTopic.get(call.topic ?? '') ?? 0) + 1);
    expect(perTopic.size).toBe(4000);
    const duplicates = calls.length - 4000;
    // In flight at the kill: at most 500 calls/s × (20 ms latency + a token's few ms) per worker, far below 30.
    expect(duplicates).toBeLessThanOrEqual(30);
    expect(Date.now() - killedAt).toBeLessThan(45_000);
  });
});
