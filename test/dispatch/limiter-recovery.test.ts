import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/redis/private-redis.js';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Bottleneck 2.19.5 on Redis 7 wedges for good after each of these; fleetcast must notice and rebuild its limiter. */
describe('the shared limiter survives losing its Redis state', () => {
  let h: Harness;
  let redisServer: ChildProcess | undefined;
  afterEach(async () => {
    await h.close();
    redisServer?.kill('SIGKILL');
    redisServer = undefined;
  });

  it('goes on after its keys are flushed mid-campaign', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000 });
    const [worker] = await h.startWorkers(1, { FLEETCAST_RATE: '400' });
    const file = join(h.dir, 'flush.csv');
    writeSimpleCampaign(file, 2400);
    expect((await runCli(['submit', file, '--name', 'flush'], h.env())).code).toBe(0);
    await h.waitForCampaign('flush', (record) => record.done >= 400, 20_000);

    const limiterKeys = await h.redis.keys(`b_{${h.prefix}:limiter:*`);
    expect(limiterKeys.length).toBeGreaterThan(0);
    await h.redis.del(...limiterKeys);

    const record = await h.waitForCampaign('flush', finished, 30_000);
    expect(record.sent).toBe(2400);
    expect(worker?.output()).toContain('account limiter rebuilt');
  });

  it('goes on after a worker was frozen for 15 s (SIGSTOP) and dropped from the limiter', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000 });
    const [frozen, other] = await h.startWorkers(2, { FLEETCAST_RATE: '300' });
    const first = join(h.dir, 'frozen-1.csv');
    writeSimpleCampaign(first, 900, 'one');
    expect((await runCli(['submit', first, '--name', 'frozen-1'], h.env())).code).toBe(0);
    await h.waitForCampaign('frozen-1', (record) => record.done >= 200, 20_000);

    frozen?.child.kill('SIGSTOP');
    await sleep(15_000);
    frozen?.child.kill('SIGCONT');
    await h.waitForCampaign('frozen-1', finished, 30_000);
    await other?.stop();

    const second = join(h.dir, 'frozen-2.csv');
    writeSimpleCampaign(second, 300, 'two');
    const result = await runCli(['submit', second, '--name', 'frozen-2', '--wait'], h.env());
    expect(result.code).toBe(0);
    expect((await h.campaign('frozen-2')).sent).toBe(300);
    expect(frozen?.output()).toContain('worker ready');
  });

  it('goes on after a Redis restart without persistence', async () => {
    h = new Harness();
    const port = await freePort();
    redisServer = await startRedis(port);
    h.redisUrl = `redis://127.0.0.1:${port}`;
    await h.startEmulator({ qps: 100_000 });
    const [worker] = await h.startWorkers(1, { FLEETCAST_RATE: '400' });
    const before = join(h.dir, 'before.csv');
    writeSimpleCampaign(before, 200, 'before');
    expect((await runCli(['submit', before, '--name', 'before', '--wait'], h.env())).code).toBe(0);

    redisServer.kill('SIGKILL');
    await sleep(500);
    redisServer = await startRedis(port);
    await sleep(2_000);

    const after = join(h.dir, 'after.csv');
    writeSimpleCampaign(after, 300, 'after');
    const result = await runCli(['submit', after, '--name', 'after', '--wait', '--json'], h.env());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"sent":300');
    expect(worker?.output()).toContain('account limiter rebuilt');
  });
});

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' });
      probe.on('exit', (code) => resolve(code === 0));
    });
    if (ok) return child;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}
