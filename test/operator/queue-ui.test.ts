import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness } from '../helpers/harness.js';
import { describeWithTool } from '../helpers/tools.js';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((path) => path !== undefined && path !== '' && existsSync(path));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const UI_AUTH = { FLEETCAST_UI_USER: 'operator', FLEETCAST_UI_PASSWORD: 'queue-ui-pass-51c7' };

/** The port a worker started with `--metrics-port 0` listens on, from its ready line. */
function portOf(output: string): number {
  const port = /metrics on [^ ]+:(\d+)\/metrics/.exec(output)?.[1];
  if (port === undefined) throw new Error(`no metrics port in: ${output}`);
  return Number(port);
}

describeWithTool('chromium', CHROMIUM, 'the queue UI on the worker port', () => {
  let harness: Harness;
  let browser: Browser | undefined;

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await harness.close();
  });

  /** A campaign that stays queued: submitted, then paused before any worker runs. */
  async function heldCampaign(name: string): Promise<void> {
    const file = join(harness.dir, `${name}.csv`);
    writeSimpleCampaign(file, 250);
    expect((await runCli(['submit', file, '--name', name], harness.env())).code).toBe(0);
    expect((await runCli(['pause', name], harness.env())).code).toBe(0);
  }

  it('lists the queue of an active campaign in a browser, read-only', async () => {
    harness = new Harness();
    await harness.startEmulator();
    await heldCampaign('held-ui');
    const [worker] = await harness.startWorkers(1, {}, ['--metrics-port', '0']);
    const port = portOf(worker?.output() ?? '');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();

    const response = await page.goto(`http://127.0.0.1:${port}/queues`);

    expect(response?.status()).toBe(200);
    await page.getByText('campaign-held-ui').first().waitFor({ timeout: 20_000 });
    const api = (await (await fetch(`http://127.0.0.1:${port}/queues/api/queues`)).json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(api.queues.map((queue) => [queue.name, queue.readOnlyMode])).toEqual([['campaign-held-ui', true]]);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
  });

  it('refuses to start on a non-loopback address without UI credentials', async () => {
    harness = new Harness();

    const result = await runCli(['worker', '--metrics-port', '0', '--metrics-host', '0.0.0.0'], harness.env({ FLEETCAST_UI_USER: '', FLEETCAST_UI_PASSWORD: '' }));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FLEETCAST_UI_USER');
  });

  it('asks for basic auth when credentials are set', async () => {
    harness = new Harness();
    await harness.startEmulator();
    await heldCampaign('held-auth');
    const [worker] = await harness.startWorkers(1, UI_AUTH, ['--metrics-port', '0', '--metrics-host', '0.0.0.0']);
    const url = `http://127.0.0.1:${portOf(worker?.output() ?? '')}/queues/api/queues`;
    const good = `Basic ${Buffer.from(`${UI_AUTH.FLEETCAST_UI_USER}:${UI_AUTH.FLEETCAST_UI_PASSWORD}`).toString('base64')}`;
    const bad = `Basic ${Buffer.from(`${UI_AUTH.FLEETCAST_UI_USER}:wrong`).toString('base64')}`;

    const anonymous = await fetch(url);
    const wrong = await fetch(url, { headers: { authorization: bad } });
    const right = await fetch(url, { headers: { authorization: good } });

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
    expect(JSON.stringify(await right.json())).toContain('campaign-held-auth');
  });
});
