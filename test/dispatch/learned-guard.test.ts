import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEARNED_GUARD } from '../../src/limiter/adaptive-rate.js';
import { accountIdOf } from '../../src/limiter/account-id.js';
import { accountKeys } from '../../src/limiter/shared-cap.js';
import { maxInWindow } from '../../src/limiter/sliding-window.js';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { runCli, startWorkerProcess, type WorkerProcess } from '../helpers/cli.js';
import { startEmulatorProcess, type EmulatorProcess } from '../helpers/emulator-process.js';
import { ACCESS_KEY } from '../helpers/harness.js';
import { cleanupPrefix, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';

interface GuardRun {
  /** The stored guard, sampled every 100 ms while the campaign ran. */
  readonly guards: number[];
  readonly calls: Awaited<ReturnType<EmulatorProcess['calls']>>;
}

describe('the learned guard', () => {
  let emulator: EmulatorProcess | undefined;
  let redis: Redis | undefined;
  let prefix = '';
  const workers: WorkerProcess[] = [];
  let dir = '';

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop().catch(() => undefined)));
    await emulator?.stop();
    if (redis !== undefined) {
      await cleanupPrefix(redis, prefix);
      redis.disconnect();
    }
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** Two workers send `rows` rows to an emulator with a strict 1,600/s quota and `emulatorArgs`. */
  async function run(rows: number, emulatorArgs: readonly string[]): Promise<GuardRun> {
    dir = mkdtempSync(join(tmpdir(), 'fleetcast-guard-'));
    prefix = uniquePrefix();
    redis = testRedis();
    emulator = await startEmulatorProcess(1600, emulatorArgs);
    const env = {
      REDIS_URL: redisUrl(),
      FLEETCAST_PREFIX: prefix,
      FLEETCAST_ENDPOINT: emulator.url,
      FLEETCAST_RATE: '1600',
      ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.accessKeySecret,
    };
    workers.push(...(await Promise.all([startWorkerProcess(env), startWorkerProcess(env)])));
    const file = join(dir, 'guard.csv');
    writeSimpleCampaign(file, rows);
    const submitted = await runCli(['submit', file, '--name', 'guard'], env);
    expect(submitted.code, submitted.stderr).toBe(0);

    const key = accountKeys(prefix, accountIdOf(ACCESS_KEY.accessKeyId)).adaptive;
    const store = new CampaignStore(redis, prefix);
    const guards: number[] = [];
    for (const deadline = Date.now() + 90_000; (await store.require('guard')).state !== 'finished'; ) {
      if (Date.now() > deadline) throw new Error('the campaign did not finish within 90 s');
      const guard = await redis.hget(key, 'guard');
      if (guard !== null) guards.push(Number(guard));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await store.require('guard')).toMatchObject({ state: 'finished', sent: rows, failed: 0 });
    return { guards, calls: (await emulator.calls()).filter((call) => call.action === 'Pub') };
  }

  it('shrinks step by step while the account sends and nothing is throttled, and no sliding second holds more calls than the cap', async () => {
    const { guards, calls } = await run(12_000, []);
    const { initial, shrink } = DEFAULT_LEARNED_GUARD;
    // ~7.5 s of sending, a step every 2 s after 2 s without a throttle: at least two steps down.
    expect(Math.min(...guards)).toBeLessThanOrEqual(initial * shrink ** 2 + 1e-12);
    const throttled = calls.filter((call) => call.code !== 'OK').length;
    expect(throttled / calls.length, `${throttled} of ${calls.length} calls throttled`).toBeLessThanOrEqual(0.001);
    expect(maxInWindow(calls.filter((call) => call.code === 'OK').map((call) => call.t))).toBeLessThanOrEqual(1600);
  });

  it('grows at once after throttles at the cap (injected by the endpoint), up to its bound, and every row is still sent', async () => {
    const { guards, calls } = await run(5000, ['--fault-throttle', '0.02', '--seed', '3']);
    const { initial, max } = DEFAULT_LEARNED_GUARD;
    expect(Math.max(...guards)).toBeGreaterThanOrEqual(initial * 2);
    expect(Math.max(...guards)).toBeLessThanOrEqual(max);
    expect(calls.filter((call) => call.code === 'Throttling.User').length).toBeGreaterThan(0);
    expect(maxInWindow(calls.filter((call) => call.code === 'OK').map((call) => call.t))).toBeLessThanOrEqual(1600);
  });
});
