import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type CallRecord, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { loadConfig } from '../../src/config/config.js';
import type { CampaignRecord } from '../../src/queue/campaign-record.js';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import type { RedisClient } from '../../src/redis/client.js';
import { connectRedis } from '../../src/redis/connection.js';
import { deletePrefix } from '../../src/redis/delete-prefix.js';
import { startRedisCluster, type RedisClusterSetup } from '../../bench/lib/redis-cluster.js';
import { PRODUCT_KEY, deviceName, writeSimpleCampaign } from '../helpers/campaigns.js';
import { runCli, startWorkerProcess, type WorkerProcess } from '../helpers/cli.js';
import { ACCESS_KEY, finished } from '../helpers/harness.js';
import { uniquePrefix } from '../helpers/redis.js';
import { closeAll, subscribe, until, type Subscriber } from '../helpers/subscribers.js';
import { expectEachDeviceGotItsMessage, expectSentReportLines, parseCsv, writeAwkwardCampaign } from '../pipeline/fixtures.js';

const NO_AUTOPAUSE = { FLEETCAST_ABORT_MIN_ROWS: '0' };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Topic of row `index` (0-based) of a simple campaign. */
const simpleTopic = (index: number): string => `/${PRODUCT_KEY}/${deviceName(index)}/user/notice`;

