import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

/** Helpers for redis-server processes started on loopback ports (a cluster here, Sentinel setups in the tests). */

export async function waitForPing(port: number): Promise<void> {
  await until(async () => (await withClient(port, (redis) => redis.ping())) === 'PONG', 10_000, `redis-server on ${port}`);
}

export async function withClient<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGTERM, then SIGKILL after 3 s; gives up waiting 2 s later, so that stop() never hangs. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const forceKill = setTimeout(() => child.kill('SIGKILL'), 3_000);
    const giveUp = setTimeout(done, 5_000);
    function done(): void {
      clearTimeout(forceKill);
      clearTimeout(giveUp);
      resolve();
    }
    child.once('exit', done);
    child.kill('SIGTERM');
  });
}
