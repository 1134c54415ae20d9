import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Prometheus binary (Debian's package puts it in /usr/bin), or undefined when none is installed. */
export function prometheusBinary(): string | undefined {
  for (const candidate of ['/usr/bin/prometheus', 'prometheus']) {
    if (spawnSync(candidate, ['--version'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

/** One value of a range query: [unix seconds, value as text]. */
type Sample = [number, string];
export interface RangeSeries {
  metric: Record<string, string>;
  values: Sample[];
}

/** A Prometheus of its own, in a temporary directory, scraping the given targets every second. */
export interface PrometheusServer {
  readonly url: string;
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: Sample }>>;
  queryRange(expr: string, start: number, end: number): Promise<RangeSeries[]>;
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startPrometheus(binary: string, job: string, targets: readonly string[], ruleFiles: readonly string[]): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetcast-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, configText(job, targets, ruleFiles));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  const server = prometheusClient(url, child, dir);
  try {
    await waitReady(url, child, () => log);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

function configText(job: string, targets: readonly string[], ruleFiles: readonly string[]): string {
  return [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    `rule_files: ${JSON.stringify(ruleFiles)}`,
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(job)}`,
    `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
    '',
  ].join('\n');
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${log()}`);
    const ready = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`prometheus not ready within 20 s: ${log()}`);
}

function prometheusClient(url: string, child: ChildProcess, dir: string): PrometheusServer {
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    api,
    query: async (expr) => (await api<{ result: Array<{ metric: Record<string, string>; value: Sample }> }>(`query?query=${encodeURIComponent(expr)}`)).result,
    queryRange: async (expr, start, end) =>
      (await api<{ result: RangeSeries[] }>(`query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=1`)).result,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
