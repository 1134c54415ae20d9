import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_VIEWS } from '../../src/console/index.js';
import { loadConfig } from '../../src/config/config.js';
import { startConsole, type RunningConsole } from '../../src/console/index.js';
import { accountKeys } from '../../src/limiter/shared-cap.js';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import { campaignKeys } from '../../src/queue/keys.js';
import { campaignIdOf } from '../../src/queue/campaign-id.js';
import { duplicateClient, type RedisClient } from '../../src/redis/client.js';
import { connectRedis } from '../../src/redis/connection.js';
import { CLI, runCli } from '../helpers/cli.js';
import { PRODUCT_KEY, deviceName, writeSimpleCampaign } from '../helpers/campaigns.js';
import { ACCESS_KEY, Harness, finished } from '../helpers/harness.js';
import { uniquePrefix } from '../helpers/redis.js';
import { SENTINEL_MASTER, startSentinelSetup, type SentinelSetup } from '../helpers/sentinel.js';
import { describeWithTool } from '../helpers/tools.js';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((path) => path !== undefined && path !== '' && existsSync(path));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const NO_AUTOPAUSE = { FLEETCAST_ABORT_MIN_ROWS: '0' };
const UI_AUTH = { user: 'operator', password: 'console-pass-7e21' };
const XSS_NAME = '<img src=x onerror=alert(1)>';
const XSS_ROW = '<script>alert(1)</script>';

/** Campaign live-a: 1,200 rows at 60 calls/s (about 20 s), every tenth device unknown to the emulator. */
const LIVE_ROWS = 1200;
/** Campaign retry-b: 30 rows, every third device unknown; it finishes with 10 failed rows. */
const RETRY_ROWS = 30;

function liveMissing(row: number): boolean {
  return row % 10 === 1;
}

function retryMissing(row: number): boolean {
  return row % 3 === 1;
}

function knownDevices(rows: number, tag: string, missing: (row: number) => boolean): Array<{ ProductKey: string; DeviceName: string }> {
  return Array.from({ length: rows }, (_, index) => index)
    .filter((index) => !missing(index + 1))
    .map((index) => ({ ProductKey: PRODUCT_KEY, DeviceName: deviceName(index, tag) }));
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function statusOf(harness: Harness, id: string): Promise<string> {
  const result = await runCli(['status', id, '--json'], harness.env());
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { campaigns: Array<{ state: string }> }).campaigns[0]?.state ?? '';
}

async function downloadOf(page: Page, linkText: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: linkText, exact: true }).click()]);
  return readFileSync(await download.path(), 'utf8');
}

