import { afterEach, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../../src/redis/private-redis.js';
import { Harness } from '../helpers/harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lines a worker wrote after `from` characters of its output. */
const linesAfter = (output: string, from: number): string[] => output.slice(from).split('\n').filter((line) => line !== '');

describe('a worker whose Redis goes away', () => {
  let h: Harness | undefined;
  let redis: PrivateRedis | undefined;
  afterEach(async () => {
    await h?.close();
    await redis?.stop();
  });

  it('logs the lost connection within seconds, once, not a flood', async () => {
    redis = await startPrivateRedis();
    h = new Harness();
    h.redisUrl = redis.url;
    await h.startEmulator();
    const [worker] = await h.startWorkers(1);
    if (worker === undefined) throw new Error('no worker started');
    const before = worker.output().length;

    await redis.stop();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !linesAfter(worker.output(), before).some((line) => line.includes('redis connection'))) await sleep(50);
    const first = linesAfter(worker.output(), before);
    expect(first.join('\n')).toMatch(/^\S+Z redis connection \([^)]+\): .*ECONNREFUSED 127\.0\.0\.1:\d+/m);

    // ioredis meets a refused connection on every reconnect attempt (up to every 2 s), on each of its clients.
    await sleep(6_000);
    const lines = linesAfter(worker.output(), before);
    expect(lines.filter((line) => line.includes('redis connection'))).toHaveLength(1);
    // Each kind (the connection, the schedule worker repeating it) once: a handful of lines, not one per attempt.
    const kinds = lines.map((line) => line.replace(/^\S+ /, '').replace(/ \(.*$/, ''));
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(worker.child.exitCode).toBeNull();
    // Draining needs Redis; this worker has none left to drain to.
    worker.child.kill('SIGKILL');
  });
});
