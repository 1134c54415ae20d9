import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PRODUCT_KEY, deviceName, writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';
import { parseCsv } from '../pipeline/fixtures.js';

const ROWS = 30;
const NO_AUTOPAUSE = { FLEETCAST_ABORT_MIN_ROWS: '0' };

/** Rows 1, 4, 7, … have no device at the first emulator. */
function missing(row: number): boolean {
  return row % 3 === 1;
}

describe('fleetcast retry-failed', () => {
  let harness: Harness;

  afterEach(async () => {
    await harness.close();
  });

  /** Runs a campaign against an emulator whose registry lacks some devices; returns the file. */
  async function campaignWithFailures(name: string): Promise<string> {
    harness = new Harness();
    const known = Array.from({ length: ROWS }, (_, index) => index)
      .filter((index) => !missing(index + 1))
      .map((index) => ({ ProductKey: PRODUCT_KEY, DeviceName: deviceName(index) }));
    const first = await harness.startEmulator({ devices: known });
    const file = join(harness.dir, `${name}.csv`);
    writeSimpleCampaign(file, ROWS);
    const [worker] = await harness.startWorkers(1, NO_AUTOPAUSE);
    const submitted = await runCli(['submit', file, '--name', name, '--wait'], harness.env(NO_AUTOPAUSE));
    expect(submitted.code).toBe(1);
    await worker?.stop();
    await first.close();
    return file;
  }

  it('sends exactly the failed rows again, and the campaign ends without failures', async () => {
    await campaignWithFailures('retry');
    const before = await harness.campaign('retry');
    expect(before).toMatchObject({ state: 'finished', failed: 10, sent: 20 });
    const second = await harness.startEmulator();
    await harness.startWorkers(1, NO_AUTOPAUSE);

    const result = await runCli(['retry-failed', 'retry', '--json'], harness.env());

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'retry', requeued: 10, retry: 1, chunks: 1 });
    const after = await harness.waitForCampaign('retry', (record) => finished(record) && record.done === ROWS, 20_000);
    expect(after).toMatchObject({ state: 'finished', failed: 0, sent: ROWS, done: ROWS });
    const topics = second.stats.calls().map((call) => call.topic).sort();
    const expected = Array.from({ length: ROWS }, (_, index) => index)
      .filter((index) => missing(index + 1))
      .map((index) => `/${PRODUCT_KEY}/${deviceName(index)}/user/notice`)
      .sort();
    expect(topics).toEqual(expected);
    const out = join(harness.dir, 'retry.report.csv');
    expect((await runCli(['report', 'retry', '--out', out], harness.env())).code).toBe(0);
    const lines = parseCsv(readFileSync(out, 'utf8'));
    expect(lines).toHaveLength(ROWS);
    for (const line of lines) {
      expect(line.status).toBe('sent');
      expect(Number(line.attempts)).toBeGreaterThanOrEqual(1);
      expect(line.MessageId).toMatch(/^\d+$/);
    }
  });

  it('refuses with exit 2 when the campaign file changed, and queues nothing', async () => {
    const file = await campaignWithFailures('changed');
    appendFileSync(file, `${PRODUCT_KEY},extra-device,notice,hello\n`);

    const result = await runCli(['retry-failed', 'changed'], harness.env());

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has changed since it was submitted');
    expect(await harness.campaign('changed')).toMatchObject({ state: 'finished', failed: 10 });
  });

  it('queues nothing when no row failed', async () => {
    harness = new Harness();
    await harness.startEmulator();
    const file = join(harness.dir, 'clean.csv');
    writeSimpleCampaign(file, 5);
    await harness.startWorkers(1);
    expect((await runCli(['submit', file, '--name', 'clean', '--wait'], harness.env())).code).toBe(0);

    const result = await runCli(['retry-failed', 'clean'], harness.env());

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no failed rows');
  });
});