describeWithTool('chromium', CHROMIUM, 'fleetcast console in a browser', () => {
  let harness: Harness;
  let redis: RedisClient | undefined;
  let browser: Browser | undefined;
  const consoles: RunningConsole[] = [];

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await Promise.all(consoles.splice(0).map((running) => running.close()));
    await redis?.quit();
    redis = undefined;
    await harness.close();
  });

  async function openConsole(readOnly: boolean): Promise<RunningConsole> {
    redis ??= await connectRedis(harness.redisUrl);
    const running = await startConsole({
      store: new CampaignStore(redis, harness.prefix),
      views: CONSOLE_VIEWS,
      host: '127.0.0.1',
      port: 0,
      auth: undefined,
      readOnly,
      log: () => undefined,
    });
    consoles.push(running);
    return running;
  }

  it('follows campaigns live, pauses, resumes, cancels and retries them, downloads reports, and shows every value as text', async () => {
    harness = new Harness();
    const emulator = await harness.startEmulator({ devices: [...knownDevices(LIVE_ROWS, 'dev', liveMissing), ...knownDevices(RETRY_ROWS, 'bee', retryMissing)] });
    const retryFile = join(harness.dir, 'retry-b.csv');
    writeSimpleCampaign(retryFile, RETRY_ROWS, 'bee');
    const xssFile = join(harness.dir, 'xss.csv');
    writeFileSync(xssFile, `ProductKey,DeviceName,TopicShortName,MessageContent\n${PRODUCT_KEY},xss-000001,notice,${XSS_ROW}\n`);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    // One chunk at a time per worker: a cancel then has few rows waiting on the campaign's own limiter.
    const [workers, ...submitted] = await Promise.all([
      harness.startWorkers(2, NO_AUTOPAUSE, ['--concurrency', '1']),
      harness.submitSimple(LIVE_ROWS, ['--rate', '60'], 'live-a').then(() => 0),
      runCli(['submit', retryFile, '--name', 'retry-b'], harness.env()).then((result) => result.code),
      runCli(['submit', xssFile, '--name', XSS_NAME, '--at', later], harness.env()).then((result) => result.code),
      runCli(['submit', xssFile, '--name', 'nightly-notice', '--cron', '0 3 1 1 *', '--tz', 'UTC'], harness.env()).then((result) => result.code),
    ]);
    expect(submitted).toEqual([0, 0, 0, 0]);
    const xssId = campaignIdOf(XSS_NAME);
    const app = await openConsole(false);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    const alerts: string[] = [];
    page.on('dialog', (dialog) => {
      if (dialog.type() !== 'confirm') alerts.push(dialog.message());
      void (dialog.type() === 'confirm' ? dialog.accept() : dialog.dismiss());
    });

    // The list: live-a is running and its numbers move without a reload.
    await page.goto(`${app.url}/`);
    await page.evaluate('window.sameDocument = true');
    const sentCell = page.locator('[data-campaign="live-a"] [data-count="sent"]');
    const firstSent = Number(await sentCell.textContent());
    await until('the sent count moves on the open page', async () => Number(await sentCell.textContent()) > firstSent + 10);
    expect(await page.evaluate("'sameDocument' in window")).toBe(true);
    expect(await page.locator('[data-campaign="live-a"] .state').textContent()).toBe('running');
    expect(await page.getByText(XSS_NAME, { exact: true }).count()).toBe(1);
    expect(await page.locator('main img').count()).toBe(0);
    await page.screenshot({ path: join(DOCS, 'console-campaigns.png'), fullPage: true });

    // Workers and the cap: both worker processes, each holding live-a.
    await page.goto(`${app.url}/workers`);
    for (const worker of workers) await page.locator(`[data-worker$=":${worker.child.pid}"]`).waitFor({ timeout: 5_000 });
    await until('both workers hold live-a', async () => (await page.locator('[data-held="live-a"] td').nth(1).textContent()) === '2');
    expect(await page.locator('[data-fact="cap"]').first().textContent()).toBe('1600 calls/s');
    await page.screenshot({ path: join(DOCS, 'console-workers.png'), fullPage: true });

    // One campaign: its calls per second fill the chart, then pause stops every worker.
    await page.goto(`${app.url}/campaigns/live-a`);
    await until('the chart has a few seconds of calls', async () => (await page.locator('svg.chart rect.calls').count()) >= 3);
    await page.getByRole('button', { name: 'pause', exact: true }).click();
    await page.getByText('Paused: every worker stops sending').waitFor();
    expect(await statusOf(harness, 'live-a')).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pausedAt = (await harness.campaign('live-a')).done;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await harness.campaign('live-a')).done).toBe(pausedAt);
    expect(pausedAt).toBeLessThan(LIVE_ROWS);

    await page.getByRole('button', { name: 'resume', exact: true }).click();
    await page.getByText('Resumed').waitFor();
    expect(await statusOf(harness, 'live-a')).toBe('running');
    await harness.waitForCampaign('live-a', (record) => record.done > pausedAt + 10, 5_000);
    await until('the chart shows the pause and the resume', async () => (await page.locator('svg.chart rect.calls').count()) >= 8);
    await page.screenshot({ path: join(DOCS, 'console-campaign.png'), fullPage: true });

    await page.getByRole('button', { name: 'cancel', exact: true }).click();
    await page.getByText('Cancelled: its rows not yet sent end cancelled').waitFor();
    expect(await statusOf(harness, 'live-a')).toBe('cancelled');
    await until('the page shows it cancelled', async () => (await page.locator('[data-state]').getAttribute('data-state')) === 'cancelled');
    const cancelledAt = (await harness.campaign('live-a')).sent;

    // retry-b: failures by Code with their class, reports equal to fleetcast report, then retry-failed.
    await harness.waitForCampaign('retry-b', finished, 10_000);
    await page.goto(`${app.url}/campaigns/retry-b`);
    const failureRow = page.locator('[data-code="iot.device.NotExistedDevice"] td');
    expect(await failureRow.allTextContents()).toEqual(['iot.device.NotExistedDevice', '10', 'permanent', 'not-found', expect.stringContaining('failed-only report') as string]);
    for (const [link, flags] of [
      ['every row (CSV)', []],
      ['failed rows only (CSV)', ['--failed-only']],
    ] as const) {
      const out = join(harness.dir, `cli-${flags.length}.csv`);
      expect((await runCli(['report', 'retry-b', '--out', out, ...flags], harness.env())).code).toBe(0);
      const downloaded = await downloadOf(page, link);
      expect(downloaded.split('\n').length).toBe(flags.length === 0 ? RETRY_ROWS + 2 : 10 + 2);
      expect(downloaded).toBe(readFileSync(out, 'utf8'));
    }
    const callsBefore = emulator.stats.calls().length;
    await page.getByRole('button', { name: 'retry-failed', exact: true }).click();
    await page.getByText('10 failed rows queued again.').waitFor();
    await harness.waitForCampaign('retry-b', (record) => finished(record) && record.done === RETRY_ROWS, 10_000);
    const retried = emulator.stats
      .calls()
      .slice(callsBefore)
      .map((call) => call.topic ?? '')
      .filter((topic) => topic.includes('/bee-'))
      .sort();
    const failedTopics = Array.from({ length: RETRY_ROWS }, (_, index) => index)
      .filter((index) => retryMissing(index + 1))
      .map((index) => `/${PRODUCT_KEY}/${deviceName(index, 'bee')}/user/notice`)
      .sort();
    expect(retried).toEqual(failedTopics);
    // Its file changed: the page says so, and retry-failed is refused with the reason, queueing nothing.
    appendFileSync(retryFile, `${PRODUCT_KEY},bee-extra,notice,hello\n`);
    await page.goto(`${app.url}/campaigns/retry-b`);
    expect(await page.getByText('has changed since it was submitted: retry-failed').count()).toBe(1);
    const refused = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.getByRole('button', { name: 'retry-failed', exact: true }).click();
    expect((await refused).status()).toBe(409);
    await page.locator('.flash.error').getByText('has changed since it was submitted').waitFor();
    expect(emulator.stats.calls().slice(callsBefore).filter((call) => call.topic?.includes('/bee-') === true)).toHaveLength(failedTopics.length);
    expect(await harness.campaign('retry-b')).toMatchObject({ state: 'finished', failed: failedTopics.length });

    // Schedules.
    await page.goto(`${app.url}/schedules`);
    expect(await page.getByRole('cell', { name: 'nightly-notice', exact: true }).count()).toBe(1);
    await page.screenshot({ path: join(DOCS, 'console-schedules.png'), fullPage: true });

    // A name and a row holding markup show as text, on the page and after the live refresh.
    await page.goto(`${app.url}/campaigns/${xssId}`);
    await page.evaluate("document.querySelector('h1').dataset.firstRender = 'yes'");
    await until('the live part was fetched again', async () => (await page.locator('h1[data-first-render]').count()) === 0);
    expect(await page.locator('h1').textContent()).toContain(XSS_NAME);
    expect(await page.locator('pre.file-head').textContent()).toContain(`xss-000001,notice,${XSS_ROW}`);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.locator('[data-state]').getAttribute('data-state')).toBe('scheduled');
    expect(alerts).toEqual([]);

    // Actions need the page's token and the console's own origin; nothing happens without them.
    const token = await page.locator('input[name="csrf"]').first().getAttribute('value');
    expect(token).toMatch(/^[\w-]{20,}$/);
    const post = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${app.url}/campaigns/${xssId}/pause`, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    expect((await post('')).status).toBe(403);
    expect((await post('csrf=wrong')).status).toBe(403);
    expect((await post(`csrf=${token}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await harness.campaign(xssId)).state).toBe('running');

    // Read-only: no forms, and the actions are refused.
    const readOnly = await openConsole(true);
    const readOnlyPage = await (await fetch(`${readOnly.url}/campaigns/${xssId}`)).text();
    expect(readOnlyPage).not.toContain('<form');
    expect(readOnlyPage).toContain(XSS_NAME.replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
    expect((await fetch(`${readOnly.url}/campaigns/${xssId}/pause`, { method: 'POST', body: `csrf=${token}` })).status).toBe(403);
    expect((await harness.campaign(xssId)).state).toBe('running');

    // By now the workers have ended live-a's unsent rows cancelled, and sent none of them.
    const cancelled = await harness.waitForCampaign('live-a', finished, 30_000);
    expect(cancelled).toMatchObject({ state: 'cancelled', done: LIVE_ROWS });
    expect(cancelled.sent).toBeLessThanOrEqual(cancelledAt + 60);
    expect(cancelled.cancelled).toBeGreaterThan(0);
    expect(cancelled.sent + cancelled.failed + cancelled.cancelled).toBe(LIVE_ROWS);

    // No secret on any page.
    for (const path of ['/', '/campaigns/live-a', '/campaigns/retry-b', '/schedules', '/workers', '/api/campaigns']) {
      const text = await (await fetch(`${app.url}${path}`)).text();
      expect(text).not.toContain(ACCESS_KEY.accessKeySecret);
    }
  });
});

