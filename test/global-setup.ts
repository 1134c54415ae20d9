import { ensureRedis } from '../src/redis/ensure-redis.js';

/**
 * Makes sure a Redis answers for the suite: REDIS_URL (default 127.0.0.1:6379), or a private redis-server
 * started on a free port and stopped at the end.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const redis = await ensureRedis({ kind: 'node', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  if (redis.target.kind === 'node') process.env.REDIS_URL = redis.target.url;
  return async () => {
    await redis.privateServer?.stop();
  };
}
