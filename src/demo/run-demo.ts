import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type FleetcastConfig } from '../config/config.js';
import { describeRedisTarget, type RedisTarget } from '../config/redis-target.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { recordIngestRows } from '../metrics/ingest.js';
import { CampaignStore } from '../queue/campaign-store.js';
import { packPubShareOf } from '../queue/pack-chunks.js';
import { submitCampaign } from '../queue/producer.js';
import { connectRedis } from '../redis/connection.js';
import { deletePrefix } from '../redis/delete-prefix.js';
import { ensureRedis } from '../redis/ensure-redis.js';
import { runWorker } from '../worker/run-worker.js';
import { DEMO_PRODUCT_KEY, DEMO_SHARED_NOTICE, demoDevices, writeDemoCampaign } from './demo-campaign.js';
import { connectFleet, FleetConnectError, waitFor, type Fleet } from './fleet.js';
import { checkMemory, fleetError } from './machine-limits.js';
import type { ProgressLine } from './progress.js';

/** Where the demo keeps its keys unless FLEETCAST_PREFIX says otherwise; removed when it ends. */
const DEMO_PREFIX = 'fleetcast-demo';
/** How long messages still on their way to the devices may take once the campaign has finished. */
const DELIVERY_GRACE_MS = 30_000;

export interface DemoOptions {
  /** Simulated devices, one campaign row each. */
  readonly devices: number;
  /** An MQTT broker URL to use instead of the embedded one. */
  readonly mqtt?: string | undefined;
  /** Calls per second: the emulator's quota and the account cap of the limiter. @defaultValue 1600 */
  readonly rate?: number | undefined;
  /** One notice for every device, sent with `--pack` in BatchPub calls of up to 100 devices. @defaultValue false */
  readonly pack?: boolean;
  /** Device subscriptions per MQTT connection. @defaultValue 2000 */
  readonly devicesPerConnection?: number | undefined;
  readonly log: (line: string) => void;
  readonly progress: ProgressLine;
}

export interface DemoSummary {
  readonly campaign: string;
  readonly rows: number;
  readonly sent: number;
  readonly failed: number;
  readonly received: number;
  readonly duplicates: number;
  readonly misaddressed: number;
  readonly seconds: number;
  readonly ratePerSec: number;
  readonly cap: number;
  /** Rows sent in BatchPub packs (`--pack`); the others went by Pub. */
  readonly sentBatchPub: number;
  readonly devices: number;
  readonly connections: number;
  readonly reconnects: number;
  readonly broker: 'embedded' | 'external';
  readonly redis: 'configured' | 'private';
}

/**
 * The whole pipeline on one machine: the emulator with its embedded MQTT broker (or an external one), a fleet of
 * simulated devices subscribed to their topics over shared connections, a worker, and a generated firmware-notice campaign.
 */