describe('fleetcast console: access and workers', () => {
  let harness: Harness;

  afterEach(async () => {
    await harness.close();
  });

  it('refuses to start without credentials, and asks for them when they are set', async () => {
    harness = new Harness();

    const refused = await runCli(['console', '--host', '0.0.0.0', '--port', '0'], harness.env({ FLEETCAST_UI_USER: '', FLEETCAST_UI_PASSWORD: '' }));

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('FLEETCAST_UI_USER and FLEETCAST_UI_PASSWORD');
    expect(refused.stderr).toContain('--host 127.0.0.1');
    const redis = await connectRedis(harness.redisUrl);
    const running = await startConsole({ store: new CampaignStore(redis, harness.prefix), views: CONSOLE_VIEWS, host: '0.0.0.0', port: 0, auth: UI_AUTH, readOnly: false, log: () => undefined });
    try {
      const url = `http://127.0.0.1:${running.port}/`;
      const anonymous = await fetch(url);
      const wrong = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${UI_AUTH.user}:wrong`).toString('base64')}` } });
      const right = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${UI_AUTH.user}:${UI_AUTH.password}`).toString('base64')}` } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
      expect(wrong.status).toBe(401);
      expect(right.status).toBe(200);
      expect(await right.text()).not.toContain(UI_AUTH.password);
    } finally {
      await running.close();
      await redis.quit();
    }
  });

  it('on loopback without credentials, answers only to a loopback name (no DNS rebinding)', async () => {
    harness = new Harness();
    const redis = await connectRedis(harness.redisUrl);
    const running = await startConsole({ store: new CampaignStore(redis, harness.prefix), views: CONSOLE_VIEWS, host: '127.0.0.1', port: 0, auth: undefined, readOnly: false, log: () => undefined });
    try {
      const statusWithHost = (host: string): Promise<number | undefined> =>
        new Promise((resolve, reject) => {
          const request = httpRequest({ host: '127.0.0.1', port: running.port, path: '/', headers: { host } }, (response) => {
            response.resume();
            resolve(response.statusCode);
          });
          request.on('error', reject);
          request.end();
        });

      expect(await statusWithHost(`rebound.example:${running.port}`)).toBe(403);
      expect(await statusWithHost(`localhost:${running.port}`)).toBe(200);
      expect(await statusWithHost(`127.0.0.1:${running.port}`)).toBe(200);
    } finally {
      await running.close();
      await redis.quit();
    }
  });

  it('names the campaigns each worker holds when its queue workers carry its host:pid', async () => {
    harness = new Harness();
    await harness.submitSimple(5, [], 'held-by');
    const redis = await connectRedis(harness.redisUrl);
    const keys = accountKeys(harness.prefix, 'account-7');
    await redis.hset(keys.cap, { cap: 800, grant: 32, setAt: Date.now(), setBy: 'cap --set' });
    await redis.hset(keys.workers, 'node-7:4242', `${Date.now()}|${JSON.stringify({ host: 'node-7', pid: 4242, startedWith: 1600 })}`);
    await redis.hset(keys.workers, 'node-8:99', `${Date.now()}|${JSON.stringify({ host: 'node-8', pid: 99, startedWith: 1600 })}`);
    const connection = duplicateClient(redis);
    const queueWorker = new Worker(campaignKeys(harness.prefix, 'held-by').queueName, () => Promise.resolve(), { connection, prefix: campaignKeys(harness.prefix, 'held-by').bullPrefix, name: 'node-7:4242', autorun: false });
    const running = await startConsole({ store: new CampaignStore(redis, harness.prefix), views: CONSOLE_VIEWS, host: '127.0.0.1', port: 0, auth: undefined, readOnly: true, log: () => undefined });
    try {
      await queueWorker.waitUntilReady();

      const page = await (await fetch(`${running.url}/workers?live=1`)).text();

      expect(page).toContain('<td data-campaigns-held>held-by</td>');
      expect(page).toMatch(/data-worker="node-8:99">.*<td data-campaigns-held>-<\/td>/);
      expect(page).toContain('800 calls/s');
    } finally {
      await queueWorker.close();
      connection.disconnect();
      await running.close();
      await redis.quit();
    }
  });
});

