import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import { campaignKeys } from '../../src/queue/keys.js';
import type { RedisClient } from '../../src/redis/client.js';
import { connectRedis } from '../../src/redis/connection.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { runCli, startWorkerProcess, type WorkerProcess } from '../helpers/cli.js';
import { startEmulatorProcess, type EmulatorProcess } from '../helpers/emulator-process.js';
import { ACCESS_KEY } from '../helpers/harness.js';
import { uniquePrefix } from '../helpers/redis.js';
import { SENTINEL_MASTER, startSentinelSetup, type SentinelSetup } from '../helpers/sentinel.js';
import { expectCapHeld } from '../helpers/cap.js';

const ROWS = 8000;

describe('Redis through Sentinel', () => {
  let setup: SentinelSetup | undefined;
  let emulator: EmulatorProcess | undefined;
  let redis: RedisClient | undefined;
  const workers: WorkerProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'fleetcast-sentinel-test-'));

  afterEach(async () => {
    // A worker that cannot drain within 10 s is killed: the sentinels and nodes must still be stopped.
    const killLate = setTimeout(() => workers.forEach((worker) => worker.child.kill('SIGKILL')), 10_000);
    await Promise.all(workers.map((worker) => worker.stop().catch(() => undefined)));
    clearTimeout(killLate);
    redis?.disconnect();
    await emulator?.stop();
    await setup?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no row when the primary is killed mid-campaign: the replica takes over, every row ends once, the cap holds', async () => {
    setup = await startSentinelSetup();
    emulator = await startEmulatorProcess(1600);
    const env = {
      REDIS_URL: undefined,
      REDIS_SENTINELS: setup.sentinels,
      REDIS_SENTINEL_NAME: SENTINEL_MASTER,
      FLEETCAST_PREFIX: uniquePrefix(),
      FLEETCAST_ENDPOINT: emulator.url,
      FLEETCAST_RATE: '1600',
      ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.accessKeySecret,
    };
    const config = loadConfig({ REDIS_SENTINELS: setup.sentinels, REDIS_SENTINEL_NAME: SENTINEL_MASTER, FLEETCAST_PREFIX: env.FLEETCAST_PREFIX });
    workers.push(...(await Promise.all([startWorkerProcess(env), startWorkerProcess(env)])));
    const file = join(dir, 'failover.csv');
    writeSimpleCampaign(file, ROWS);
    const submitted = await runCli(['submit', file, '--name', 'failover'], env);
    expect(submitted.code, submitted.stderr).toBe(0);

    const accepted = async (): Promise<number> => (await emulator?.accepted()) ?? 0;
    await until(async () => (await accepted()) >= 2000, 20_000);
    setup.killPrimary();
    const killedAfter = await accepted();
    await setup.waitForFailover(20_000);

    redis = await connectRedis(config.redis);
    const store = new CampaignStore(redis, config.prefix);
    let record = await store.require('failover');
    for (const deadline = Date.now() + 60_000; record.state !== 'finished' && Date.now() < deadline; record = await store.require('failover')) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(record).toMatchObject({ state: 'finished', sent: ROWS, failed: 0, cancelled: 0, done: ROWS });
    const outcomes = await redis.hgetall(campaignKeys(config.prefix, 'failover').outcomes);
    expect(Object.keys(outcomes)).toHaveLength(ROWS);

    const all = await emulator.calls();
    const sent = all.filter((call) => call.code === 'OK');
    expect(new Set(sent.map((call) => call.topic)).size).toBe(ROWS);
    // Sent twice: at most the calls in flight when the primary died, and those whose outcome it had not yet
    // passed to its replica (docs: README, "Scaling workers and Redis").
    const duplicates = sent.length - ROWS;
    expect(duplicates, `${duplicates} rows sent twice`).toBeLessThanOrEqual(400);
    expect(killedAfter).toBeLessThan(ROWS);
    expectCapHeld(all, 1600);
    // Sending stopped while there was no primary, and went on by itself.
    const times = all.map((call) => call.t);
    const outageMs = Math.max(...times.slice(1).map((t, index) => t - (times[index] ?? t)));
    expect(outageMs, 'the longest pause between two calls').toBeLessThan(15_000);
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  });
});

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not there within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
