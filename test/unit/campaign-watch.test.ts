import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CampaignWatch, type Gate } from '../../src/dispatch/campaign-watch.js';
import { activeCampaignsKey, campaignKeys } from '../../src/queue/keys.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.js';

const at = (iso: string): number => Date.parse(iso);

/** Waits for Redis to answer the watch (real I/O, not the watch's own time). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done()).toBe(true);
}

/** Campaign state lives in the real Redis; the watch reads the time, and polls, on a manual clock. */
describe('CampaignWatch', () => {
  const redis = testRedis();
  let prefix: string;
  let watch: CampaignWatch | undefined;

  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
    await cleanupPrefix(redis, prefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function storeCampaign(id: string, fields: Record<string, string>): Promise<void> {
    await redis.hset(campaignKeys(prefix, id).campaign, { state: 'running', priority: '1', ...fields });
    await redis.sadd(activeCampaignsKey(prefix), id);
  }

  it('opens a campaign at its window opening, within a poll, and closes it at the closing itself', async () => {
    await storeCampaign('night', { window: '22:00-06:00', windowTz: 'Asia/Shanghai' });
    const clock = new ManualClock(at('2026-12-01T13:59:50Z')); // 21:59:50 in Shanghai
    const served: string[][] = [];
    watch = new CampaignWatch(redis, prefix, (active) => served.push([...active]), { pollMs: 1_000, clock });
    await watch.start();
    expect(watch.gateNow('night')).toBeUndefined();
    expect(served.at(-1)).toEqual([]);
    let gate: Gate | undefined;
    void watch.gate('night').then((value) => (gate = value));

    await clock.advance(9_000);
    await watch.poll();
    expect(gate).toBeUndefined();
    expect(watch.isOpen('night')).toBe(false);

    await clock.advance(1_000);
    await watch.poll();
    expect(gate).toBe('open');
    expect(served.at(-1)).toEqual(['night']);

    // Hours on, with the poll's timer not yet run: rows stop at 06:00 itself, not at the next poll.
    clock.skip(at('2026-12-01T21:59:59.999Z') - clock.now());
    expect(watch.gateNow('night')).toBe('open');
    clock.skip(1);
    expect(watch.gateNow('night')).toBeUndefined();
    expect(watch.isOpen('night')).toBe(false);
  });

  it('holds a campaign until its start time, then serves it', async () => {
    const clock = new ManualClock(at('2026-12-01T04:00:00Z'));
    await storeCampaign('later', { startAt: String(clock.now() + 5_000) });
    const served: string[][] = [];
    watch = new CampaignWatch(redis, prefix, (active) => served.push([...active]), { pollMs: 250, clock });
    await watch.start();
    expect(watch.get('later')?.held).toBe(true);
    await clock.advance(4_999);
    await watch.poll();
    expect(served.at(-1)).toEqual([]);
    await clock.advance(1);
    await watch.poll();
    expect(watch.get('later')?.held).toBe(false);
    expect(watch.gateNow('later')).toBe('open');
    expect(served.at(-1)).toEqual(['later']);
  });

  it('polls on its clock: a change in Redis is seen at the next tick, not before', async () => {
    await storeCampaign('c1', {});
    const clock = new ManualClock(at('2026-12-01T04:00:00Z'));
    let polls = 0;
    watch = new CampaignWatch(redis, prefix, () => polls++, { pollMs: 250, clock });
    await watch.start();
    expect(watch.gateNow('c1')).toBe('open');
    // Written behind the watch's back (no control message): only a poll can see it.
    await redis.hset(campaignKeys(prefix, 'c1').campaign, 'state', 'paused');
    await clock.advance(249);
    await redis.ping();
    expect(polls).toBe(1);
    expect(watch.gateNow('c1')).toBe('open');
    await clock.advance(1);
    await until(() => polls === 2);
    expect(watch.gateNow('c1')).toBeUndefined();
  });
});
