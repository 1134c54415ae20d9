import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type FleetcastConfig } from '../config/config.js';
import { startEmulator } from '../emulator/index.js';
import { recordIngestRows } from '../metrics/ingest.js';
import { CampaignStore } from '../queue/campaign-store.js';
import { submitCampaign } from '../queue/producer.js';
import { connectRedis } from '../redis/connection.js';
import { deletePrefix } from '../redis/delete-prefix.js';
import { ensureRedis } from '../redis/ensure-redis.js';
import { runWorker } from '../worker/run-worker.js';
import { demoDevices, writeDemoCampaign } from './demo-campaign.js';
import { connectFleet, waitFor } from './fleet.js';

/** Where the demo keeps its keys unless FLEETCAST_PREFIX says otherwise; removed when it ends. */
const DEMO_PREFIX = 'fleetcast-demo';

export interface DemoOptions {
  /** Simulated devices, one campaign row each. @defaultValue 2000 */
  readonly devices: number;
  readonly log: (line: string) => void;
}

export interface DemoSummary {
  readonly campaign: string;
  readonly rows: number;
  readonly sent: number;
  readonly failed: number;
  readonly received: number;
  readonly seconds: number;
  readonly ratePerSec: number;
  readonly cap: number;
  readonly redis: 'configured' | 'private';
}

/**
 * The whole pipeline on one machine: the emulator with its embedded MQTT broker, a fleet of simulated devices
 * subscribed to their topics, a worker, and a generated firmware-notice campaign.
 */
export async function runDemo(baseConfig: FleetcastConfig, options: DemoOptions): Promise<DemoSummary> {
  const cleanups: Array<() => Promise<void>> = [];
  const dir = mkdtempSync(join(tmpdir(), 'fleetcast-demo-'));
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  try {
    const redis = await ensureRedis(baseConfig.redisUrl);
    if (redis.privateServer !== undefined) {
      options.log(`no Redis at ${baseConfig.redisUrl}: started a private redis-server at ${redis.url}`);
      cleanups.push(() => redis.privateServer?.stop() ?? Promise.resolve());
    } else if (process.env.FLEETCAST_PREFIX === undefined) {
      // The demo's own prefix in a Redis that stays: leave nothing behind (runs after the worker has stopped).
      cleanups.push(() => deleteDemoKeys(redis.url));
    }
    const accessKeyId = 'fleetcast-demo';
    const accessKeySecret = randomBytes(18).toString('base64url');
    const emulator = await startEmulator({ port: 0, qps: 1600, accessKeys: [{ accessKeyId, accessKeySecret }], mqttPort: 0 });
    cleanups.push(() => emulator.close());
    const mqttUrl = emulator.mqttUrl ?? '';
    options.log(`emulator at ${emulator.url}, MQTT broker at ${mqttUrl}`);

    const devices = demoDevices(options.devices);
    const fleet = await connectFleet(mqttUrl, devices);
    cleanups.push(() => fleet.close());
    options.log(`${devices.length} devices connected and subscribed`);

    const config = demoConfig(redis.url, emulator.url, accessKeyId, accessKeySecret);
    const worker = await runWorker(config, { concurrency: 8, metricsPort: undefined, metricsHost: '127.0.0.1' }, options.log);
    cleanups.push(() => worker.stop());

    const file = join(dir, 'firmware-notice.csv');
    await writeDemoCampaign(file, devices);
    const client = await connectRedis(config.redisUrl);
    cleanups.push(() => client.quit().then(() => undefined));
    const started = performance.now();
    const submitted = await submitCampaign(client, config.prefix, {
      file,
      name: `demo-${Date.now()}`,
      onAccepted: (rows) => recordIngestRows(client, config.prefix, rows),
    });
    options.log(`campaign ${submitted.id}: ${submitted.rows} rows queued`);
    const store = new CampaignStore(client, config.prefix);
    const record = await waitForCampaign(store, submitted.id);
    await waitFor(() => fleet.received >= record.sent, 10_000);
    const seconds = (performance.now() - started) / 1000;
    return {
      campaign: submitted.id,
      rows: record.rows,
      sent: record.sent,
      failed: record.failed,
      received: fleet.received,
      seconds: Math.round(seconds * 100) / 100,
      ratePerSec: Math.round(record.sent / seconds),
      cap: config.rate,
      redis: redis.privateServer === undefined ? 'configured' : 'private',
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

async function deleteDemoKeys(redisUrl: string): Promise<void> {
  const client = await connectRedis(redisUrl);
  try {
    await deletePrefix(client, DEMO_PREFIX);
  } finally {
    await client.quit();
  }
}

function demoConfig(redisUrl: string, endpoint: string, accessKeyId: string, accessKeySecret: string): FleetcastConfig {
  return loadConfig({
    ...process.env,
    REDIS_URL: redisUrl,
    FLEETCAST_PREFIX: process.env.FLEETCAST_PREFIX ?? DEMO_PREFIX,
    FLEETCAST_ENDPOINT: endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret,
  });
}

async function waitForCampaign(store: CampaignStore, id: string): Promise<Awaited<ReturnType<CampaignStore['require']>>> {
  for (;;) {
    const record = await store.require(id);
    if (record.state === 'finished' || record.state === 'cancelled' || (record.state === 'paused' && record.pausedReason !== undefined)) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
