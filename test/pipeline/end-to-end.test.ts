import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startEmulatorProcess } from '../../bench/lib/emulator.js';
import { runCli, startWorkerProcess, type WorkerProcess } from '../helpers/cli.js';
import { cleanupPrefix, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';
import { maxInWindow } from '../../src/limiter/sliding-window.js';
import { closeAll, subscribe, until, type Subscriber } from '../helpers/subscribers.js';
import { expectEachDeviceGotItsMessage, expectSentReportLines, parseCsv, writeAwkwardCampaign } from './fixtures.js';

const SECRET = 'pipeline-secret-7f3a91';

describe('a campaign file becomes messages on devices', () => {
  let redis: Redis;
  let dir: string;
  let emulator: RunningEmulator | undefined;
  let workers: WorkerProcess[] = [];
  let subscribers: Subscriber[] = [];
  let prefix = '';

  beforeAll(() => {
    redis = testRedis();
    dir = mkdtempSync(join(tmpdir(), 'fleetcast-e2e-'));
  });
  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    workers = [];
    await closeAll(subscribers);
    subscribers = [];
    await emulator?.close();
    emulator = undefined;
    await cleanupPrefix(redis, prefix);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await redis.quit();
  });

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      REDIS_URL: redisUrl(),
      FLEETCAST_PREFIX: prefix,
      FLEETCAST_ENDPOINT: emulator?.url ?? '',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'pipeline',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
      ...extra,
    };
  }

  it('2,000 awkward rows through two workers reach every device exactly, with the exact MessageIds', async () => {
    prefix = uniquePrefix();
    emulator = await startEmulator({ port: 0, qps: 1600, mqttPort: 0, accessKeys: [{ accessKeyId: 'pipeline', accessKeySecret: SECRET }] });
    const file = join(dir, 'awkward.csv');
    const expected = writeAwkwardCampaign(file, 2000);
    const subscribeAll = async (): Promise<void> => {
      for (let start = 0; start < expected.length; start += 250) {
        const batch = expected.slice(start, start + 250);
        subscribers.push(...(await Promise.all(batch.map((row) => subscribe(emulator?.mqttUrl ?? '', `${prefix}-${row.deviceName}`, row.topic)))));
      }
    };
    // Independent: the workers start while the devices subscribe; nothing is sent before the submit below.
    [workers] = await Promise.all([Promise.all([startWorkerProcess(env()), startWorkerProcess(env())]), subscribeAll()]);
    const report = join(dir, 'awkward.report.csv');

    const result = await runCli(['submit', file, '--name', 'awkward', '--wait', '--report', report, '--json'], env());

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await until(() => subscribers.every((subscriber) => subscriber.messages.length >= 1), 15_000, 'every device to receive');
    expectEachDeviceGotItsMessage(subscribers, expected);

    const calls = emulator.stats.calls().filter((call) => call.action === 'Pub');
    expect(calls.filter((call) => call.code !== 'OK')).toEqual([]);
    expect(calls).toHaveLength(2000);
    expect(maxInWindow(calls.map((call) => call.t))).toBeLessThanOrEqual(1600);
    const idByTopic = new Map(calls.map((call) => [call.topic, call.messageId]));
    const lines = parseCsv(readFileSync(report, 'utf8'));
    expect(lines).toHaveLength(2000);
    expectSentReportLines(lines, expected, idByTopic);
    expect(readFileSync(report, 'utf8')).not.toContain(SECRET);
  });

  it('holds every sliding second to a low cap across two workers', async () => {
    prefix = uniquePrefix();
    // In a process of its own: an emulator in this busy process is descheduled for milliseconds at a time and then
    // stamps the calls that waited as if they came at once.
    const endpoint = await startEmulatorProcess([{ id: 'pipeline', secret: SECRET }], { qps: 100_000, latencyMs: 0, faults: false });
    try {
      const file = join(dir, 'low-cap.csv');
      writeAwkwardCampaign(file, 700);
      const lowCap = env({ FLEETCAST_RATE: '200', FLEETCAST_ENDPOINT: endpoint.url });
      workers = await Promise.all([startWorkerProcess(lowCap), startWorkerProcess(lowCap)]);

      const result = await runCli(['submit', file, '--name', 'low-cap', '--wait'], lowCap);

      expect(result.code).toBe(0);
      const times = (await endpoint.calls()).map((call) => call.t);
      expect(times).toHaveLength(700);
      expect(maxInWindow(times)).toBeLessThanOrEqual(200);
      expect(maxInWindow(times)).toBeGreaterThanOrEqual(180);
    } finally {
      await endpoint.stop();
    }
  });

  it('pauses the campaign on a wrong secret instead of failing its rows, and never shows the secret', async () => {
    prefix = uniquePrefix();
    emulator = await startEmulator({ port: 0, mqtt: false, accessKeys: [{ accessKeyId: 'pipeline', accessKeySecret: 'the-right-one' }] });
    const file = join(dir, 'wrong-secret.csv');
    writeAwkwardCampaign(file, 50);
    workers = [await startWorkerProcess(env())];

    const result = await runCli(['submit', file, '--name', 'wrong-secret', '--wait', '--json'], env());

    expect(result.code).toBe(1);
    const status = await runCli(['status', 'wrong-secret', '--json'], env());
    const view = (JSON.parse(status.stdout) as { campaigns: Array<Record<string, unknown>> }).campaigns[0];
    expect(view?.state).toBe('paused');
    expect(String(view?.pausedReason)).toContain('SignatureDoesNotMatch');
    expect(view?.failed).toBe(0);
    expect(view?.sent).toBe(0);
    const everything = `${result.stdout}${result.stderr}${status.stdout}${workers[0]?.output() ?? ''}${JSON.stringify(await dumpPrefix(redis, prefix))}`;
    expect(everything).not.toContain(SECRET);
  });

  it('does not send a campaign twice when the same file is submitted again under the same name', async () => {
    prefix = uniquePrefix();
    emulator = await startEmulator({ port: 0, mqtt: false, accessKeys: [{ accessKeyId: 'pipeline', accessKeySecret: SECRET }] });
    const file = join(dir, 'twice.csv');
    writeAwkwardCampaign(file, 120);
    workers = [await startWorkerProcess(env())];

    const first = await runCli(['submit', file, '--name', 'twice', '--wait'], env());
    const second = await runCli(['submit', file, '--name', 'twice', '--wait', '--json'], env());

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('"alreadySubmitted":true');
    expect(emulator.stats.calls()).toHaveLength(120);
  });
});

async function dumpPrefix(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys = await redis.keys(`${prefix}*`);
  const dump: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    dump[key] = type === 'hash' ? await redis.hgetall(key) : type === 'string' ? await redis.get(key) : type;
  }
  return dump;
}
