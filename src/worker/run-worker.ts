import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { RedisClient } from '../redis/client.js';
import { requireCredentials, type FleetcastConfig } from '../config/config.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { accountIdOf } from '../limiter/account-id.js';
import { AccountLimiter } from '../limiter/account-limiter.js';
import { accountKeys, batchPubKeys, forgetWorker, presenceField } from '../limiter/shared-cap.js';
import { ThrottledLog } from '../log/throttled-log.js';
import { registerCollectors } from '../metrics/collectors.js';
import { createMetrics, type FleetcastMetrics } from '../metrics/metrics.js';
import { PubClient } from '../pub/pub-client.js';
import { refuseOldLayout } from '../queue/key-migration.js';
import { campaignKeys } from '../queue/keys.js';
import { connectRedis } from '../redis/connection.js';
import { startScheduleRunner } from '../scheduler/schedule-runner.js';
import { startMetricsServer } from './metrics-server.js';
import { lazyQueueUi } from './lazy-queue-ui.js';
import { QUEUE_UI_PATH, queueUiAuthFrom } from './queue-ui-auth.js';
import type { RowApi } from '../queue/outcome.js';
import { startApiLimiter } from './api-limiter.js';
import type { WorkerOptions } from './worker-options.js';

/**
 * A campaign's own rate is kept further below its cap than the account's: its calls also wait for account tokens,
 * which can bunch them slightly. At the low rates of a ramp's first steps a few calls bunched by a pause of the
 * endpoint are a larger share of the second: 8 calls kept in hand held every sliding second under each step of a
 * 50 → 1,600/s ramp, where 4 let one second of a 200/s step count 203 (test/dispatch/ramp.test.ts).
 */
const CAMPAIGN_RATE_GUARD = 0.02;
const CAMPAIGN_MIN_GUARD_CALLS = 8;

/**
 * A BatchPub token may be used this late: at 50 calls/s its spacing is 20 ms and the limiter keeps at least 4 calls
 * a second unused (80 ms), so a call 40 ms late cannot push a sliding second past the cap, while a token dropped
 * after 4 ms (Pub's setting, for 1,600 calls/s) would lose a pack of 100 deliveries to a short pause of the worker.
 */
const BATCH_PUB_MAX_LATE_MS = 40;

/** A running worker process: stop() drains it. */
export interface RunningWorker {
  readonly metrics: FleetcastMetrics;
  readonly metricsPort: number | undefined;
  /** The account's shared cap this worker follows now (calls/s). */
  readonly cap: () => number;
  stop(): Promise<void>;
}

export async function runWorker(config: FleetcastConfig, options: WorkerOptions, log: (line: string) => void): Promise<RunningWorker> {
  const credentials = requireCredentials(config);
  const uiAuth = options.metricsPort === undefined ? undefined : queueUiAuthFrom(process.env, options.metricsHost);
  // Errors the worker recovers from by itself (Redis gone for a while, a failed poll): once a kind and minute.
  const errors = new ThrottledLog(log);
  const redis = await connectRedis(config.redis, undefined, undefined, errors);
  await refuseOldLayout(redis, config.prefix).catch(async (error: unknown) => {
    await quit(redis);
    throw error;
  });
  const metrics = createMetrics();
  const accountId = accountIdOf(credentials.accessKeyId);
  const keys = accountKeys(config.prefix, accountId);
  const presence = { host: hostname(), pid: process.pid, startedWith: config.rate };
  const common = { adaptive: config.adaptive, guard: config.guard, presence, errors, log, ...(options.onIdleGap === undefined ? {} : { onIdleGap: options.onIdleGap }) };
  const pub = await startApiLimiter(redis, {
    ...common,
    keys,
    name: accountId,
    label: 'account limiter',
    seed: config.rate,
    onChange: (rate, cap, guard) => {
      metrics.limiterCap.set(cap);
      metrics.limiterRate.set(rate);
      metrics.limiterGuard.set(guard);
    },
  });
  if (pub.stored !== config.rate) log(capDisagreement(config.rate, pub.stored));
  const batchPub = await startApiLimiter(redis, {
    ...common,
    keys: batchPubKeys(config.prefix, accountId),
    name: `${accountId}-batchpub`,
    label: 'account BatchPub limiter',
    seed: config.batchPubRate,
    maxLateMs: BATCH_PUB_MAX_LATE_MS,
  });
  const { limiter, shared: sharedRate } = pub;
  const client = new PubClient({
    endpoint: config.endpoint,
    regionId: config.regionId,
    ...credentials,
    signature: config.signature,
    timeoutMs: config.timeoutMs,
    ...(config.debug ? { onFailure: (refusal, detail) => log(`debug: Pub failed: ${refusal.code}: ${refusal.message}\n    ${detail}`) } : {}),
  });
  const dispatcher = new Dispatcher({
    redis,
    prefix: config.prefix,
    limiter,
    batchPubLimiter: batchPub.limiter,
    limiterFor: (id, rate, grantSize) => new AccountLimiter({ redis, redisId: campaignKeys(config.prefix, id).limiterId, name: `campaign-${id}`, rate, grantSize, guard: CAMPAIGN_RATE_GUARD, minGuardCalls: CAMPAIGN_MIN_GUARD_CALLS, errors }),
    accountCap: () => sharedRate.cap,
    client,
    metrics,
    iotInstanceId: config.iotInstanceId,
    concurrency: options.concurrency,
    workerName: presenceField(presence),
    abort: { failureRatio: config.abortFailureRatio, minimumRows: config.abortMinimumRows },
    onError: (error) => log(`queue: ${error.message}`),
    errors,
    ...(config.adaptive
      ? {
          onThrottled: (api: RowApi) => (api === 'Pub' ? sharedRate : batchPub.shared).onThrottled(),
          onAnswered: (api: RowApi) => (api === 'Pub' ? sharedRate : batchPub.shared).onAnswered(),
        }
      : {}),
  });
  await dispatcher.start();
  const schedules = startScheduleRunner(redis, config.prefix, log, errors);
  const collectors = registerCollectors(metrics, { redis, prefix: config.prefix, limiter, accountCap: () => sharedRate.cap, onError: (error) => log(`metrics: ${error.message}`) });
  const ui = options.metricsPort === undefined ? undefined : lazyQueueUi(redis, config.prefix, uiAuth, log, errors);
  const mounted = ui === undefined ? undefined : { path: QUEUE_UI_PATH, handle: ui.handle };
  const server = options.metricsPort === undefined ? undefined : await startMetricsServer(metrics.registry, options.metricsPort, options.metricsHost, mounted);
  return {
    metrics,
    metricsPort: listeningPort(server),
    cap: () => sharedRate.cap,
    stop: async () => {
      await schedules.close();
      await dispatcher.stop();
      await pub.close();
      await batchPub.close();
      await closeServer(server);
      await ui?.close();
      await collectors.close();
      await forgetWorker(redis, keys, presence).catch(() => undefined);
      await forgetWorker(redis, batchPubKeys(config.prefix, accountId), presence).catch(() => undefined);
      await quit(redis);
    },
  };
}

/** Logged at start by a worker whose `FLEETCAST_RATE` is not the account's stored cap. */
function capDisagreement(startedWith: number, stored: number): string {
  return `FLEETCAST_RATE=${startedWith} differs from the account's shared cap of ${stored} calls/s stored in Redis: following ${stored} calls/s, as every worker of the account does (change it with: fleetcast cap --set QPS)`;
}

function listeningPort(server: Server | undefined): number | undefined {
  const address = server?.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}

async function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function quit(redis: RedisClient): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
