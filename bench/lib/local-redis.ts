import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

/** Helpers for redis-server processes started on loopback ports (a cluster here, Sentinel setups in the tests). */

export async function waitForPing(port: number): Promise<void> {
  await until(async () => (await withClient(port, (redis) => redis.ping())) === 'PONG', 10_000, `redis-server on ${port}`);
}

/**
 * Waits until the redis-server started as `child` answers on `port`. Another test's server may answer there when
 * both were given the same free port at once (this one then fails to listen): that is an error, never a success.
 */
export async function waitForOwnServer(port: number, child: ChildProcess): Promise<void> {
  const pidLine = `process_id:${child.pid ?? -1}\r\n`;
  await until(
    async () => {
      if (child.exitCode !== null) throw new PortTakenError(port);
      const info = await withClient(port, (redis) => redis.info('server'));
      if (!info.includes(pidLine)) throw new PortTakenError(port);
      return true;
    },
    10_000,
    `redis-server on ${port}`,
    (error) => error instanceof PortTakenError,
  );
}

/** The port given to a redis-server is served by another process. */
export class PortTakenError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is served by another redis-server`);
  }
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

/** Polls `check` every 100 ms until it is true; an error `fatal` accepts ends the wait with that error. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, fatal: (error: unknown) => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await check().catch((error: unknown) => {
      if (fatal(error)) throw error;
      return false;
    });
    if (done) return;
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
