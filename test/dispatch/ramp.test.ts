import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { runCli } from '../helpers/cli.js';
import { Harness, finished } from '../helpers/harness.js';
import { expectCapHeld } from '../helpers/cap.js';

const START = 50;
const FACTOR = 2;
const EVERY = 500;
const CAP = 1600;

/** The ramp's rate once `sent` rows were accepted, as the emulator counts them. */
function stepRate(sent: number): number {
  return Math.min(CAP, START * FACTOR ** Math.floor(sent / EVERY));
}

interface Window {
  readonly endsAt: number;
  readonly calls: number;
  readonly allowed: number;
}

/**
 * Every sliding second ending at an accepted call, with the rate of the step that call belongs to: the highest
 * step the second touches, since the count of accepted calls only grows.
 */
function slidingSeconds(times: readonly number[]): Window[] {
  const windows: Window[] = [];
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= 1000) start++;
    windows.push({ endsAt: times[end] ?? 0, calls: end - start + 1, allowed: stepRate(end) });
  }
  return windows;
}

describe('a campaign with a ramp', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('starts at 50/s, doubles every 500 sent rows, never exceeds the step in any sliding second, and reaches the cap', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: CAP });
    await h.startWorkers(2, { FLEETCAST_RATE: String(CAP) });
    const file = join(h.dir, 'ramp.csv');
    writeSimpleCampaign(file, 7000);
    const flags = ['--name', 'ramp', '--ramp-start', String(START), '--ramp-factor', String(FACTOR), '--ramp-every', String(EVERY)];
    const plan = await runCli(['plan', file, ...flags, '--json'], h.env());
    const planned = JSON.parse(plan.stdout.trim().split('\n').at(-1) ?? '{}') as { seconds: number; steps: Array<{ rate: number }> };
    expect(planned.steps.length).toBeGreaterThanOrEqual(6);
    expect((await runCli(['submit', file, ...flags], h.env())).code).toBe(0);

    await h.waitForCampaign('ramp', (record) => record.sent >= 700, 30_000);
    const status = await runCli(['status', 'ramp', '--json'], h.env());
    const rollout = (JSON.parse(status.stdout) as { campaigns: Array<{ rollout: { rate: number; step: number; nextStepAt: number } }> }).campaigns[0]?.rollout;
    expect(rollout).toMatchObject({ step: 1, rate: 100, nextStepAt: 1000 });

    const record = await h.waitForCampaign('ramp', finished, 60_000);
    expect(record.sent).toBe(7000);
    const real = ((record.finishedAt ?? 0) - record.createdAt) / 1000;
    expect(Math.abs(planned.seconds - real) / real, `plan ${planned.seconds} s, real ${real} s`).toBeLessThan(0.1);
    const calls = emulator.stats.calls();
    expectCapHeld(calls, CAP);
    const windows = slidingSeconds(calls.filter((call) => call.code === 'OK').map((call) => call.t).sort((a, b) => a - b));
    expect(windows.filter((window) => window.calls > window.allowed)).toEqual([]);
    // Each step is used, not skipped: its busiest second comes near its rate (the limiters keep 2–16% in hand).
    for (const rate of [START, 2 * START, 4 * START]) {
      const busiest = Math.max(...windows.filter((window) => window.allowed === rate).map((window) => window.calls));
      expect(busiest, `step at ${rate}/s`).toBeGreaterThan(rate * 0.8);
    }
    expect(Math.max(...windows.map((window) => window.calls))).toBeGreaterThan(CAP * 0.9);
  });
});
