import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deletePrefix, prefixPatterns } from '../../src/redis/delete-prefix.js';

export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key prefix of its own for one test, so tests never see each other's queues, campaigns or limiters. */
export function uniquePrefix(): string {
  return `fctest-${randomBytes(5).toString('hex')}`;
}

export function testRedis(): Redis {
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  return redis;
}

/** Every key a test made: fleetcast's own and the limiters' (see prefixPatterns). */
export async function keysOf(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const pattern of prefixPatterns(prefix)) {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}

export async function cleanupPrefix(redis: Redis, prefix: string): Promise<void> {
  await deletePrefix(redis, prefix);
}
