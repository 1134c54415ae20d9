import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { campaignIdOf } from '../../src/queue/campaign-id.js';
import { runCli, startWorkerProcess, type CliResult, type WorkerProcess } from '../helpers/cli.js';
import { describeWithTool } from '../helpers/tools.js';
import { cleanupPrefix, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';
import { CONTRACT_METRICS, PROMETHEUS_DIR, alertExpressions, panelQueries, substitute, variableQueries } from './grafana-files.js';
import { familyOf, metricNamesOf, typedFamilies } from './promql-names.js';
import { freePort, prometheusBinary, sleep, startPrometheus, type PrometheusServer } from './prometheus-server.js';

const PROMETHEUS = prometheusBinary();

const ROWS = 2000;
const CAMPAIGN = 'observed-fleet';
/** A second campaign, to unknown devices only, that its abort rule pauses. */
const ABORTED = 'aborted-fleet';
const ABORTED_ROWS = 150;
const JOB = 'fleetcast-worker';

/** A campaign whose every 50th device is unknown to the emulator (a permanent failure). */
function writeCampaign(file: string): Array<{ ProductKey: string; DeviceName: string }> {
  const lines = ['ProductKey,DeviceName,TopicShortName,MessageContent'];
  const known: Array<{ ProductKey: string; DeviceName: string }> = [];
  for (let row = 1; row <= ROWS; row++) {
    const device = `dev-${String(row).padStart(5, '0')}`;
    lines.push(`a1Observed,${device},notice,fw 2.4.1 for {{DeviceName}}`);
    if (row % 50 !== 0) known.push({ ProductKey: 'a1Observed', DeviceName: device });
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return known;
}

function writeUnknownDevices(file: string): void {
  const lines = ['ProductKey,DeviceName,TopicShortName,MessageContent'];
  for (let row = 1; row <= ABORTED_ROWS; row++) lines.push(`a1Observed,gone-${String(row).padStart(5, '0')},notice,fw 2.4.1`);
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function hasFiniteValue(series: ReadonlyArray<{ values: Array<[number, string]> }>): boolean {
  return series.some((one) => one.values.some(([, value]) => Number.isFinite(Number(value))));
}

function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address;
}

describeWithTool('prometheus', PROMETHEUS, 'the dashboard and rules against a real worker and a real Prometheus', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let dir: string;
  let emulator: RunningEmulator | undefined;
  let worker: WorkerProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let metricsUrl = '';
  let firstScrape = '';
  let submitted: CliResult | undefined;
  let aborted: CliResult | undefined;
  let started = 0;

  beforeAll(async () => {
    redis = testRedis();
    dir = mkdtempSync(join(tmpdir(), 'fleetcast-observability-'));
    const file = join(dir, 'observed.csv');
    const devices = writeCampaign(file);
    emulator = await startEmulator({ port: 0, mqtt: false, devices, faultThrottle: 0.02, faultSystem: 0.01, seed: 11 });
    const env = {
      REDIS_URL: redisUrl(),
      FLEETCAST_PREFIX: prefix,
      FLEETCAST_ENDPOINT: emulator.url,
      FLEETCAST_RATE: '800',
      FLEETCAST_ADAPTIVE: 'off',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'testid',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'testsecret',
    };
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    [worker, prometheus] = await Promise.all([
      startWorkerProcess(env, ['--metrics-port', String(port)]),
      startPrometheus(PROMETHEUS ?? '', JOB, [`127.0.0.1:${port}`], [join(PROMETHEUS_DIR, 'alerts.yml')]),
    ]);
    firstScrape = await (await fetch(metricsUrl)).text();
    await waitFor(async () => (await prometheus?.query(`up{job="${JOB}"} == 1`))?.length === 1, 'the first scrape');
    started = Date.now() / 1000 - 2;
    submitted = await runCli(['submit', file, '--name', CAMPAIGN, '--rate', '790', '--wait'], env, 50_000);
    const unknown = join(dir, 'aborted.csv');
    writeUnknownDevices(unknown);
    aborted = await runCli(['submit', unknown, '--name', ABORTED, '--abort', 'not-found:50:100', '--wait'], env, 30_000);
    await sleep(3_500);
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await worker?.stop();
    await emulator?.close();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves every metric of the contract before the first call, on the loopback address only', async () => {
    const families = typedFamilies(firstScrape);
    for (const [name, type] of Object.entries(CONTRACT_METRICS)) expect(families.get(name), name).toBe(type);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) expect(families.has(name), name).toBe(true);
    expect(firstScrape).toMatch(/^# HELP fleetcast_retries_total /m);
    expect(worker?.output()).toMatch(/metrics on 127\.0\.0\.1:\d+\/metrics/);
    const outside = nonLoopbackAddress();
    if (outside !== undefined) {
      const refused = await fetch(metricsUrl.replace('127.0.0.1', outside)).then(() => false, () => true);
      expect(refused).toBe(true);
    }
  });

  it('sends the campaign, with throttling, retries and permanent failures along the way', () => {
    expect(submitted?.code, submitted?.stderr).toBe(1);
  });

  it('pauses the campaign to unknown devices by its abort rule, and raises the alert', async () => {
    expect(aborted?.code, aborted?.stderr).toBe(1);
    expect(aborted?.stdout).toContain('abort rule not-found:50:100 fired');
    const fired = await prometheus?.query(`fleetcast_campaign_abort_fired{campaign="${campaignIdOf(ABORTED)}"}`);
    expect(fired?.[0]?.metric).toMatchObject({ rule: 'not-found:50:100' });
    const firing = async (): Promise<boolean> => {
      const { alerts } = (await prometheus?.api<{ alerts: Array<{ labels: Record<string, string>; state: string }> }>('alerts')) ?? { alerts: [] };
      return alerts.some((alert) => alert.labels.alertname === 'FleetcastAbortRuleFired' && alert.labels.campaign === campaignIdOf(ABORTED) && alert.state === 'firing');
    };
    await waitFor(firing, 'the FleetcastAbortRuleFired alert');
  });

  it('counts the rows of the campaign file as ingested', async () => {
    const [valid] = (await prometheus?.query('max(fleetcast_ingest_rows_total{result="valid"})')) ?? [];
    expect(Number(valid?.value[1])).toBeGreaterThanOrEqual(ROWS);
  });

  it('answers every panel query of the dashboard with data', async () => {
    const variables = { campaign: `${campaignIdOf(CAMPAIGN)}|${campaignIdOf(ABORTED)}` };
    const empty: string[] = [];
    for (const query of panelQueries()) {
      const series = (await prometheus?.queryRange(substitute(query.expr, variables), started, Date.now() / 1000)) ?? [];
      if (!hasFiniteValue(series)) empty.push(`${query.panel} (${query.refId}): ${query.expr}`);
    }
    expect(empty).toEqual([]);
  });

  it('offers the campaign in the template variable', async () => {
    const [variable] = variableQueries();
    const match = /label_values\((\w+), *(\w+)\)/.exec(variable?.query ?? '');
    const values = await prometheus?.api<string[]>(`label/${match?.[2]}/values?match[]=${match?.[1]}`);
    expect(values).toContain(campaignIdOf(CAMPAIGN));
  });

  it('uses only metrics the worker exports (and up) in panels and rules, and every rule evaluates', async () => {
    const exported = new Set([...typedFamilies(await (await fetch(metricsUrl)).text()).keys(), 'up']);
    const used = [...panelQueries(), ...alertExpressions()].flatMap((query) => [...metricNamesOf(query.expr)]);
    expect(used.map((name) => familyOf(name, exported)).filter((name) => !exported.has(name))).toEqual([]);
    const rules = await prometheus?.api<{ groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> }>('rules');
    const unhealthy = rules?.groups.flatMap((group) => group.rules).filter((rule) => rule.health !== 'ok');
    expect(unhealthy).toEqual([]);
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}
