import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness } from '../helpers/harness.js';
import { maxInWindow } from '../../src/limiter/sliding-window.js';
import { accountKeys } from '../../src/limiter/shared-cap.js';

describe('adaptive rate under a squeezed quota', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('lowers the shared rate when the endpoint allows less than FLEETCAST_RATE, and still sends every row', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 300 });
    await h.startWorkers(2, { FLEETCAST_RATE: '1200' });
    const file = join(h.dir, 'squeezed.csv');
    writeSimpleCampaign(file, 3000);
    const key = await adaptiveKey(h);
    const rates = pollSharedRate(h, key, 50);

    const result = await runCli(['submit', file, '--name', 'squeezed', '--wait'], h.env());
    rates.stop();

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
    const shared = await h.redis.hget(key, 'rate');
    expect(Number(shared)).toBeLessThan(1200);
    expect(Number(shared)).toBeGreaterThan(100);
    // Cuts come at most every 300 ms, each seen by the 50 ms poll: once most answers were throttled, one halved the rate.
    const seen = rates.values;
    const cuts = seen.slice(1).map((rate, i) => rate / (seen[i] ?? rate)).filter((ratio) => ratio < 0.999);
    expect(cuts.some((ratio) => Math.abs(ratio - 0.5) < 0.01)).toBe(true);
  });
});

describe('adaptive rate under scattered throttling', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('keeps the rate when 5 % of calls are refused at random while the quota has room', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000, faultThrottle: 0.05, seed: 11 });
    await h.startWorkers(2, { FLEETCAST_RATE: '800' });
    const file = join(h.dir, 'scattered.csv');
    // 4 s at 800/s: scattered throttles come every few milliseconds, and a cut would come within 300 ms of them.
    writeSimpleCampaign(file, 3200);
    const rates = pollSharedRate(h, await adaptiveKey(h), 100);

    const result = await runCli(['submit', file, '--name', 'scattered', '--wait'], h.env());
    rates.stop();

    expect(result.code).toBe(0);
    expect((await h.campaign('scattered')).sent).toBe(3200);
    const calls = emulator.stats.calls();
    const throttled = calls.filter((call) => call.code === 'Throttling.User').length;
    expect(throttled / calls.length).toBeGreaterThan(0.03);
    expect(throttled / calls.length).toBeLessThan(0.07);
    expect(Math.min(800, ...rates.values)).toBe(800);
  });
});

/** The shared rate as every worker reads it, polled every `everyMs` until stopped. */
function pollSharedRate(h: Harness, key: string, everyMs: number): { readonly values: number[]; stop(): void } {
  const values: number[] = [];
  const timer = setInterval(() => void h.redis.hget(key, 'rate').then((rate) => rate !== null && values.push(Number(rate))), everyMs);
  return { values, stop: () => clearInterval(timer) };
}

async function adaptiveKey(h: Harness): Promise<string> {
  return accountKeys(h.prefix, await accountKey()).adaptive;
}

async function accountKey(): Promise<string> {
  const { accountIdOf } = await import('../../src/limiter/account-id.js');
  const { ACCESS_KEY } = await import('../helpers/harness.js');
  return accountIdOf(ACCESS_KEY.accessKeyId);
}