describe('operations on a Redis Cluster: submit, report, pause/resume/cancel, retry-failed, schedules', () => {
  let cluster: RedisClusterSetup | undefined;
  let redis: RedisClient | undefined;
  let emulator: RunningEmulator | undefined;
  const workers: WorkerProcess[] = [];
  const subscribers: Subscriber[] = [];
  let prefix = '';
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetcast-cluster-ops-'));
    cluster = await startRedisCluster();
    redis = await connectRedis(loadConfig({ REDIS_CLUSTER_NODES: cluster.clusterNodes }).redis);
  });

  /** Workers (SIGKILL when one cannot drain within 10 s), subscribers, the emulator and the test's keys. */
  async function stopTestWorld(): Promise<void> {
    await stopWorkers();
    await closeAll(subscribers.splice(0));
    await emulator?.close().catch(() => undefined);
    emulator = undefined;
    if (redis !== undefined && prefix !== '') await deletePrefix(redis, prefix).catch(() => undefined);
    prefix = '';
  }

  async function stopWorkers(): Promise<void> {
    const stopping = workers.splice(0);
    const killLate = setTimeout(() => stopping.forEach((worker) => worker.child.kill('SIGKILL')), 10_000);
    await Promise.all(stopping.map((worker) => worker.stop().catch(() => undefined)));
    clearTimeout(killLate);
  }

  afterEach(stopTestWorld);

  afterAll(async () => {
    await stopTestWorld().catch(() => undefined);
    await redis?.quit().catch(() => undefined);
    redis = undefined;
    await cluster?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh key prefix and an emulator of the cloud for one test. */
  async function startTest(options: EmulatorOptions = {}, withBroker = false): Promise<RunningEmulator> {
    prefix = uniquePrefix();
    return startCloud(options, withBroker);
  }

  /** An emulator; with `withBroker`, its embedded MQTT broker delivers every accepted message to subscribers. */
  async function startCloud(options: EmulatorOptions, withBroker = false): Promise<RunningEmulator> {
    const broker: EmulatorOptions = withBroker ? { mqttPort: 0 } : { mqtt: false };
    emulator = await startEmulator({ port: 0, accessKeys: [ACCESS_KEY], ...broker, ...options });
    return emulator;
  }

  function env(extra: Record<string, string> = {}): Record<string, string | undefined> {
    return {
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: cluster?.clusterNodes ?? '',
      FLEETCAST_PREFIX: prefix,
      FLEETCAST_ENDPOINT: emulator?.url ?? 'http://127.0.0.1:1',
      ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.accessKeySecret,
      ...extra,
    };
  }

  async function startWorkers(extra: Record<string, string> = {}): Promise<void> {
    workers.push(...(await Promise.all([startWorkerProcess(env(extra)), startWorkerProcess(env(extra))])));
  }

  function store(): CampaignStore {
    if (redis === undefined) throw new Error('the cluster did not start');
    return new CampaignStore(redis, prefix);
  }

  async function waitForCampaign(id: string, done: (record: CampaignRecord) => boolean, timeoutMs: number): Promise<CampaignRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await store().get(id);
      if (record !== undefined && done(record)) return record;
      if (Date.now() > deadline) throw new Error(`campaign ${id} did not get there in ${timeoutMs} ms: ${JSON.stringify(record)}`);
      await sleep(100);
    }
  }

  async function reportOf(id: string): Promise<Array<Record<string, string>>> {
    const out = join(dir, `${prefix}-${id}.report.csv`);
    const result = await runCli(['report', id, '--out', out], env());
    expect(result.code, result.stderr).toBe(0);
    return parseCsv(readFileSync(out, 'utf8'));
  }

  const messageIdByTopic = (calls: readonly CallRecord[]): Map<string | undefined, string | undefined> =>
    new Map(calls.filter((call) => call.code === 'OK').map((call) => [call.topic, call.messageId]));

  it('a campaign reaches every MQTT subscriber exactly once, and its report holds the exact MessageIds the cloud issued', async () => {
    const cloud = await startTest({ qps: 1600 }, true);
    const rows = 500;
    const file = join(dir, 'awkward.csv');
    const expected = writeAwkwardCampaign(file, rows);
    for (let start = 0; start < expected.length; start += 250) {
      const batch = expected.slice(start, start + 250);
      subscribers.push(...(await Promise.all(batch.map((row) => subscribe(cloud.mqttUrl ?? '', `${prefix}-${row.deviceName}`, row.topic)))));
    }
    await startWorkers();

    const submitted = await runCli(['submit', file, '--name', 'awkward', '--wait'], env());

    expect(submitted.code, submitted.stderr).toBe(0);
    await until(() => subscribers.every((subscriber) => subscriber.messages.length >= 1), 15_000, 'every device to receive');
    await sleep(300);
    expectEachDeviceGotItsMessage(subscribers, expected);
    const calls = cloud.stats.calls().filter((call) => call.action === 'Pub');
    expect(calls.filter((call) => call.code !== 'OK')).toEqual([]);
    expect(calls).toHaveLength(rows);
    const idByTopic = messageIdByTopic(calls);
    const lines = await reportOf('awkward');
    expect(lines).toHaveLength(rows);
    expectSentReportLines(lines, expected, idByTopic);
    expect(await store().require('awkward')).toMatchObject({ state: 'finished', sent: rows, failed: 0, done: rows });
  });

  it('pause stops sending on every worker, resume goes on, cancel ends the rest as cancelled', async () => {
    const cloud = await startTest({ qps: 100_000 });
    const rows = 4000;
    await startWorkers();
    const file = join(dir, 'control.csv');
    writeSimpleCampaign(file, rows);
    const submitted = await runCli(['submit', file, '--name', 'control', '--rate', '400'], env());
    expect(submitted.code, submitted.stderr).toBe(0);
    await waitForCampaign('control', (record) => record.done >= 300, 20_000);

    const paused = await runCli(['pause', 'control'], env());
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toContain('control: paused');
    await sleep(1000);
    const atPause = cloud.stats.calls().length;
    await sleep(1500);
    expect(cloud.stats.calls().length).toBe(atPause);
    expect((await store().require('control')).state).toBe('paused');

    const resumed = await runCli(['resume', 'control'], env());
    expect(resumed.code, resumed.stderr).toBe(0);
    await waitForCampaign('control', (record) => record.done >= atPause + 200, 10_000);
    expect(cloud.stats.calls().length).toBeGreaterThanOrEqual(atPause + 200);

    const cancelled = await runCli(['cancel', 'control'], env());
    expect(cancelled.code, cancelled.stderr).toBe(0);
    await sleep(1000);
    const atCancel = cloud.stats.calls().length;
    const record = await waitForCampaign('control', finished, 30_000);
    expect(cloud.stats.calls().length).toBe(atCancel);
    expect(record.state).toBe('cancelled');
    expect(record.failed).toBe(0);
    expect(record.cancelled).toBeGreaterThan(1000);
    expect(record.sent + record.cancelled).toBe(rows);
    expect(record.sent).toBe(cloud.stats.calls().length);
  });

  it('retry-failed sends the rows that failed again once the fault is gone, and the report then says sent for every row', async () => {
    const rows = 30;
    // Rows 1, 4, 7, … name devices the first cloud's registry does not know.
    const missing = (index: number): boolean => index % 3 === 0;
    const known = Array.from({ length: rows }, (_, index) => index)
      .filter((index) => !missing(index))
      .map((index) => ({ ProductKey: PRODUCT_KEY, DeviceName: deviceName(index) }));
    const first = await startTest({ devices: known });
    await startWorkers(NO_AUTOPAUSE);
    const file = join(dir, 'retry.csv');
    writeSimpleCampaign(file, rows);
    const submitted = await runCli(['submit', file, '--name', 'retry', '--wait'], env(NO_AUTOPAUSE));
    expect(submitted.code, submitted.stderr).toBe(1);
    expect(await store().require('retry')).toMatchObject({ state: 'finished', failed: 10, sent: 20 });
    const failedLines = (await reportOf('retry')).filter((line) => line.status === 'failed');
    expect(failedLines.map((line) => line.row)).toEqual(['1', '4', '7', '10', '13', '16', '19', '22', '25', '28']);
    const firstIds = messageIdByTopic(first.stats.calls());
    await stopWorkers();
    await first.close();
    const second = await startCloud({});
    await startWorkers(NO_AUTOPAUSE);

    const result = await runCli(['retry-failed', 'retry', '--json'], env());

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'retry', requeued: 10, retry: 1, chunks: 1 });
    const after = await waitForCampaign('retry', (record) => finished(record) && record.done === rows, 20_000);
    expect(after).toMatchObject({ state: 'finished', failed: 0, sent: rows, done: rows });
    const retriedTopics = Array.from({ length: rows }, (_, index) => index).filter(missing).map(simpleTopic);
    expect(second.stats.calls().map((call) => call.topic).sort()).toEqual([...retriedTopics].sort());
    const secondIds = messageIdByTopic(second.stats.calls());
    const lines = await reportOf('retry');
    expect(lines).toHaveLength(rows);
    lines.forEach((line, index) => {
      expect(line.status).toBe('sent');
      expect(line.topic).toBe(simpleTopic(index));
      expect(line.MessageId).toMatch(/^\d+$/);
      expect(line.MessageId).toBe((missing(index) ? secondIds : firstIds).get(line.topic));
    });
  });

  it('a --cron schedule fires on the cluster: its campaign is sent in full by the workers, and schedules lists it', async () => {
    const rows = 12;
    const everyTwoSeconds = '*/2 * * * * *';
    const cloud = await startTest({});
    await startWorkers();
    const file = join(dir, 'tick.csv');
    writeSimpleCampaign(file, rows);

    const submitted = await runCli(['submit', file, '--cron', everyTwoSeconds, '--tz', 'UTC', '--name', 'tick'], env());

    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toMatch(/^schedule tick: "\*\/2 \* \* \* \* \*" in UTC; next run /);
    const fired = await waitForFirstCampaign('tick', 15_000);
    expect(fired.id).toMatch(/^tick-\d{8}-\d{6}$/);
    const sent = await waitForCampaign(fired.id, finished, 15_000);
    expect(sent).toMatchObject({ state: 'finished', sent: rows, failed: 0, rows, done: rows, source: file });
    const topics = new Set(cloud.stats.calls().filter((call) => call.code === 'OK').map((call) => call.topic));
    expect([...topics].sort()).toEqual(Array.from({ length: rows }, (_, index) => simpleTopic(index)).sort());
    expect((await reportOf(fired.id)).map((line) => line.status)).toEqual(Array<string>(rows).fill('sent'));

    const listed = await runCli(['schedules', '--json'], env());
    expect(listed.code, listed.stderr).toBe(0);
    const schedules = (JSON.parse(listed.stdout) as { schedules: Array<Record<string, unknown>> }).schedules;
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({ name: 'tick', pattern: everyTwoSeconds, timeZone: 'UTC', file });
    expect(schedules[0]?.lastRun).toMatchObject({ rows, error: null });
    const removed = await runCli(['unschedule', 'tick'], env());
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('schedule tick removed');
  });

  async function waitForFirstCampaign(name: string, timeoutMs: number): Promise<CampaignRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [first] = (await store().list()).filter((record) => record.id.startsWith(`${name}-`));
      if (first !== undefined) return first;
      if (Date.now() > deadline) throw new Error(`schedule ${name} made no campaign within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
});
