import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PRODUCT_KEY, deviceName } from '../helpers/campaigns.js';
import { Harness } from '../helpers/harness.js';

const OTHER_PRODUCT = 'a1Unknown01';

/** 12 rows: 6 reach known devices, 4 name missing devices of the known product, 2 an unknown product. */
function writeMixedCampaign(path: string): void {
  const lines = ['ProductKey,DeviceName,TopicShortName,MessageContent'];
  for (let index = 0; index < 10; index++) lines.push(`${PRODUCT_KEY},${deviceName(index)},notice,hello`);
  for (let index = 0; index < 2; index++) lines.push(`${OTHER_PRODUCT},${deviceName(index)},notice,hello`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('fleetcast status CAMPAIGN', () => {
  let harness: Harness;

  afterEach(async () => {
    await harness.close();
  });

  async function finishedMixedCampaign(): Promise<void> {
    harness = new Harness();
    const known = Array.from({ length: 6 }, (_, index) => ({ ProductKey: PRODUCT_KEY, DeviceName: deviceName(index) }));
    await harness.startEmulator({ devices: known });
    const file = join(harness.dir, 'mixed.csv');
    writeMixedCampaign(file);
    await harness.startWorkers(1, { FLEETCAST_ABORT_MIN_ROWS: '0' });
    const submitted = await runCli(['submit', file, '--name', 'mixed', '--wait'], harness.env({ FLEETCAST_ABORT_MIN_ROWS: '0' }));
    expect(submitted.code).toBe(1);
  }

  it('gives the counts and the failed rows per Code as JSON', async () => {
    await finishedMixedCampaign();

    const result = await runCli(['status', 'mixed', '--json'], harness.env());

    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { campaigns: Array<Record<string, unknown>>; failuresByCode: Record<string, number> };
    expect(parsed.campaigns).toHaveLength(1);
    expect(parsed.campaigns[0]).toMatchObject({ id: 'mixed', state: 'finished', rows: 12, sent: 6, failed: 6, cancelled: 0, remaining: 0, pausedReason: null });
    expect(parsed.campaigns[0]?.finishedAt).toEqual(expect.any(String));
    expect(parsed.failuresByCode).toEqual({ 'iot.device.NotExistedDevice': 4, 'iot.prod.NotExistedProduct': 2 });
  });

  it('prints a detail view with the failures by code', async () => {
    await finishedMixedCampaign();

    const result = await runCli(['status', 'mixed'], harness.env());

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^state\s+finished$/m);
    expect(result.stdout).toMatch(/^failed\s+6$/m);
    expect(result.stdout).toMatch(/^finished\s+\d{4}-/m);
    expect(result.stdout).toContain('failures by code:');
    expect(result.stdout).toMatch(/^ {2}iot\.device\.NotExistedDevice\s+4$/m);
    expect(result.stdout).toMatch(/^ {2}iot\.prod\.NotExistedProduct\s+2$/m);
  });

  it('shows a paused campaign with its remaining rows and no failures', async () => {
    harness = new Harness();
    const file = join(harness.dir, 'held.csv');
    writeMixedCampaign(file);
    expect((await runCli(['submit', file, '--name', 'held'], harness.env())).code).toBe(0);
    expect((await runCli(['pause', 'held'], harness.env())).code).toBe(0);

    const result = await runCli(['status', 'held'], harness.env());

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^state\s+paused$/m);
    expect(result.stdout).toMatch(/^remaining\s+12$/m);
    expect(result.stdout).toContain('no failed rows');
  });

  it('exits 2 for an unknown campaign', async () => {
    harness = new Harness();
    const result = await runCli(['status', 'nothing-here', '--json'], harness.env());
    expect(result.code).toBe(2);
  });
});
