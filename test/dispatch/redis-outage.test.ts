import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import { startPrivateRedis, type PrivateRedis } from '../../src/redis/private-redis.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { runCli } from '../helpers/cli.js';
import { Harness } from '../helpers/harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the worker has sent a row of the campaign (the harness's own client is on the shared Redis). */
async function sendingStarted(url: string, prefix: string, id: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  try {
    const store = new CampaignStore(client, prefix);
    const deadline = Date.now() + 20_000;
    while (((await store.get(id))?.sent ?? 0) === 0) {
      if (Date.now() > deadline) throw new Error(`campaign ${id} sent nothing in 20 s`);
      await sleep(100);
    }
  } finally {
    await client.quit();
  }
}

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
    await expectOneLinePerKind(false);
  });

  it('also while it serves a campaign: its queue worker repeats the error, and is logged once too', async () => {
    await expectOneLinePerKind(true);
  });

  async function expectOneLinePerKind(withCampaign: boolean): Promise<void> {
    redis = await startPrivateRedis();
    h = new Harness();
    h.redisUrl = redis.url;
    await h.startEmulator();
    const [worker] = await h.startWorkers(1);
    if (worker === undefined) throw new Error('no worker started');
    if (withCampaign) {
      const file = join(h.dir, 'slow.csv');
      writeSimpleCampaign(file, 200);
      expect((await runCli(['submit', file, '--name', 'slow', '--rate', '2'], h.env())).code).toBe(0);
      await sendingStarted(redis.url, h.prefix, 'slow');
    }
    const before = worker.output().length;

    await redis.stop();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !linesAfter(worker.output(), before).some((line) => line.includes('redis connection'))) await sleep(50);
    const first = linesAfter(worker.output(), before);
    expect(first.join('\n')).toMatch(/^\S+Z redis connection \([^)]+\): .*(ECONNREFUSED 127\.0\.0\.1:\d+|ECONNRESET)/m);

    // ioredis meets a refused connection on every reconnect attempt (up to every 2 s), on each of its clients.
    await sleep(6_000);
    const lines = linesAfter(worker.output(), before);
    expect(lines.filter((line) => line.includes('redis connection'))).toHaveLength(1);
    // Each kind (the connection, the workers repeating it) once: a handful of lines, not one per attempt.
    const kinds = lines.map((line) => line.replace(/^\S+ /, '').replace(/ \(.*$/, ''));
    expect(new Set(kinds).size, lines.join('\n')).toBe(kinds.length);
    expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(5);
    expect(worker.child.exitCode).toBeNull();
    // Draining needs Redis; this worker has none left to drain to.
    worker.child.kill('SIGKILL');
  }
});
