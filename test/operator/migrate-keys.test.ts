import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FleetcastError } from '../../src/errors/fleetcast-error.js';
import { accountKeys, readStoredCap } from '../../src/limiter/shared-cap.js';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import { hasOldLayout, migrateKeys, newKeyOf, refuseOldLayout } from '../../src/queue/key-migration.js';
import { activeCampaignsKey, campaignIndexKey, campaignKeys, globalBullPrefix } from '../../src/queue/keys.js';
import { encodeOutcome } from '../../src/queue/outcome.js';
import { CHUNK_JOB_OPTIONS, campaignQueue, chunkJobId } from '../../src/queue/queues.js';
import { toWire, type ChunkJobData } from '../../src/queue/wire-message.js';
import type { PubMessage } from '../../src/types/pub-message.js';
import { scheduleRunsKey } from '../../src/scheduler/schedule-queue.js';
import { ingestCountsKey } from '../../src/metrics/ingest.js';
import { runCli } from '../helpers/cli.js';
import { cleanupPrefix, keysOf, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';

const CAMPAIGN = 'firmware.notice-1';
const ACCOUNT = '0123456789abcdef';
const ROWS = 50;
const SENT = 10;
const CAP = 800;

describe('newKeyOf', () => {
  const P = 'fleetcast';

  it('names the hash-tagged key of every kind of key of the old layout', () => {
    const campaign = campaignKeys(P, CAMPAIGN);
    const account = accountKeys(P, ACCOUNT);
    expect(newKeyOf(P, 'fleetcast:campaigns')).toBe(campaignIndexKey(P));
    expect(newKeyOf(P, 'fleetcast:campaigns:active')).toBe(activeCampaignsKey(P));
    expect(newKeyOf(P, `fleetcast:campaign:${CAMPAIGN}`)).toBe(campaign.campaign);
    expect(newKeyOf(P, `fleetcast:campaign:${CAMPAIGN}:outcomes`)).toBe(campaign.outcomes);
    expect(newKeyOf(P, `fleetcast:bull:campaign-${CAMPAIGN}:wait`)).toBe(`${campaign.bullPrefix}:${campaign.queueName}:wait`);
    expect(newKeyOf(P, `fleetcast:bull:campaign-${CAMPAIGN}:c0:logs`)).toBe(`${campaign.bullPrefix}:${campaign.queueName}:c0:logs`);
    expect(newKeyOf(P, 'fleetcast:bull:schedules:repeat:nightly')).toBe(`${globalBullPrefix(P)}:schedules:repeat:nightly`);
    expect(newKeyOf(P, 'fleetcast:schedules:runs')).toBe(scheduleRunsKey(P));
    expect(newKeyOf(P, 'fleetcast:metrics:ingest')).toBe(ingestCountsKey(P));
    expect(newKeyOf(P, `fleetcast:limiter:${ACCOUNT}:cap`)).toBe(account.cap);
    expect(newKeyOf(P, `fleetcast:limiter:${ACCOUNT}:workers`)).toBe(account.workers);
    expect(newKeyOf(P, `fleetcast:limiter:${ACCOUNT}:adaptive`)).toBe(account.adaptive);
  });

  it("deletes Bottleneck's keys of the old layout", () => {
    expect(newKeyOf(P, `b_fleetcast:limiter:${ACCOUNT}_settings`)).toBeNull();
    expect(newKeyOf(P, `b_fleetcast:limiter:campaign-${CAMPAIGN}_job_weights`)).toBeNull();
  });

  it('leaves every other key alone: new layout, other prefixes, unknown names', () => {
    for (const key of [
      campaignIndexKey(P),
      campaignKeys(P, CAMPAIGN).campaign,
      `${campaignKeys(P, CAMPAIGN).bullPrefix}:campaign-${CAMPAIGN}:wait`,
      accountKeys(P, ACCOUNT).cap,
      `b_${accountKeys(P, ACCOUNT).limiterId}_settings`,
      'fleetcast-2:campaigns',
      'b_fleetcast-2:limiter:x_settings',
      'fleetcast:control',
      'fleetcast:campaign:Not An Id',
      'fleetcast:campaign:x:other',
      'fleetcast:bull:other-queue:wait',
      'fleetcast:bull:campaign-x',
      'fleetcast:limiter:acc:other',
      'fleetcast:limiter:acc:x:cap',
    ]) {
      expect(newKeyOf(P, key), key).toBeUndefined();
    }
  });
});

describe('fleetcast migrate-keys', () => {
  const redis = testRedis();
  const prefixes: string[] = [];

  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) await cleanupPrefix(redis, prefix);
  });

  afterAll(async () => {
    await redis.quit();
  });

  function env(prefix: string): Record<string, string> {
    return { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: prefix };
  }

  /** A running campaign of the old layout: 10 rows final, a chunk of 40 in its queue; an account cap; ingest counts. */
  async function oldLayout(): Promise<string> {
    const P = uniquePrefix();
    prefixes.push(P);
    const now = Date.now();
    await redis.hset(`${P}:campaign:${CAMPAIGN}`, {
      id: CAMPAIGN,
      name: CAMPAIGN,
      source: '/data/firmware.csv',
      fingerprint: 'f1',
      state: 'running',
      rows: ROWS,
      lastRow: ROWS,
      chunks: 1,
      enqueued: '1',
      sent: SENT,
      failed: 0,
      cancelled: 0,
      done: SENT,
      createdAt: now,
      rate: '',
      priority: 1,
    });
    for (let row = 1; row <= SENT; row += 1) {
      const outcome = { status: 'sent', attempts: 1, time: now, messageId: `m${row}`, requestId: `r${row}`, code: '', errorMessage: '', topic: topic(row), api: 'Pub' } as const;
      await redis.hset(`${P}:campaign:${CAMPAIGN}:outcomes`, String(row), encodeOutcome(outcome));
    }
    await redis.zadd(`${P}:campaigns`, now, CAMPAIGN);
    await redis.sadd(`${P}:campaigns:active`, CAMPAIGN);
    const queue = new Queue<ChunkJobData>(`campaign-${CAMPAIGN}`, { connection: redis, prefix: `${P}:bull` });
    const rows = Array.from({ length: ROWS - SENT }, (_, index) => message(SENT + 1 + index));
    await queue.add('chunk', { m: rows.map(toWire) }, { ...CHUNK_JOB_OPTIONS, jobId: chunkJobId(0) });
    await queue.close();
    await redis.hset(`${P}:limiter:${ACCOUNT}:cap`, { cap: CAP, grant: 32, setAt: now, setBy: 'cap --set' });
    await redis.hset(`${P}:metrics:ingest`, { valid: ROWS, invalid: 0 });
    await redis.hset(`b_${P}:limiter:${ACCOUNT}_settings`, { version: '2.19.5' });
    return P;
  }

  it('renames a running campaign, its queued rows and the account cap to the hash-tagged layout', async () => {
    const P = await oldLayout();
    const oldKeys = (await keysOf(redis, P)).sort();
    const toRename = oldKeys.filter((key) => key.startsWith(`${P}:`));
    expect(toRename.length).toBeGreaterThan(6);

    expect(await hasOldLayout(redis, P)).toBe(true);
    const refused = await refuseOldLayout(redis, P).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(FleetcastError);
    expect(refused).toMatchObject({ code: 'FC_OLD_KEY_LAYOUT' });
    expect((refused as Error).message).toContain(`Stop every worker, then run: fleetcast migrate-keys --prefix ${P}`);

    // Commands and workers of this version refuse the old layout and say what to run.
    const status = await runCli(['status'], env(P));
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(`Stop every worker, then run: fleetcast migrate-keys --prefix ${P}`);
    const worker = await runCli(['worker'], { ...env(P), ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret' });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain(`Stop every worker, then run: fleetcast migrate-keys --prefix ${P}`);

    const dry = await runCli(['migrate-keys', '--dry-run', '--json'], env(P));
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({ dryRun: true, renamed: toRename.length, deleted: 1, skipped: [] });
    expect((await keysOf(redis, P)).sort()).toEqual(oldKeys);

    const done = await runCli(['migrate-keys', '--json'], env(P));
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toEqual({ dryRun: false, renamed: toRename.length, deleted: 1, skipped: [] });

    const left = await keysOf(redis, P);
    expect(left.filter((key) => key.startsWith(`${P}:`) || key.startsWith(`b_${P}:`))).toEqual([]);
    expect(left).toHaveLength(toRename.length);
    expect(await hasOldLayout(redis, P)).toBe(false);
    await expect(refuseOldLayout(redis, P)).resolves.toBeUndefined();
    const statusAfter = await runCli(['status', '--json'], env(P));
    expect(statusAfter.code, statusAfter.stderr).toBe(0);
    expect((JSON.parse(statusAfter.stdout) as { campaigns: { id: string }[] }).campaigns.map((campaign) => campaign.id)).toEqual([CAMPAIGN]);

    const store = new CampaignStore(redis, P);
    expect(await store.get(CAMPAIGN)).toMatchObject({ id: CAMPAIGN, state: 'running', rows: ROWS, enqueued: true, chunks: 1, done: SENT, sent: SENT });
    expect((await store.list()).map((record) => record.id)).toEqual([CAMPAIGN]);
    expect(await store.activeIds()).toEqual([CAMPAIGN]);
    const outcomes = await store.outcomes(CAMPAIGN, 1, ROWS);
    expect(outcomes.map((outcome) => [outcome.row, outcome.status, outcome.topic])).toEqual(Array.from({ length: SENT }, (_, index) => [index + 1, 'sent', topic(index + 1)]));

    const queue = campaignQueue(redis, P, CAMPAIGN);
    try {
      expect(await queue.getWaitingCount()).toBe(1);
      const [job] = (await queue.getWaiting()) as Array<{ id?: string; data: ChunkJobData }>;
      expect(job?.id).toBe(chunkJobId(0));
      expect(job?.data.m.map((wire) => wire[0])).toEqual(Array.from({ length: ROWS - SENT }, (_, index) => SENT + 1 + index));
    } finally {
      await queue.close();
    }
    expect(await readStoredCap(redis, accountKeys(P, ACCOUNT))).toBe(CAP);
    expect(await redis.hget(ingestCountsKey(P), 'valid')).toBe(String(ROWS));
  });

  it('leaves an old key whose new name is taken, and lists it', async () => {
    const P = await oldLayout();
    await redis.hset(accountKeys(P, ACCOUNT).cap, { cap: 1200, grant: 48, setAt: Date.now(), setBy: 'seed' });

    const result = await migrateKeys(redis, P, { dryRun: false });

    expect(result.skipped).toEqual([`${P}:limiter:${ACCOUNT}:cap`]);
    expect(await readStoredCap(redis, accountKeys(P, ACCOUNT))).toBe(1200);
    expect(await redis.hget(`${P}:limiter:${ACCOUNT}:cap`, 'cap')).toBe(String(CAP));
    expect(await new CampaignStore(redis, P).get(CAMPAIGN)).toMatchObject({ id: CAMPAIGN, done: SENT });
  });

  it('refuses while a worker of the earlier version is running, and changes nothing', async () => {
    const P = await oldLayout();
    await redis.hset(`${P}:limiter:${ACCOUNT}:workers`, 'edge-7:4242', `${Date.now() - 1000}|${JSON.stringify({ host: 'edge-7', pid: 4242, startedWith: 1600 })}`);
    const before = (await keysOf(redis, P)).sort();

    const result = await runCli(['migrate-keys'], env(P));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stop every worker first');
    expect(result.stderr).toContain('edge-7:4242');
    expect((await keysOf(redis, P)).sort()).toEqual(before);
  });
});

function topic(row: number): string {
  return `/pk/device-${row}/user/notice`;
}

function message(row: number): PubMessage {
  return { row, line: row + 1, productKey: 'pk', topicFullName: topic(row), messageContent: Buffer.from(`notice ${row}`).toString('base64'), qos: 0 };
}
