import { Redis, type RedisOptions } from 'ioredis';
import { redacted } from '../config/config.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { processErrorLog, type ErrorLog } from '../log/throttled-log.js';

/** Options every fleetcast Redis client shares; BullMQ needs `maxRetriesPerRequest: null` on blocking clients. */
const BASE_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: null,
  enableAutoPipelining: true,
  lazyConnect: true,
};

export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { ...BASE_OPTIONS, ...options });
}

/**
 * Connects and pings within `timeoutMs`, or fails with exit code 3 and a message that says how to get Redis.
 * The client returned reconnects by itself; the errors it meets on the way go to `errors`.
 */
export async function connectRedis(url: string, timeoutMs = 3000, options: RedisOptions = {}, errors: ErrorLog = processErrorLog): Promise<Redis> {
  const redis = createRedis(url, { ...options, retryStrategy: () => null, connectTimeout: timeoutMs });
  // The probe's own errors are not logged: its failure is thrown as FC_REDIS_UNREACHABLE below.
  redis.on('error', () => undefined);
  try {
    await withTimeout(redis.connect().then(() => redis.ping()), timeoutMs);
  } catch (error) {
    redis.disconnect();
    throw redisUnreachable(url, error);
  }
  redis.disconnect();
  const client = createRedis(url, options);
  client.on('error', (error) => errors.report('redis connection', 'main connection', error));
  await client.connect();
  return client;
}

export function redisUnreachable(url: string, cause: unknown): FleetcastError {
  return new FleetcastError(
    'FC_REDIS_UNREACHABLE',
    `Redis does not answer at ${redacted(url)}. Start one (apt-get install redis-server, brew install redis, ` +
      'or docker compose up -d redis) or point REDIS_URL at yours.',
    { cause },
  );
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
