import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/emulator/index.js';
import { BACKOFF_BOUNDS, TRANSIENT_ATTEMPTS_PER_RUN } from '../../src/pub/retry-table.js';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';
import { until } from '../helpers/subscribers.js';
import { parseCsv } from '../pipeline/fixtures.js';

const TRANSIENT_CODES = ['iot.system.SystemException', 'ServiceUnavailable', 'ConnectionReset'];

function callsByTopic(calls: readonly CallRecord[]): Map<string, CallRecord[]> {
  const byTopic = new Map<string, CallRecord[]>();
  for (const call of calls) {
    const list = byTopic.get(call.topic ?? '') ?? [];
    list.push(call);
    byTopic.set(call.topic ?? '', list);
  }
  return byTopic;
}

describe('transient failures', () => {
  let h: Harness;
  afterEach(async () => h.close());

  async function report(name: string): Promise<Array<Record<string, string>>> {
    const out = join(h.dir, `${name}.report.csv`);
    const result = await runCli(['report', name, '--out', out], h.env());
    expect(result.code).toBe(0);
    return parseCsv(readFileSync(out, 'utf8'));
  }

  it('are retried until every row is sent; the report counts every call, resets included', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 100_000, faultSystem: 0.05, faultUnavailable: 0.03, faultReset: 0.02, seed: 5 });
    await h.startWorkers(2);
    const file = join(h.dir, 'faulty.csv');
    writeSimpleCampaign(file, 300);

    const result = await runCli(['submit', file, '--name', 'faulty', '--wait'], h.env());

    expect(result.code).toBe(0);
    expect(await h.campaign('faulty')).toMatchObject({ state: 'finished', sent: 300, failed: 0 });
    const byTopic = callsByTopic(emulator.stats.calls());
    const lines = await report('faulty');
    expect(lines).toHaveLength(300);
    for (const line of lines) {
      const calls = byTopic.get(line.topic ?? '') ?? [];
      const last = calls.at(-1);
      expect(line.status).toBe('sent');
      expect(last?.code).toBe('OK');
      expect(line.MessageId).toBe(last?.messageId);
      expect(calls.slice(0, -1).every((call) => TRANSIENT_CODES.includes(call.code))).toBe(true);
      expect(Number(line.attempts)).toBe(calls.length);
    }
    const codes = emulator.stats.calls().map((call) => call.code);
    for (const code of TRANSIENT_CODES) expect(codes).toContain(code);
  });

  it('back off exponentially with jitter, then hand the chunk back to the queue; its next run sends the rows', async () => {
    h = new Harness();
    const failing = await h.startEmulator({ qps: 100_000, faultSystem: 1 });
    await h.startWorkers(1);
    const file = join(h.dir, 'outage.csv');
    writeSimpleCampaign(file, 3);

    const submitted = await runCli(['submit', file, '--name', 'outage'], h.env());
    expect(submitted.code).toBe(0);
    await until(() => failing.stats.calls().length >= 3 * TRANSIENT_ATTEMPTS_PER_RUN, 15_000, 'every attempt of the first run');
    const outage = callsByTopic(failing.stats.calls());
    await failing.close();
    // The chunk waits out BullMQ's backoff (5 s) before its next run, against an endpoint that works again.
    const healthy = await h.startEmulator({ qps: 100_000, port: failing.port });
    const record = await h.waitForCampaign('outage', finished, 30_000);

    expect(record).toMatchObject({ state: 'finished', sent: 3, failed: 0 });
    expect(failing.stats.calls()).toHaveLength(3 * TRANSIENT_ATTEMPTS_PER_RUN);
    const firstGaps: number[] = [];
    for (const calls of outage.values()) {
      expect(calls.map((call) => call.code)).toEqual(Array(TRANSIENT_ATTEMPTS_PER_RUN).fill('iot.system.SystemException'));
      for (let failure = 1; failure < calls.length; failure++) {
        const ceiling = Math.min(BACKOFF_BOUNDS.transient.maxMs, BACKOFF_BOUNDS.transient.minMs * 2 ** (failure - 1));
        const gap = (calls[failure]?.t ?? 0) - (calls[failure - 1]?.t ?? 0);
        expect(gap).toBeGreaterThanOrEqual(ceiling / 2);
        expect(gap).toBeLessThan(ceiling + 250);
        if (failure === 1) firstGaps.push(gap);
      }
    }
    expect(new Set(firstGaps.map((gap) => Math.round(gap))).size).toBeGreaterThan(1);
    const sent = callsByTopic(healthy.stats.calls());
    const lines = await report('outage');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const calls = sent.get(line.topic ?? '') ?? [];
      expect(calls.map((call) => call.code)).toEqual(['OK']);
      expect(line).toMatchObject({ status: 'sent', MessageId: calls[0]?.messageId, attempts: String(TRANSIENT_ATTEMPTS_PER_RUN + 1) });
    }
  });
});
