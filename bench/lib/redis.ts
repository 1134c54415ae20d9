import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { RedisClient } from '../../src/redis/client.js';
import { freePort } from '../../src/redis/private-redis.js';
import { spawnChild, until, type Child } from './proc.js';

/** The Redis the bench runs against: a private redis-server when one is on the PATH, else REDIS_URL. */
export interface BenchRedis {
  readonly url: string;
  readonly client: Redis;
  /** True when the bench started this Redis for itself (no other load on it). */
  readonly private: boolean;
  readonly version: string;
  close(): Promise<void>;
}

/** The Redis a dispatch run points fleetcast at: the bench's single node, or a Redis Cluster. */
export interface DispatchTarget {
  /** Environment that points fleetcast's processes at it. */
  readonly env: Readonly<Record<string, string>>;
  /** A client of it, for the campaign's counters and for deleting the run's keys. */
  readonly client: RedisClient;
  /** CPU time used so far by every redis-server of it, µs. */
  cpuUs(): Promise<number>;
}

/** The bench's single node as a dispatch target (REDIS_URL). */
export function singleNodeTarget(redis: BenchRedis): DispatchTarget {
  return { env: { REDIS_URL: redis.url }, client: redis.client, cpuUs: () => redisCpuUs(redis.client) };
}

export async function openRedis(): Promise<BenchRedis> {
  const fromEnv = process.env.REDIS_URL;
  const server = fromEnv === undefined ? await startPrivateRedis() : undefined;
  const url = fromEnv ?? `redis://127.0.0.1:${server?.port ?? 6379}`;
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  client.on('error', () => undefined);
  await until(async () => client.connect().then(() => true, () => false), 10_000, `Redis at ${url}`, 100);
  const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
  return {
    url,
    client,
    private: server !== undefined,
    version,
    close: async () => {
      await client.quit().catch(() => client.disconnect());
      await server?.child.stop(5_000);
    },
  };
}

async function startPrivateRedis(): Promise<{ child: Child; port: number } | undefined> {
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server'].find((path) => existsSync(path));
  if (binary === undefined) return undefined;
  const port = await freePort();
  const child = spawnChild(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
  await child.waitFor(/Ready to accept connections/, 10_000);
  return { child, port };
}

export { freePort };

/** A fresh key prefix for one run. */
export function benchPrefix(): string {
  return `fcbench-${randomBytes(5).toString('hex')}`;
}

/** CPU time Redis has used so far (used_cpu_sys + used_cpu_user), in µs. */
export async function redisCpuUs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_sys') + field('used_cpu_user')) * 1_000_000;
}

/** Bytes of memory Redis holds for data and overhead (`used_memory`). */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
}
