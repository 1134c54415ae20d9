import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cleanupPrefix, keysOf, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';

describe('fleetcast demo', () => {
  const prefix = uniquePrefix();
  afterAll(async () => {
    const redis = testRedis();
    await cleanupPrefix(redis, prefix);
    redis.disconnect();
  });

  it('runs the whole pipeline and every device receives its message', async () => {
    const result = await runCli(['demo', '--devices', '300', '--json'], { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: prefix });

    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, number>;
    expect(summary).toMatchObject({ rows: 300, sent: 300, failed: 0, received: 300 });
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.ratePerSec).toBeGreaterThan(0);
  });

  it('leaves no key behind in a Redis that stays, under its own prefix', async () => {
    const result = await runCli(['demo', '--devices', '20', '--json'], { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: undefined });

    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').pop()).toContain('"sent":20');
    const redis = testRedis();
    try {
      expect(await keysOf(redis, 'fleetcast-demo')).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('starts a private redis-server when the configured Redis does not answer', async () => {
    const result = await runCli(['demo', '--devices', '20', '--json'], { REDIS_URL: 'redis://127.0.0.1:1', FLEETCAST_PREFIX: uniquePrefix() });

    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').pop()).toContain('"redis":"private"');
  });
});
