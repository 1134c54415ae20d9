import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorLog } from '../../src/log/throttled-log.js';
import { AdaptiveRate, type AdaptiveRateOptions } from '../../src/limiter/adaptive-rate.js';
import { freePort } from '../../src/redis/private-redis.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.js';

const CAP = 1_000;

/** The local side is judged on the manual clock; the shared rate lives in the real Redis, as in production. */
describe('AdaptiveRate', () => {
  const redis = testRedis();
  let prefix: string;
  let applied: number[];
  let clock: ManualClock;

  beforeEach(() => {
    prefix = uniquePrefix();
    applied = [];
    clock = new ManualClock();
  });
  afterEach(async () => cleanupPrefix(redis, prefix));
  afterAll(async () => {
    await redis.quit();
  });

  const key = (): string => `${prefix}:adaptive`;
  const adaptive = (options: Partial<AdaptiveRateOptions> = {}): AdaptiveRate =>
    new AdaptiveRate(redis, key(), { cap: CAP, clock, ...options }, (rate) => applied.push(rate));
  /** Every script call made so far has been answered and applied (a NOSCRIPT retry takes a second round trip). */
  const answered = async (): Promise<void> => {
    await redis.ping();
    await redis.ping();
  };
  const report = (rate: AdaptiveRate, answers: number, throttled: number): void => {
    for (let i = 0; i < answers; i++) rate.onAnswered();
    for (let i = 0; i < throttled; i++) rate.onThrottled();
  };

  it('judges a second of answers once it is over: 5 % throttled keeps the rate, 20 % cuts it', async () => {
    const rate = adaptive();
    report(rate, 95, 5);
    await clock.advance(1_000);
    report(rate, 80, 20);
    await answered();
    expect(applied).toEqual([]);
    await clock.advance(999);
    rate.onAnswered();
    await answered();
    expect(applied).toEqual([]);
    await clock.advance(1);
    rate.onAnswered();
    await answered();
    expect(applied).toEqual([CAP * 0.8]);
    expect(rate.rate).toBe(CAP * 0.8);
  });

  it('cuts at once, by half, when most answers of a second are throttled', async () => {
    const rate = adaptive();
    report(rate, 10, 50);
    await answered();
    expect(applied).toEqual([CAP * 0.5]);
  });

  it('reads the shared rate on every poll of its clock, probing up after a quiet spell', async () => {
    await redis.hset(key(), 'rate', '500');
    const rate = adaptive({ pollMs: 250 });
    rate.start();
    await clock.advance(249);
    await answered();
    expect(applied).toEqual([]);
    await clock.advance(1);
    await answered();
    expect(applied).toEqual([500 + CAP * 0.02]);
    rate.stop();
    expect(clock.pending).toBe(0);
  });

  it('keeps its rate and logs when Redis does not answer', async () => {
    const unreachable = new Redis({ port: await freePort(), host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    unreachable.on('error', () => undefined);
    const reports: string[] = [];
    const errors: ErrorLog = { report: (kind, context) => reports.push(`${kind} (${context})`) };
    const rate = new AdaptiveRate(unreachable, key(), { cap: CAP, clock, pollMs: 250, errors }, (value) => applied.push(value));
    rate.start();
    await clock.advance(250);
    rate.stop();
    expect(reports).toEqual(['adaptive rate (probe of the shared rate)']);
    expect(rate.rate).toBe(CAP);
    unreachable.disconnect();
  });
});
