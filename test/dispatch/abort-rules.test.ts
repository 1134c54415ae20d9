import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness, finished } from '../helpers/harness.js';

const WORKER_ENV = { FLEETCAST_RATE: '300' };

describe('abort rules by failure class, against devices offline in a chosen share', () => {
  let h: Harness;
  afterEach(async () => h.close());


  it('offline:20:200 pauses a campaign with 30% offline devices before 400 rows are final; status shows the rule', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000, faultOffline: 0.3 });
    await h.startWorkers(2, WORKER_ENV);
    await h.submitSimple(2000, ['--abort', 'offline:20:200'], 'thirty');

    const paused = await h.waitForCampaign('thirty', (record) => record.state === 'paused', 30_000);
    expect(paused.pausedReason).toMatch(/^abort rule offline:20:200 fired: \d+ of \d+ final rows \(\d+%\)$/);
    expect(paused.abortFired?.final).toBeGreaterThanOrEqual(200);
    expect((paused.abortFired?.matching ?? 0) * 100).toBeGreaterThan(20 * (paused.abortFired?.final ?? 0));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const settled = await h.campaign('thirty');
    expect(settled.done).toBeLessThan(400);
    expect(settled.failedByClass.offline).toBe(settled.failed);

    const status = await runCli(['status', 'thirty', '--json'], h.env());
    const view = (JSON.parse(status.stdout) as { campaigns: Array<{ rollout: Record<string, unknown> }> }).campaigns[0];
    expect(view?.rollout).toMatchObject({
      stage: 'all',
      abortAction: 'pause',
      abort: [{ rule: 'offline:20:200', class: 'offline', percent: 20, minRows: 200 }],
      fired: { rule: 'offline:20:200', final: paused.abortFired?.final, matching: paused.abortFired?.matching },
    });
    const text = await runCli(['status', 'thirty'], h.env());
    expect(text.stdout).toMatch(/abort\s+offline:20:200 → pause/);
    expect(text.stdout).toMatch(/fired\s+abort rule offline:20:200 fired/);

    // Resumed, the rule judges only the rows final from now on: 30% offline crosses it again after 200 more.
    const before = settled.done;
    expect((await runCli(['resume', 'thirty'], h.env())).code).toBe(0);
    const again = await h.waitForCampaign('thirty', (record) => record.state === 'paused', 30_000);
    expect(again.abortFired?.final).toBeGreaterThanOrEqual(200);
    expect(again.done).toBeGreaterThanOrEqual(before + 200);
  });

  it('the same rule lets a campaign with 10% offline devices run to the end', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000, faultOffline: 0.1 });
    await h.startWorkers(1, WORKER_ENV);
    await h.submitSimple(1000, ['--abort', 'offline:20:200'], 'ten');

    const record = await h.waitForCampaign('ten', finished, 60_000);
    expect(record.state).toBe('finished');
    expect(record.abortFired).toBeUndefined();
    expect(record.failedByClass.offline).toBe(record.failed);
    expect(record.failed).toBeGreaterThan(50);
    expect(record.sent + record.failed).toBe(1000);
  });

  it('with --abort-action cancel, a fired rule ends the rest cancelled', async () => {
    h = new Harness();
    await h.startEmulator({ qps: 100_000, faultNotFound: 0.3 });
    await h.startWorkers(1, WORKER_ENV);
    await h.submitSimple(1500, ['--abort', 'not-found:20:200', '--abort-action', 'cancel'], 'gone');

    const record = await h.waitForCampaign('gone', (r) => r.state === 'cancelled' && r.done >= r.rows, 60_000);
    expect(record.abortFired).toMatchObject({ abortClass: 'not-found' });
    expect(record.sent + record.failed).toBeLessThan(400);
    expect(record.cancelled).toBe(1500 - record.sent - record.failed);
    const calls = h.emulator?.stats.summary().total ?? 0;
    expect(calls).toBeLessThan(400);
  });

  it('refuses a rule it cannot read, queuing nothing', async () => {
    h = new Harness();
    const file = join(h.dir, 'bad.csv');
    writeSimpleCampaign(file, 10);
    const result = await runCli(['submit', file, '--abort', 'offline:120'], h.env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--abort "offline:120"/);
    expect(await h.store.list()).toHaveLength(0);
  });
});
