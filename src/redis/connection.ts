import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { describeRedisTarget, type RedisAddress, type RedisTarget } from '../config/redis-target.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { processErrorLog, type ErrorLog } from '../log/throttled-log.js';
import type { RedisClient } from './client.js';

/** Options every fleetcast Redis client shares; BullMQ needs `maxRetriesPerRequest: null` on blocking clients. */
const BASE_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: null,
  enableAutoPipelining: true,
  lazyConnect: true,
};

/**
 * A client of the target: one node, the primary Sentinel names (the client asks the sentinels again after a
 * failover), or a Redis Cluster (it follows the slots as masters fail over). Its duplicates (BullMQ's and
 * Bottleneck's connections) do the same.
 */
export function createRedis(target: RedisTarget | string, options: RedisOptions = {}): RedisClient {
  const where = typeof target === 'string' ? ({ kind: 'node', url: target } as const) : target;
  if (where.kind === 'node') return new Redis(where.url, { ...BASE_OPTIONS, ...options });
  if (where.kind === 'sentinel') return new Redis({ ...sentinelOptions(where), ...BASE_OPTIONS, ...options });
  return new Cluster(
    where.nodes.map((address) => ({ host: address.host, port: address.port })),
    clusterOptions(where, options),
  );
}

/**
 * A master's failover takes a few seconds (the cluster's node timeout, then the replica's election): commands meant
 * for its slots wait and are sent again meanwhile, for up to ~30 s, instead of failing after ioredis's default
 * 16 redirections 100 ms apart. Entries may carry credentials and `rediss://` (TLS), as for Sentinel.
 */
function clusterOptions(target: Extract<RedisTarget, { kind: 'cluster' }>, options: RedisOptions): ClusterOptions {
  const { enableAutoPipelining, lazyConnect, retryStrategy, ...perNode } = { ...BASE_OPTIONS, ...options };
  const credentials = target.nodes.find((address) => address.password !== undefined || address.username !== undefined);
  const tls = target.nodes.some((address) => address.tls);
  return {
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    clusterRetryStrategy: retryStrategy === undefined ? (times: number) => Math.min(1000, 100 * times) : retryStrategy,
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    maxRedirections: 100,
    redisOptions: {
      ...perNode,
      ...(credentials?.username === undefined ? {} : { username: credentials.username }),
      ...(credentials?.password === undefined ? {} : { password: credentials.password.reveal() }),
      ...(tls ? { tls: {} } : {}),
    },
  };
}

/**
 * Sentinel entries may carry the primary's credentials (`redis://user:pass@sentinel:26379`); `rediss://` entries turn
 * TLS on for the sentinels and the primary alike.
 */
function sentinelOptions(target: Extract<RedisTarget, { kind: 'sentinel' }>): RedisOptions {
  const credentials = target.sentinels.find((address) => address.password !== undefined || address.username !== undefined);
  const tls = target.sentinels.some((address) => address.tls);
  return {
    sentinels: target.sentinels.map((address: RedisAddress) => ({ host: address.host, port: address.port })),
    name: target.name,
    ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword.reveal() }),
    ...(credentials?.username === undefined ? {} : { username: credentials.username }),
    ...(credentials?.password === undefined ? {} : { password: credentials.password.reveal() }),
    ...(tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    // A failover takes a few seconds: keep asking the sentinels, never give up on the first round.
    sentinelRetryStrategy: (times: number) => Math.min(1000, 100 * times),
  };
}

/**
 * Connects and pings within `timeoutMs`, or fails with exit code 3 and a message that says how to get Redis.
 * The client returned reconnects by itself; the errors it meets on the way go to `errors`.
 */
export async function connectRedis(target: RedisTarget | string, timeoutMs = 3000, options: RedisOptions = {}, errors: ErrorLog = processErrorLog): Promise<RedisClient> {
  // A refused probe leaves ioredis's disconnect timer (2 s by default) holding the process open: keep it short.
  const redis = createRedis(target, { ...options, retryStrategy: () => null, connectTimeout: timeoutMs, sentinelRetryStrategy: () => null, disconnectTimeout: 50 });
  // The probe's own errors are not logged: its failure is thrown as FC_REDIS_UNREACHABLE below.
  redis.on('error', () => undefined);
  try {
    await withTimeout(redis.connect().then(() => redis.ping()), timeoutMs);
  } catch (error) {
    redis.disconnect();
    throw redisUnreachable(target, error);
  }
  redis.disconnect();
  const client = createRedis(target, options);
  client.on('error', (error) => errors.report('redis connection', 'main connection', error));
  await client.connect();
  return client;
}

export function redisUnreachable(target: RedisTarget | string, cause: unknown): FleetcastError {
  const where = typeof target === 'string' ? ({ kind: 'node', url: target } as const) : target;
  const how = {
    node: 'Start one (apt-get install redis-server, brew install redis, or docker compose up -d redis) or point REDIS_URL at yours.',
    sentinel: 'Check that the sentinels answer and monitor that master name (SENTINEL get-master-addr-by-name), and that its primary is up.',
    cluster: 'Check that at least one of REDIS_CLUSTER_NODES answers and that CLUSTER INFO says cluster_state:ok.',
  }[where.kind];
  return new FleetcastError('FC_REDIS_UNREACHABLE', `Redis does not answer at ${describeRedisTarget(where)}. ${how}`, { cause });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
