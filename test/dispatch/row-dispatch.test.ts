import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { CampaignWatch } from '../../src/dispatch/campaign-watch.js';
import type { DispatchContext } from '../../src/dispatch/dispatch-context.js';
import { OutcomeWriter } from '../../src/dispatch/outcome-writer.js';
import { dispatchRow, type ChunkRun } from '../../src/dispatch/row-dispatch.js';
import { RowSlots } from '../../src/dispatch/row-slots.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { AccountLimiter } from '../../src/limiter/account-limiter.js';
import { accountKeys } from '../../src/limiter/shared-cap.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { PubClient } from '../../src/pub/pub-client.js';
import { TRANSIENT_ATTEMPTS_PER_RUN } from '../../src/pub/retry-table.js';
import type { PubMessage } from '../../src/types/pub-message.js';
import { ACCESS_KEY, Harness } from '../helpers/harness.js';

const CAMPAIGN = 'rows';
const MESSAGE: PubMessage = { row: 1, line: 2, productKey: 'a1Rows', topicFullName: '/a1Rows/dev-1/user/notice', messageContent: 'aGk=', qos: 0 };

/** One worker process's dispatch parts, made of the real ones, with a single row slot. */
async function workerParts(h: Harness, emulator: RunningEmulator): Promise<{ context: DispatchContext; close(): Promise<void> }> {
  await h.store.create({ id: CAMPAIGN, name: CAMPAIGN, source: 'rows.csv', fingerprint: CAMPAIGN, rows: 1, lastRow: 1, rate: undefined, priority: 1 });
  const watch = new CampaignWatch(h.redis, h.prefix, () => undefined);
  await watch.start();
  const limiter = new AccountLimiter({ redis: h.redis, redisId: accountKeys(h.prefix, ACCESS_KEY.accessKeyId).limiterId, name: ACCESS_KEY.accessKeyId, rate: 1_000 });
  await limiter.ready();
  const client = new PubClient({
    endpoint: new URL(emulator.url),
    regionId: 'cn-shanghai',
    accessKeyId: ACCESS_KEY.accessKeyId,
    accessKeySecret: new Secret(ACCESS_KEY.accessKeySecret),
    signature: 'v3',
    timeoutMs: 10_000,
  });
  const context: DispatchContext = {
    limiter,
    batchPubLimiter: limiter,
    client,
    watch,
    store: h.store,
    writer: new OutcomeWriter(h.store),
    slots: new RowSlots({ rate: () => limiter.rate, min: 1, max: 1 }),
    metrics: createMetrics({ defaultMetrics: false }),
    iotInstanceId: undefined,
    onThrottled: () => undefined,
    onAnswered: () => undefined,
    campaignLimiter: () => undefined,
    epoch: () => 0,
  };
  return {
    context,
    close: async () => {
      await watch.stop();
      await limiter.close();
    },
  };
}

function chunkRun(context: DispatchContext, finalRun: boolean): ChunkRun {
  return { finalRun, holdsLease: () => true, idle: (wait) => context.slots.idle(CAMPAIGN, 1, wait) };
}

describe('a row whose transient failures outlast the budget of a run', () => {
  let h: Harness;
  let parts: Awaited<ReturnType<typeof workerParts>> | undefined;
  afterEach(async () => {
    await parts?.close();
    parts = undefined;
    await h.close();
  });

  it('fails on the chunk’s last run with the last refusal, its attempts counted on from the runs before', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000, faultSystem: 1 });
    parts = await workerParts(h, emulator);
    const { context } = parts;
    await context.slots.acquire(CAMPAIGN, 1);

    const result = await dispatchRow(context, CAMPAIGN, MESSAGE, chunkRun(context, true), 10);

    expect(emulator.stats.calls().map((call) => call.code)).toEqual(Array(TRANSIENT_ATTEMPTS_PER_RUN).fill('iot.system.SystemException'));
    expect(result).toMatchObject({ status: 'failed', code: 'iot.system.SystemException', attempts: 10 + TRANSIENT_ATTEMPTS_PER_RUN });
    expect('errorMessage' in result && result.errorMessage).not.toBe('');
  });

  it('goes back to the queue before the last run, and lets its row slot go while it backs off', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000, faultSystem: 1 });
    parts = await workerParts(h, emulator);
    const { context } = parts;
    await context.slots.acquire(CAMPAIGN, 1);

    const dispatched = dispatchRow(context, CAMPAIGN, MESSAGE, chunkRun(context, false), 3);
    // Another row waits for the only slot: it gets it only if the failing row lets it go between its calls.
    let callsWhenTheOtherRowStarted = Number.NaN;
    const otherRow = context.slots.acquire(CAMPAIGN, 1).then(() => {
      callsWhenTheOtherRowStarted = emulator.stats.calls().length;
      context.slots.release();
    });
    const result = await dispatched;
    const callsWhenDone = emulator.stats.calls().length;
    context.slots.release();
    await otherRow;

    expect(result).toEqual({ requeue: true, attempts: 3 + TRANSIENT_ATTEMPTS_PER_RUN });
    expect(callsWhenDone).toBe(TRANSIENT_ATTEMPTS_PER_RUN);
    expect(callsWhenTheOtherRowStarted).toBeGreaterThanOrEqual(1);
    expect(callsWhenTheOtherRowStarted).toBeLessThan(callsWhenDone);
  });
});
