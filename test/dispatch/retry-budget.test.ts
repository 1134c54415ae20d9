import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/index.js';
import { BACKOFF_BOUNDS, TRANSIENT_ATTEMPTS_PER_RUN } from '../../src/pub/retry-table.js';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';
import { until } from '../helpers/subscribers.js';
import { parseCsv } from '../pipeline/fixtures.js';

const THROTTLES = 12;
/** The chunk's next run waits out BullMQ's backoff (5 s); no pause inside a run comes near it. */
const REQUEUE_GAP_MS = 4_000;

describe('the transient budget of a run', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('is not used by throttled attempts: a row throttled more often than the budget is sent in the same run, and its next transient failure is the one that ends the run', async () => {
    h = new Harness();
    let endpoint = await h.startEmulator({ qps: 100_000, faultSystem: 1 });
    const { port } = endpoint;
    const endpoints: RunningEmulator[] = [endpoint];
    // Each phase lasts until the row has made `calls` calls to it; the row is then waiting out a pause of at
    // least 500 ms (a backoff, a throttle pause or the chunk's requeue), time enough to put the next one in place.
    const nextPhase = async (calls: number, what: string, options: EmulatorOptions): Promise<void> => {
      await until(() => endpoint.stats.calls().length >= calls, 30_000, what);
      await endpoint.close();
      endpoint = await h.startEmulator({ qps: 100_000, port, ...options });
      endpoints.push(endpoint);
    };
    await h.startWorkers(1);
    const file = join(h.dir, 'budget.csv');
    writeSimpleCampaign(file, 1);
    expect((await runCli(['submit', file, '--name', 'budget'], h.env())).code).toBe(0);

    await nextPhase(TRANSIENT_ATTEMPTS_PER_RUN - 1, 'all transient failures of the budget but one', { faultThrottle: 1 });
    await nextPhase(THROTTLES, 'the throttles', { faultSystem: 1 });
    await nextPhase(1, 'the last transient failure of the budget', {});
    const record = await h.waitForCampaign('budget', finished, 30_000);

    expect(record).toMatchObject({ state: 'finished', sent: 1, failed: 0 });
    const [transient, throttled, lastTransient, healthy] = endpoints.map((emulator) => emulator.stats.calls());
    expect(transient?.map((call) => call.code)).toEqual(Array(TRANSIENT_ATTEMPTS_PER_RUN - 1).fill('iot.system.SystemException'));
    expect(throttled?.map((call) => call.code)).toEqual(Array(THROTTLES).fill('Throttling.User'));
    expect(lastTransient?.map((call) => call.code)).toEqual(['iot.system.SystemException']);
    expect(healthy?.map((call) => call.code)).toEqual(['OK']);
    // Throttled attempts go again after the table's pause, never after a requeue of the chunk.
    const throttleGaps = (throttled ?? []).slice(1).map((call, index) => call.t - (throttled?.[index]?.t ?? 0));
    expect(Math.max(...throttleGaps)).toBeLessThan(BACKOFF_BOUNDS.throttle.maxMs + 250);
    // The fifth transient failure handed the chunk back: the call that sent the row came with its next run.
    expect(healthy?.[0]?.t).toBeGreaterThanOrEqual(REQUEUE_GAP_MS);

    const out = join(h.dir, 'budget.report.csv');
    expect((await runCli(['report', 'budget', '--out', out], h.env())).code).toBe(0);
    const [line] = parseCsv(readFileSync(out, 'utf8'));
    const calls = TRANSIENT_ATTEMPTS_PER_RUN - 1 + THROTTLES + 1 + 1;
    expect(line).toMatchObject({ status: 'sent', MessageId: healthy?.[0]?.messageId, attempts: String(calls) });
  });
});
