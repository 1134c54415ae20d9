import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorLog } from '../../src/log/throttled-log.js';
import { AdaptiveRate, DEFAULT_LEARNED_GUARD, type AdaptiveRateOptions } from '../../src/limiter/adaptive-rate.js';
import { accountKeys, readAccountCap, setCap, type AccountKeys } from '../../src/limiter/shared-cap.js';
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

  const keys = (): AccountKeys => accountKeys(prefix, 'acct');
  const key = (): string => keys().adaptive;
  /** A fixed guard unless a test sets one: the rate's tests see only changes of the rate. */
  const adaptive = (options: Partial<AdaptiveRateOptions> = {}): AdaptiveRate =>
    new AdaptiveRate(redis, keys(), { cap: CAP, clock, guard: DEFAULT_LEARNED_GUARD.initial, ...options }, (rate) => applied.push(rate));
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
    const rate = new AdaptiveRate(unreachable, keys(), { cap: CAP, clock, pollMs: 250, errors }, (value) => applied.push(value));
    rate.start();
    await clock.advance(250);
    rate.stop();
    expect(reports).toEqual(['adaptive rate (probe of the shared rate)']);
    expect(rate.rate).toBe(CAP);
    unreachable.disconnect();
  });

  it('follows the stored cap, seeds it when none is stored, and lists the worker', async () => {
    const presence = { host: 'host-a', pid: 4242, startedWith: 800 };
    const caps: number[] = [];
    const rate = new AdaptiveRate(redis, keys(), { cap: 800, clock, presence }, (value, cap) => {
      applied.push(value);
      caps.push(cap);
    });
    await rate.poll();
    expect(await redis.hget(keys().cap, 'cap')).toBe('800');
    await setCap(redis, keys(), 1_200);
    await rate.poll();
    expect([rate.rate, rate.cap]).toEqual([1_200, 1_200]);
    const view = await readAccountCap(redis, prefix, 'acct');
    expect(view?.workers).toEqual([expect.objectContaining(presence)]);
    expect(view?.setBy).toBe('cap --set');
  });

  it('cap --set lowers the adaptive rate at once, and raising leaves a throttled rate to probe up', async () => {
    const rate = adaptive();
    await rate.poll();
    await setCap(redis, keys(), 400);
    await rate.poll();
    expect(applied).toEqual([400]);
    await setCap(redis, keys(), CAP);
    await rate.poll();
    expect(applied).toEqual([400, CAP]);
    report(rate, 0, 60);
    await answered();
    expect(rate.rate).toBe(CAP * 0.5);
    await setCap(redis, keys(), 2 * CAP);
    await rate.poll();
    expect([rate.rate, rate.cap]).toEqual([CAP * 0.5, 2 * CAP]);
  });

  it('with adaptive off, ignores throttling and the rate is the cap', async () => {
    const rate = adaptive({ adaptive: false });
    report(rate, 0, 100);
    await setCap(redis, keys(), 700);
    await rate.poll();
    expect([rate.rate, rate.cap]).toEqual([700, 700]);
    expect(applied).toEqual([700]);
  });

  it('stores the cap it last followed again when the stored one was lost', async () => {
    const rate = adaptive();
    await setCap(redis, keys(), 900);
    await rate.poll();
    await redis.del(keys().cap);
    await rate.poll();
    expect(await redis.hget(keys().cap, 'cap')).toBe('900');
  });

  it('says how far every worker seen lately has taken up a raise: the lowest rate they spread at', async () => {
    const spreads = { a: 800, b: 800 };
    const settledSeen: Array<number | undefined> = [];
    const worker = (name: 'a' | 'b'): AdaptiveRate =>
      new AdaptiveRate(redis, keys(), { cap: 800, clock, presence: { host: name, pid: 1, startedWith: 800 }, spread: () => spreads[name] }, (_rate, _cap, settled) => {
        if (name === 'a') settledSeen.push(settled);
      });
    const [a, b] = [worker('a'), worker('b')];
    await a.poll();
    await b.poll();
    await setCap(redis, keys(), 1600);
    await a.poll();
    expect([a.rate, settledSeen.at(-1)]).toEqual([1600, 800]);
    spreads.a = 1600;
    await a.poll();
    expect(settledSeen.at(-1)).toBe(800);
    spreads.b = 1600;
    await b.poll();
    await a.poll();
    expect(settledSeen.at(-1)).toBe(1600);
  });
  it('learns the guard: shrinks a step per poll while it sends without throttles, not while idle; doubles at once on a throttle at the cap; stands still below the cap', async () => {
    const learned = { ...DEFAULT_LEARNED_GUARD, quietMs: 0, stepMs: 0, growIntervalMs: 0 };
    const rate = adaptive({ guard: learned });
    const { initial, shrink, grow } = learned;
    rate.onAnswered();
    await rate.poll();
    expect(rate.guard).toBeCloseTo(initial * shrink, 12);
    await rate.poll();
    expect(rate.guard, 'idle: no answer since the last poll').toBeCloseTo(initial * shrink, 12);
    rate.onAnswered();
    await rate.poll();
    expect(rate.guard).toBeCloseTo(initial * shrink ** 2, 12);
    rate.onThrottled();
    await answered();
    expect(rate.guard).toBeCloseTo(initial * shrink ** 2 * grow, 12);
    expect(Number(await redis.hget(key(), 'guard'))).toBeCloseTo(initial * shrink ** 2 * grow, 12);

    await redis.hset(key(), 'rate', CAP / 2);
    await clock.advance(1_000);
    rate.onThrottled();
    await answered();
    expect(rate.guard, 'below the cap, throttles are the adaptive rate\'s').toBeCloseTo(initial * shrink ** 2 * grow, 12);
  });
});
