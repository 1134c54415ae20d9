import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { accountIdOf } from '../../src/limiter/account-id.js';
import { accountKeys } from '../../src/limiter/shared-cap.js';
import type { CampaignRecord } from '../../src/queue/campaign-record.js';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import { campaignKeys, campaignIndexKey } from '../../src/queue/keys.js';
import type { RedisClient } from '../../src/redis/client.js';
import { connectRedis } from '../../src/redis/connection.js';
import { deletePrefix } from '../../src/redis/delete-prefix.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { runCli, startWorkerProcess, type WorkerProcess } from '../helpers/cli.js';
import { startEmulatorProcess, type EmulatorProcess } from '../helpers/emulator-process.js';
import { ACCESS_KEY } from '../helpers/harness.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startRedisCluster, type RedisClusterSetup } from '../../bench/lib/redis-cluster.js';
import { expectCapHeld } from '../helpers/cap.js';

const CAMPAIGNS = ['north', 'south', 'east'] as const;

describe('Redis Cluster', () => {
  let cluster: RedisClusterSetup | undefined;
  let emulator: EmulatorProcess | undefined;
  let redis: RedisClient | undefined;
  const workers: WorkerProcess[] = [];
  let dir = '';

  afterEach(async () => {
    // A worker that cannot drain within 10 s is killed: the nodes must still be stopped.
    const killLate = setTimeout(() => workers.forEach((worker) => worker.child.kill('SIGKILL')), 10_000);
    await Promise.all(workers.splice(0).map((worker) => worker.stop().catch(() => undefined)));
    clearTimeout(killLate);
    await redis?.quit().catch(() => undefined);
    redis = undefined;
    await emulator?.stop();
    await cluster?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** Emulator, cluster, two workers and a client of the cluster; returns the environment of the CLI. */
  async function start(): Promise<Record<string, string | undefined>> {
    dir = mkdtempSync(join(tmpdir(), 'fleetcast-cluster-test-'));
    cluster = await startRedisCluster();
    emulator = await startEmulatorProcess(1600);
    const env = {
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: cluster.clusterNodes,
      FLEETCAST_PREFIX: uniquePrefix(),
      FLEETCAST_ENDPOINT: emulator.url,
      FLEETCAST_RATE: '1600',
      ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.accessKeySecret,
    };
    workers.push(...(await Promise.all([startWorkerProcess(env), startWorkerProcess(env)])));
    redis = await connectRedis(loadConfig({ REDIS_CLUSTER_NODES: cluster.clusterNodes }).redis);
    return env;
  }

  async function waitForFinished(prefix: string, ids: readonly string[], timeoutMs: number): Promise<CampaignRecord[]> {
    const store = new CampaignStore(redisClient(), prefix);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const records = await Promise.all(ids.map((id) => store.require(id)));
      if (records.every((record) => record.state === 'finished') || Date.now() > deadline) return records;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function redisClient(): RedisClient {
    if (redis === undefined) throw new Error('not started');
    return redis;
  }

  it('sends three campaigns whose keys lie on more than one master, every row once, under the cap; status, report and cleanup work', async () => {
    const env = await start();
    const prefix = env.FLEETCAST_PREFIX ?? '';
    for (const [index, id] of CAMPAIGNS.entries()) {
      const file = join(dir, `${id}.csv`);
      writeSimpleCampaign(file, 1500, `${id}-${index}`);
      const submitted = await runCli(['submit', file, '--name', id], env);
      expect(submitted.code, submitted.stderr).toBe(0);
    }
    const records = await waitForFinished(prefix, CAMPAIGNS, 60_000);
    for (const record of records) expect(record).toMatchObject({ state: 'finished', sent: 1500, failed: 0, done: 1500 });

    // Each campaign's keys share one slot (its record, outcomes, queue, own limiter); the three are spread.
    const setup = cluster as RedisClusterSetup;
    const masters = new Set<number>();
    for (const id of CAMPAIGNS) {
      const keys = campaignKeys(prefix, id);
      const master = await setup.masterOfKey(keys.campaign);
      for (const key of [keys.outcomes, `${keys.bullPrefix}:${keys.queueName}:wait`, `b_${keys.limiterId}_settings`]) expect(await setup.masterOfKey(key)).toBe(master);
      masters.add(master);
    }
    expect(masters.size).toBeGreaterThan(1);
    const account = accountKeys(prefix, accountIdOf(ACCESS_KEY.accessKeyId));
    expect(await setup.masterOfKey(`b_${account.limiterId}_settings`)).toBe(await setup.masterOfKey(account.cap));
    expect(Number(await redisClient().hget(account.cap, 'cap'))).toBe(1600);

    const calls = (await (emulator as EmulatorProcess).calls()).filter((call) => call.action === 'Pub');
    expect(calls.filter((call) => call.code === 'OK')).toHaveLength(4500);
    expect(new Set(calls.map((call) => call.topic)).size).toBe(4500);
    expectCapHeld(calls, 1600);

    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const listed = (JSON.parse(status.stdout) as { campaigns: { id: string; state: string }[] }).campaigns;
    expect(listed.map((campaign) => campaign.id).sort()).toEqual([...CAMPAIGNS].sort());
    const reportFile = join(dir, 'east.report.csv');
    const report = await runCli(['report', 'east', '--out', reportFile], env);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(reportFile, 'utf8').trim().split('\n')).toHaveLength(1501);

    for (const worker of workers.splice(0)) expect(await worker.stop()).toBe(0);
    expect(await deletePrefix(redisClient(), prefix)).toBeGreaterThan(0);
    expect(await redisClient().exists(campaignIndexKey(prefix))).toBe(0);
  });

  it('loses no row when the master of a campaign and of the account limiter is killed mid-campaign: its replica takes over, every row ends once, the cap holds', async () => {
    const env = await start();
    const prefix = env.FLEETCAST_PREFIX ?? '';
    const rows = 8000;
    const setup = cluster as RedisClusterSetup;
    // A campaign whose keys lie on the master of the account limiter: one kill takes both away.
    const master = await setup.masterOfKey(accountKeys(prefix, accountIdOf(ACCESS_KEY.accessKeyId)).cap);
    const id = await campaignIdOn(setup, prefix, master);
    const file = join(dir, 'failover.csv');
    writeSimpleCampaign(file, rows);
    const submitted = await runCli(['submit', file, '--name', id], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const accepted = async (): Promise<number> => (await emulator?.accepted()) ?? 0;
    for (const deadline = Date.now() + 20_000; (await accepted()) < 2000; ) {
      if (Date.now() > deadline) throw new Error('the campaign did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    setup.kill(master);
    const killedAfter = await accepted();
    await setup.waitForFailover(30_000);

    const [record] = await waitForFinished(prefix, [id], 60_000);
    expect(record).toMatchObject({ state: 'finished', sent: rows, failed: 0, cancelled: 0, done: rows });
    expect(killedAfter).toBeLessThan(rows);
    expect(await redisClient().hlen(campaignKeys(prefix, id).outcomes)).toBe(rows);
    const calls = (await (emulator as EmulatorProcess).calls()).filter((call) => call.action === 'Pub');
    const sent = calls.filter((call) => call.code === 'OK');
    expect(new Set(sent.map((call) => call.topic)).size).toBe(rows);
    // Sent twice: at most the calls in flight when the master died, and those whose outcome it had not yet passed
    // to its replica (docs: README, "Scaling workers and Redis").
    const duplicates = sent.length - rows;
    expect(duplicates, `${duplicates} rows sent twice`).toBeLessThanOrEqual(400);
    expectCapHeld(calls, 1600);
    // Sending stopped while the slots had no master, and went on by itself.
    const times = calls.map((call) => call.t);
    const outageMs = Math.max(...times.slice(1).map((t, index) => t - (times[index] ?? t)));
    expect(outageMs, 'the longest pause between two calls').toBeLessThan(15_000);
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  });
});

async function campaignIdOn(setup: RedisClusterSetup, prefix: string, master: number): Promise<string> {
  for (let index = 0; index < 100; index++) {
    const id = `failover-${index}`;
    if ((await setup.masterOfKey(campaignKeys(prefix, id).campaign)) === master) return id;
  }
  throw new Error(`no campaign id among 100 whose keys lie on the master on port ${master}`);
}