describe('fleetcast console on Redis Sentinel', () => {
  let setup: SentinelSetup | undefined;
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fleetcast-console-sentinel-'));

  afterEach(async () => {
    child?.kill('SIGKILL');
    await setup?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads and acts through the sentinels, as every command does', async () => {
    setup = await startSentinelSetup();
    const prefix = uniquePrefix();
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_SENTINELS: setup.sentinels, REDIS_SENTINEL_NAME: SENTINEL_MASTER, FLEETCAST_PREFIX: prefix };
    delete env.REDIS_URL;
    const file = join(dir, 'via-sentinel.csv');
    writeSimpleCampaign(file, 20);
    expect((await runCli(['submit', file, '--name', 'via-sentinel'], { ...env, REDIS_URL: undefined })).code).toBe(0);
    const started = spawn(process.execPath, [CLI, 'console', '--port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let output = '';
    started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until('the console says where it listens', () => /console on http:\/\/\S+\//.test(output));
    const url = /console on (http:\/\/\S+)\//.exec(output)?.[1] ?? '';

    const list = await (await fetch(`${url}/`)).text();
    const page = await (await fetch(`${url}/campaigns/via-sentinel`)).text();
    const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const paused = await fetch(`${url}/campaigns/via-sentinel/pause`, { method: 'POST', body: `csrf=${token}`, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });

    expect(list).toContain('data-campaign="via-sentinel"');
    expect(paused.status).toBe(303);
    const config = loadConfig({ REDIS_SENTINELS: setup.sentinels, REDIS_SENTINEL_NAME: SENTINEL_MASTER, FLEETCAST_PREFIX: prefix });
    const redis = await connectRedis(config.redis);
    try {
      expect((await new CampaignStore(redis, prefix).require('via-sentinel')).state).toBe('paused');
    } finally {
      redis.disconnect();
    }
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    started.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
