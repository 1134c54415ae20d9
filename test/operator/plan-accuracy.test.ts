import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { Harness, finished } from '../helpers/harness.js';

/**
 * The forecast against a real run, in the alone pass: the campaign's duration is its rate, which a busy machine
 * would stretch (the forecasts themselves are checked in plan.test.ts).
 */
describe('fleetcast plan against the campaign it forecast', () => {
  let h: Harness;
  afterEach(async () => h.close());

  function campaignFile(rows: number, name = 'fw'): string {
    return h.simpleCampaignFile(rows, name);
  }

  it("after a real run, the plan's seconds and the campaign's real duration are within 10%", async () => {
    h = new Harness();
    await h.startEmulator();
    await h.startWorkers(2);
    // Workers run for long: the first campaign of a fresh worker pays for its start (connections, compiled code).
    await h.submitSimple(300, [], 'warm-up');
    await h.waitForCampaign('warm-up', finished, 20_000);

    const file = campaignFile(3000);
    const plan = lastJsonLine((await runCli(['plan', file, '--rate', '600', '--json'], h.env())).stdout);
    expect(plan.seconds).toBeGreaterThan(4);
    const submitted = await runCli(['submit', file, '--rate', '600', '--name', 'fw'], h.env());
    expect(submitted.code, submitted.stderr).toBe(0);
    const record = await h.waitForCampaign('fw', finished, 30_000);
    expect(record.sent).toBe(3000);
    const real = ((record.finishedAt ?? 0) - record.createdAt) / 1000;
    expect(Math.abs(plan.seconds - real) / real, `plan ${plan.seconds} s, real ${real} s`).toBeLessThan(0.1);
  });
});

function lastJsonLine(stdout: string): { seconds: number } {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as { seconds: number };
}
