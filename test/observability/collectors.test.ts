import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerCollectors, type Collectors } from '../../src/metrics/collectors.js';
import { recordIngestRows } from '../../src/metrics/ingest.js';
import { createMetrics, type FleetcastMetrics } from '../../src/metrics/metrics.js';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import { activeCampaignsKey, campaignKeys } from '../../src/queue/keys.js';
import { campaignQueue } from '../../src/queue/queues.js';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.js';

/** Sample value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((pair) => candidate.includes(pair)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function addCampaign(store: CampaignStore, id: string, rows: number): Promise<void> {
  await store.create({ id, name: id, source: `${id}.csv`, fingerprint: id, rows, lastRow: rows, rate: undefined, priority: 1 });
}

describe('scrape-time collectors', () => {
  let redis: Redis;
  let prefix = '';
  let metrics: FleetcastMetrics;
  let collectors: Collectors | undefined;
  const limiter = { rate: 1600, droppedTokens: 0 };

  beforeAll(() => {
    redis = testRedis();
  });
  afterEach(async () => {
    await collectors?.close();
    await cleanupPrefix(redis, prefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  function setup(campaigns?: { maxCampaigns: number }): CampaignStore {
    prefix = uniquePrefix();
    metrics = createMetrics({ defaultMetrics: false });
    collectors = registerCollectors(metrics, { redis, prefix, limiter, accountCap: () => 1600, ...(campaigns === undefined ? {} : { campaigns }) });
    return new CampaignStore(redis, prefix);
  }

  it('sums the queued jobs of every active campaign by state, paused campaigns apart', async () => {
    const store = setup();
    await addCampaign(store, 'a', 300);
    await addCampaign(store, 'b', 200);
    for (const [id, jobs] of [['a', 3], ['b', 2]] as const) {
      const queue = campaignQueue(redis, prefix, id);
      await queue.addBulk(Array.from({ length: jobs }, (_, index) => ({ name: 'chunk', data: { m: [] }, opts: { jobId: `c${index}` } })));
      await queue.add('chunk', { m: [] }, { jobId: 'later', delay: 60_000 });
      await queue.close();
    }
    let text = await metrics.registry.metrics();
    expect(sample(text, 'fleetcast_queue_jobs', { state: 'waiting' })).toBe(5);
    expect(sample(text, 'fleetcast_queue_jobs', { state: 'delayed' })).toBe(2);
    expect(sample(text, 'fleetcast_queue_jobs', { state: 'paused' })).toBe(0);

    await store.control('b', 'pause');
    await redis.srem(activeCampaignsKey(prefix), 'a');
    text = await metrics.registry.metrics();
    expect(sample(text, 'fleetcast_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sample(text, 'fleetcast_queue_jobs', { state: 'paused' })).toBe(2);
    expect(sample(text, 'fleetcast_queue_jobs', { state: 'delayed' })).toBe(1);
  });

  it('reports the rows of active and recently finished campaigns, and forgets older ones', async () => {
    const store = setup();
    await addCampaign(store, 'running', 100);
    await addCampaign(store, 'recent', 50);
    await addCampaign(store, 'old', 10);
    await redis.hset(campaignKeys(prefix, 'running').campaign, { sent: 60, failed: 5, done: 65 });
    await finish(store, 'recent', Date.now() - 60_000);
    await finish(store, 'old', Date.now() - 2 * 3_600_000);

    let text = await metrics.registry.metrics();
    expect(sample(text, 'fleetcast_campaign_rows', { campaign: 'running', state: 'total' })).toBe(100);
    expect(sample(text, 'fleetcast_campaign_rows', { campaign: 'running', state: 'sent' })).toBe(60);
    expect(sample(text, 'fleetcast_campaign_rows', { campaign: 'running', state: 'failed' })).toBe(5);
    expect(sample(text, 'fleetcast_campaign_rows', { campaign: 'running', state: 'remaining' })).toBe(35);
    expect(sample(text, 'fleetcast_campaign_rows', { campaign: 'recent', state: 'sent' })).toBe(50);
    expect(sample(text, 'fleetcast_campaign_rows', { campaign: 'recent', state: 'remaining' })).toBe(0);
    expect(text).not.toContain('campaign="old"');

    await redis.hset(campaignKeys(prefix, 'recent').campaign, 'finishedAt', Date.now() - 2 * 3_600_000);
    text = await metrics.registry.metrics();
    expect(text).not.toContain('campaign="recent"');
    expect(text).toContain('campaign="running"');
  });

  it('reports at most the configured number of campaigns, active ones first', async () => {
    const store = setup({ maxCampaigns: 2 });
    await addCampaign(store, 'done', 10);
    await finish(store, 'done', Date.now());
    await addCampaign(store, 'one', 10);
    await addCampaign(store, 'two', 10);
    const text = await metrics.registry.metrics();
    expect(text).toContain('campaign="one"');
    expect(text).toContain('campaign="two"');
    expect(text).not.toContain('campaign="done"');
  });

  it("reports each campaign's own rate limit (its ramp's step, else its --rate) and the abort rule that fired, until resumed", async () => {
    const store = setup();
    await addCampaign(store, 'ramp', 5000);
    await addCampaign(store, 'slow', 100);
    await addCampaign(store, 'plain', 100);
    await redis.hset(campaignKeys(prefix, 'ramp').campaign, { rampStart: 50, rampFactor: 2, rampEvery: 500, rampOn: 'sent', sent: 1200, done: 1300 });
    await redis.hset(campaignKeys(prefix, 'slow').campaign, { rate: 80, state: 'paused', abortFired: 'offline:20:200:62:200' });
    let text = await metrics.registry.metrics();
    expect(sample(text, 'fleetcast_campaign_rate_limit', { campaign: 'ramp' })).toBe(200);
    expect(sample(text, 'fleetcast_campaign_rate_limit', { campaign: 'slow' })).toBe(80);
    expect(sample(text, 'fleetcast_campaign_rate_limit', { campaign: 'plain' })).toBeUndefined();
    expect(sample(text, 'fleetcast_campaign_abort_fired', { campaign: 'slow', rule: 'offline:20:200' })).toBe(1);

    await redis.hset(campaignKeys(prefix, 'ramp').campaign, { sent: 3000 });
    await redis.hset(campaignKeys(prefix, 'slow').campaign, { state: 'running', abortFired: '' });
    text = await metrics.registry.metrics();
    expect(sample(text, 'fleetcast_campaign_rate_limit', { campaign: 'ramp' })).toBe(1600);
    expect(text).not.toContain('fleetcast_campaign_abort_fired{');
  });

  it('reads the limiter rate, its dropped tokens and the shared ingest totals at scrape time', async () => {
    setup();
    limiter.droppedTokens = 7;
    let text = await metrics.registry.metrics();
    expect(text).toMatch(/^fleetcast_limiter_tokens_dropped_total 7$/m);
    expect(sample(text, 'fleetcast_ingest_rows_total', { result: 'valid' })).toBe(0);
    expect(text).toMatch(/^fleetcast_limiter_rate 1600$/m);

    limiter.rate = 800;
    limiter.droppedTokens = 12;
    await recordIngestRows(redis, prefix, { valid: 120, invalid: 3 });
    await recordIngestRows(redis, prefix, { valid: 30, invalid: 0 });
    text = await metrics.registry.metrics();
    expect(sample(text, 'fleetcast_ingest_rows_total', { result: 'valid' })).toBe(150);
    expect(sample(text, 'fleetcast_ingest_rows_total', { result: 'invalid' })).toBe(3);
    expect(text).toMatch(/^fleetcast_limiter_rate 800$/m);
    expect(text).toMatch(/^fleetcast_limiter_tokens_dropped_total 12$/m);
    limiter.rate = 1600;
    limiter.droppedTokens = 0;
  });

  it('keeps the last values when Redis cannot be read, and reports why', async () => {
    prefix = uniquePrefix();
    metrics = createMetrics({ defaultMetrics: false });
    const broken = testRedis();
    const errors: string[] = [];
    collectors = registerCollectors(metrics, { redis: broken, prefix, limiter, accountCap: () => 1600, onError: (error) => errors.push(error.message) });
    await metrics.registry.metrics();
    broken.disconnect();
    const text = await metrics.registry.metrics();
    expect(sample(text, 'fleetcast_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
  });
});

async function finish(store: CampaignStore, id: string, finishedAt: number): Promise<void> {
  const record = await store.require(id);
  await store.redis
    .multi()
    .hset(campaignKeys(store.prefix, id).campaign, { state: 'finished', sent: record.rows, done: record.rows, enqueued: 1, finishedAt })
    .srem(activeCampaignsKey(store.prefix), id)
    .exec();
}