export async function runDemo(baseConfig: FleetcastConfig, options: DemoOptions): Promise<DemoSummary> {
  const cleanups: Array<() => Promise<void>> = [];
  const dir = mkdtempSync(join(tmpdir(), 'fleetcast-demo-'));
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  const rate = options.rate ?? 1600;
  try {
    const redis = await ensureRedis(baseConfig.redis);
    if (redis.privateServer !== undefined) {
      options.log(`no Redis at ${describeRedisTarget(baseConfig.redis)}: started a private redis-server at ${redis.privateServer.url}`);
      cleanups.push(() => redis.privateServer?.stop() ?? Promise.resolve());
    } else if (process.env.FLEETCAST_PREFIX === undefined) {
      // The demo's own prefix in a Redis that stays: leave nothing behind (runs after the worker has stopped).
      cleanups.push(() => deleteDemoKeys(redis.target));
    }
    const accessKeyId = 'fleetcast-demo';
    const accessKeySecret = randomBytes(18).toString('base64url');
    const emulator = await startDemoEmulator(options.mqtt, rate, { accessKeyId, accessKeySecret });
    cleanups.push(() => emulator.close());
    const mqttUrl = emulator.mqttUrl ?? '';
    options.log(`emulator at ${emulator.url}, MQTT broker at ${mqttUrl}`);

    // On a broker shared with other runs, a product of its own keeps this run's devices apart from theirs.
    const runId = randomBytes(4).toString('hex');
    const devices = demoDevices(options.devices, options.mqtt === undefined ? DEMO_PRODUCT_KEY : `${DEMO_PRODUCT_KEY}${runId}`);
    const fleet = await connectDemoFleet(mqttUrl, devices, runId, options);
    cleanups.push(() => fleet.close());
    options.log(`${devices.length} devices connected and subscribed on ${fleet.connections} MQTT connections`);

    const config = demoConfig(redis.target, emulator.url, rate, accessKeyId, accessKeySecret);
    const worker = await runWorker(config, { concurrency: 8, metricsPort: undefined, metricsHost: '127.0.0.1' }, options.log);
    cleanups.push(() => worker.stop());

    const file = join(dir, 'firmware-notice.csv');
    const pack = options.pack === true;
    await writeDemoCampaign(file, devices, pack);
    const client = await connectRedis(config.redis);
    cleanups.push(() => client.quit().then(() => undefined));
    const started = performance.now();
    const submitted = await submitCampaign(client, config.prefix, {
      file,
      name: `demo-${Date.now()}`,
      pack,
      packPubShare: packPubShareOf(config),
      onAccepted: (rows) => recordIngestRows(client, config.prefix, rows),
    });
    options.log(`campaign ${submitted.id}: ${submitted.rows} rows queued`);
    const store = new CampaignStore(client, config.prefix);
    const showProgress = (sent: number): void => {
      const seconds = (performance.now() - started) / 1000;
      options.progress.update(`campaign: ${sent} of ${submitted.rows} sent, ${fleet.received} received by devices (${Math.round(sent / seconds)}/s)`);
    };
    const record = await waitForCampaign(store, submitted.id, showProgress);
    await waitFor(() => {
      showProgress(record.sent);
      return fleet.received >= record.sent;
    }, DELIVERY_GRACE_MS);
    options.progress.done();
    const seconds = (performance.now() - started) / 1000;
    return {
      campaign: submitted.id,
      rows: record.rows,
      sent: record.sent,
      failed: record.failed,
      received: fleet.received,
      duplicates: fleet.duplicates,
      misaddressed: fleet.misaddressed,
      seconds: Math.round(seconds * 100) / 100,
      ratePerSec: Math.round(record.sent / seconds),
      cap: config.rate,
      sentBatchPub: record.sentBatchPub,
      devices: devices.length,
      connections: fleet.connections,
      reconnects: fleet.reconnects,
      broker: options.mqtt === undefined ? 'embedded' : 'external',
      redis: redis.privateServer === undefined ? 'configured' : 'private',
    };
  } finally {
    options.progress.done();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

async function startDemoEmulator(mqtt: string | undefined, qps: number, key: { accessKeyId: string; accessKeySecret: string }): Promise<RunningEmulator> {
  try {
    // No call log: the demo never reads it, and at fleet scale it would hold a record per row.
    return await startEmulator({ port: 0, qps, accessKeys: [key], recordCalls: false, ...(mqtt === undefined ? { mqttPort: 0 } : { mqtt }) });
  } catch (error) {
    if (mqtt === undefined) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new FleetcastError('FC_MQTT_UNREACHABLE', `the MQTT broker at ${mqtt} does not answer: ${message}`, { cause: error });
  }
}

async function connectDemoFleet(url: string, devices: Parameters<typeof connectFleet>[0]['devices'], runId: string, options: DemoOptions): Promise<Fleet> {
  try {
    return await connectFleet({
      url,
      devices,
      devicesPerConnection: options.devicesPerConnection,
      clientIdPrefix: `fleetcast-demo-${runId}`,
      ...(options.pack === true ? { sharedNotice: DEMO_SHARED_NOTICE } : {}),
      onProgress: (subscribed, total, connections) => options.progress.update(`devices: ${subscribed} of ${total} connected and subscribed (${connections} MQTT connections)`),
      checkLimits: (subscribed) => checkMemory(subscribed, devices.length),
    });
  } catch (error) {
    if (error instanceof FleetConnectError) throw fleetError(error, devices.length, url);
    throw error;
  } finally {
    options.progress.done();
  }
}

async function deleteDemoKeys(target: RedisTarget): Promise<void> {
  const client = await connectRedis(target);
  try {
    await deletePrefix(client, DEMO_PREFIX);
  } finally {
    await client.quit();
  }
}

/** The demo's own configuration, on the Redis found (the configured one, or the private server). */
function demoConfig(redis: RedisTarget, endpoint: string, rate: number, accessKeyId: string, accessKeySecret: string): FleetcastConfig {
  const loaded = loadConfig({
    ...process.env,
    REDIS_URL: undefined,
    REDIS_SENTINELS: undefined,
    REDIS_CLUSTER_NODES: undefined,
    FLEETCAST_PREFIX: process.env.FLEETCAST_PREFIX ?? DEMO_PREFIX,
    FLEETCAST_ENDPOINT: endpoint,
    FLEETCAST_RATE: String(rate),
    ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret,
  });
  return { ...loaded, redis };
}

type CampaignRecord = Awaited<ReturnType<CampaignStore['require']>>;

async function waitForCampaign(store: CampaignStore, id: string, onProgress: (sent: number) => void): Promise<CampaignRecord> {
  for (;;) {
    const record = await store.require(id);
    onProgress(record.sent);
    if (record.state === 'finished' || record.state === 'cancelled' || (record.state === 'paused' && record.pausedReason !== undefined)) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
