import { afterEach, describe, expect, it } from 'vitest';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import type { RowOutcome } from '../../src/queue/outcome.js';
import { failureClassOf } from '../../src/pub/retry-table.js';
import { parseAbortAction, parseAbortRule, type AbortRule } from '../../src/queue/abort-rules.js';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.js';
import { activeCampaignsKey, campaignKeys } from '../../src/queue/keys.js';
import { RETRY_FAILED } from '../../src/queue/scripts.js';
import { Script } from '../../src/redis/script.js';

describe('abort rules as written on the command line', () => {
  it('reads CLASS:PERCENT[:MIN] with MIN 100 by default', () => {
    expect(parseAbortRule('offline:20:200')).toEqual({ abortClass: 'offline', percent: 20, minimumRows: 200 });
    expect(parseAbortRule('not-found:5')).toEqual({ abortClass: 'not-found', percent: 5, minimumRows: 100 });
    expect(parseAbortRule('failed:2.5%')).toEqual({ abortClass: 'failed', percent: 2.5, minimumRows: 100 });
  });

  it.each(['offlne:20', 'offline', 'offline:abc', 'offline:100', 'offline:20:0', 'offline:20:10:5'])('refuses "%s" with FC_BAD_USAGE', (text) => {
    expect(() => parseAbortRule(text)).toThrow(expect.objectContaining({ code: 'FC_BAD_USAGE' }) as Error);
  });

  it('has pause as the default action and knows only pause and cancel', () => {
    expect(parseAbortAction(undefined)).toBe('pause');
    expect(parseAbortAction('cancel')).toBe('cancel');
    expect(() => parseAbortAction('stop')).toThrow(/pause or cancel/);
  });
});

describe('failure classes come from the retry table', () => {
  it.each([
    ['iot.messagebroker.OFFLINE', 'offline'],
    ['iot.messagebroker.HALFCONN', 'offline'],
    ['iot.device.NotExistedDevice', 'not-found'],
    ['iot.prod.NotExistedProduct', 'not-found'],
    ['iot.messagebroker.InvalidFormattedTopicName', 'rejected'],
    ['SomethingNew', 'rejected'],
    ['ServiceUnavailable', 'exhausted'],
    ['RequestTimeout', 'exhausted'],
    ['SignatureDoesNotMatch', undefined],
  ] as const)('%s counts as %s', (code, expected) => {
    expect(failureClassOf(code)).toBe(expected);
  });
});

describe('abort rules judged where outcomes are recorded', () => {
  const prefix = uniquePrefix();
  const redis = testRedis();
  const store = new CampaignStore(redis, prefix, { failureRatio: 0.5, minimumRows: 100 });
  afterEach(async () => {
    await cleanupPrefix(redis, prefix);
  });

  let nextRow = 1;
  function outcomes(count: number, code: string): RowOutcome[] {
    return Array.from({ length: count }, () => ({
      row: nextRow++,
      status: code === 'OK' ? 'sent' : 'failed',
      topic: '/a1/d/user/x',
      messageId: '',
      requestId: '',
      code,
      errorMessage: '',
      attempts: 1,
      time: Date.now(),
      api: 'Pub',
    }));
  }

  async function campaign(id: string, rules: AbortRule[], action: 'pause' | 'cancel' = 'pause'): Promise<void> {
    nextRow = 1;
    await store.create({ id, name: id, source: '', fingerprint: '', rows: 10_000, lastRow: 10_000, rate: undefined, priority: 1, abort: { rules, action } });
    await store.markEnqueued(id, 100);
  }

  it('counts failed rows by class and pauses once MIN rows are final and more than PERCENT are offline', async () => {
    await campaign('c1', [parseAbortRule('offline:20:200')]);
    await store.recordOutcomes('c1', [...outcomes(40, 'iot.messagebroker.OFFLINE'), ...outcomes(100, 'OK'), ...outcomes(10, 'iot.device.NotExistedDevice')]);
    expect((await store.require('c1')).state).toBe('running');
    await store.recordOutcomes('c1', [...outcomes(20, 'iot.messagebroker.OFFLINE'), ...outcomes(30, 'OK')]);
    const record = await store.require('c1');
    expect(record.failedByClass).toEqual({ offline: 60, 'not-found': 10, rejected: 0, exhausted: 0 });
    expect(record.state).toBe('paused');
    expect(record.pausedReason).toBe('abort rule offline:20:200 fired: 60 of 200 final rows (30%)');
    expect(record.abortFired).toMatchObject({ abortClass: 'offline', matching: 60, final: 200 });
  });

  it('after resume, fires again only when the rows final since then cross the rule', async () => {
    await campaign('c2', [parseAbortRule('offline:20:200')]);
    await store.recordOutcomes('c2', [...outcomes(60, 'iot.messagebroker.OFFLINE'), ...outcomes(140, 'OK')]);
    expect((await store.require('c2')).state).toBe('paused');
    await store.control('c2', 'resume');
    const resumed = await store.require('c2');
    expect(resumed.abortFired).toBeUndefined();
    expect(resumed.abortArmed).toMatchObject({ done: 200, byClass: { offline: 60 } });
    // 199 new rows, a quarter offline: fewer than MIN since the resume, so the rule waits.
    await store.recordOutcomes('c2', [...outcomes(49, 'iot.messagebroker.OFFLINE'), ...outcomes(150, 'OK')]);
    expect((await store.require('c2')).state).toBe('running');
    await store.recordOutcomes('c2', outcomes(1, 'iot.messagebroker.OFFLINE'));
    const paused = await store.require('c2');
    expect(paused.state).toBe('paused');
    expect(paused.abortFired).toMatchObject({ matching: 50, final: 200 });
  });

  it('cancels instead with the cancel action, and the fired rule is kept', async () => {
    await campaign('c3', [parseAbortRule('not-found:10:100')], 'cancel');
    await store.recordOutcomes('c3', [...outcomes(11, 'iot.device.NotExistedDevice'), ...outcomes(89, 'OK')]);
    const record = await store.require('c3');
    expect(record.state).toBe('cancelled');
    expect(record.abortFired).toMatchObject({ abortClass: 'not-found', matching: 11, final: 100 });
  });

  it('a campaign without rules keeps the failure-share pause, and its own failed rule replaces it', async () => {
    await campaign('c4', []);
    await store.recordOutcomes('c4', [...outcomes(51, 'iot.messagebroker.InvalidFormattedTopicName'), ...outcomes(49, 'OK')]);
    expect((await store.require('c4')).pausedReason).toBe('failure share 51% over 50% after 100 rows');

    await campaign('c5', [parseAbortRule('failed:90')]);
    await store.recordOutcomes('c5', [...outcomes(60, 'ServiceUnavailable'), ...outcomes(40, 'OK')]);
    const record = await store.require('c5');
    expect(record.state).toBe('running');
    expect(record.failedByClass.exhausted).toBe(60);
  });

  it('retrying failed rows takes them off their class counts too', async () => {
    await campaign('c6', [parseAbortRule('offline:90')]);
    await store.recordOutcomes('c6', [...outcomes(3, 'iot.messagebroker.OFFLINE'), ...outcomes(2, 'iot.messagebroker.InvalidFormattedTopicName')]);
    const keys = campaignKeys(prefix, 'c6');
    await new Script(RETRY_FAILED).run(redis, [keys.campaign, keys.outcomes, activeCampaignsKey(prefix)], ['c6', 1, 2, 4]);
    const record = await store.require('c6');
    expect(record.failed).toBe(2);
    expect(record.failedByClass).toEqual({ offline: 1, 'not-found': 0, rejected: 1, exhausted: 0 });
  });
});
