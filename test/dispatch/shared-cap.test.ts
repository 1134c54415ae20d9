import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accountIdOf } from '../../src/limiter/account-id.js';
import { accountKeys, setCap } from '../../src/limiter/shared-cap.js';
import { maxInWindow } from '../../src/limiter/sliding-window.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { runCli } from '../helpers/cli.js';
import { ACCESS_KEY, Harness, finished } from '../helpers/harness.js';
import { DEFAULT_LEARNED_GUARD } from '../../src/limiter/adaptive-rate.js';
import { expectCapHeld } from '../helpers/cap.js';
import { startEmulatorProcess, type EmulatorProcess } from '../helpers/emulator-process.js';

interface CapJson {
  accounts: Array<{ account: string; cap: number; rate: number; workers: Array<{ host: string; pid: number; startedWith: number }> }>;
}

/** The emulator's clock now, read off its latest recorded call (calls arrive ~0.6 ms apart at 1,600/s). */
async function emulatorNow(emulator: EmulatorProcess): Promise<number> {
  const calls = await emulator.calls();
  return calls[calls.length - 1]?.t ?? 0;
}

function timesBetween(times: readonly number[], from: number, to = Infinity): number[] {
  return times.filter((t) => t >= from && t < to);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not there in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('one cap per account, stored in Redis', () => {
  let h: Harness;
  let stopEmulator: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopEmulator?.();
    stopEmulator = undefined;
    await h.close();
  });

  it('two workers started with different FLEETCAST_RATE follow the one stored cap, and the second says so', async () => {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 1600 });
    const [first] = await h.startWorkers(1, { FLEETCAST_RATE: '1600' });
    const [second] = await h.startWorkers(1, { FLEETCAST_RATE: '800' });
    expect(first?.output()).not.toContain('differs');
    expect(second?.output()).toContain("FLEETCAST_RATE=800 differs from the account's shared cap of 1600 calls/s stored in Redis: following 1600 calls/s");

    const caps = await runCli(['cap', '--json'], h.env());
    expect(caps.code).toBe(0);
    const [account] = (JSON.parse(caps.stdout) as CapJson).accounts;
    expect(account?.cap).toBe(1600);
    expect(account?.workers.map((worker) => worker.startedWith).sort()).toEqual([1600, 800]);
    expect(account?.workers.map((worker) => worker.pid).sort()).toEqual([first?.child.pid, second?.child.pid].sort());
    const unknown = await runCli(['cap', 'no-such-account'], h.env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`no account no-such-account has a stored cap; accounts: ${account?.account}`);

    // Sent from a start time just after the rows are queued: the submitting process then no longer shares these two
    // cores with the workers and the in-process emulator while they run at the cap.
    await h.submitSimple(8000, ['--at', new Date(Date.now() + 2500).toISOString(), '--wait'], 'both');
    const times = emulator.stats.calls().filter((call) => call.code === 'OK').map((call) => call.t);
    expect(times).toHaveLength(8000);
    // Both follow 1,600/s: the busiest second is near it (one of them at 800 gave at most 1,212), and never over it.
    expectCapHeld(emulator.stats.calls(), 1600);
    expect(maxInWindow(times)).toBeGreaterThan(1400);
  });

  it('a cap lowered to 800 mid-campaign holds every sliding second under 800 within a second, and cap --set 1600 brings it back without a second over 1,600', async () => {
    h = new Harness();
    // In a process of its own: an emulator in this busy process is descheduled for milliseconds at a time and then
    // stamps the calls that waited as if they came at once.
    const emulator = await startEmulatorProcess(100_000);
    stopEmulator = () => emulator.stop();
    // This endpoint never throttles (its quota is far above the caps under test): the guard has nothing to learn
    // from and would shrink to its least, so it is fixed where a learned one starts.
    await h.startWorkers(2, { FLEETCAST_ENDPOINT: emulator.url, FLEETCAST_RATE: '1600', FLEETCAST_GUARD: String(DEFAULT_LEARNED_GUARD.initial) });
    const file = join(h.dir, 'live.csv');
    writeSimpleCampaign(file, 12_000);
    // Queued first, sent from a start time: queueing 12,000 rows beside two workers at the cap would pause the emulator.
    const submitted = runCli(['submit', file, '--name', 'live', '--at', new Date(Date.now() + 2500).toISOString()], h.env());

    await waitFor(async () => (await emulator.accepted()) >= 2500, 20_000);
    // Lowered by the command's own call, at once: a CLI process would take half a second to start.
    expect(await setCap(h.redis, accountKeys(h.prefix, accountIdOf(ACCESS_KEY.accessKeyId)), 800)).toBe(1600);
    const loweredAt = await emulatorNow(emulator);
    const rowsAtLowering = await emulator.accepted();
    const lowered = await runCli(['cap', '--json'], h.env());
    expect(JSON.parse(lowered.stdout)).toMatchObject({ accounts: [{ cap: 800, setBy: 'cap --set', workers: [{}, {}] }] });
    const status = await runCli(['status', '--json'], h.env());
    expect(JSON.parse(status.stdout)).toMatchObject({ accounts: [{ cap: 800, workers: 2 }] });
    await waitFor(async () => (await emulatorNow(emulator)) > loweredAt + 3500, 20_000);

    const raised = await runCli(['cap', '--set', '1600'], h.env());
    expect(raised.code).toBe(0);
    expect(raised.stdout).toContain('cap 800 → 1600 calls/s; 2 running workers follow it');
    const raisedAt = await emulatorNow(emulator);
    expect((await submitted).code).toBe(0);
    await h.waitForCampaign('live', finished, 30_000);

    const all = (await emulator.calls()).map((call) => call.t);
    expect(all).toHaveLength(12_000);
    expect(rowsAtLowering).toBeLessThan(6000);
    expect(maxInWindow(all)).toBeLessThanOrEqual(1600);
    const underNewCap = timesBetween(all, loweredAt + 1000, raisedAt);
    expect(maxInWindow(underNewCap)).toBeLessThanOrEqual(800);
    // It ran at the new cap, not below it, and went back up after the raise.
    expect(maxInWindow(underNewCap)).toBeGreaterThan(700);
    expect(maxInWindow(timesBetween(all, raisedAt + 1000))).toBeGreaterThan(1400);
  });
});
