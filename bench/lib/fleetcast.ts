import { campaignKeys } from '../../src/queue/keys.js';
import type { RedisClient } from '../../src/redis/client.js';
import { CLI, spawnNode, type Child } from './proc.js';
import { histogramQuantile, mergeHistograms, parseHistogram } from './stats.js';

/** A `fleetcast worker` process with its metrics port. */
export interface FleetcastWorker {
  readonly child: Child;
  readonly metricsPort: number;
}

/** Runs `fleetcast submit FILE --name NAME --json` and returns the campaign id. */
export async function submit(file: string, name: string, env: Readonly<Record<string, string>>, timeoutMs: number): Promise<string> {
  const child = spawnNode(CLI, ['submit', file, '--name', name, '--json'], env);
  const timer = setTimeout(() => void child.stop(1_000), timeoutMs);
  const code = await child.exited();
  clearTimeout(timer);
  const id = /"id":"([^"]+)"/.exec(child.stdout())?.[1];
  if (code !== 0 || id === undefined) throw new Error(`fleetcast submit exited with ${code}: ${child.stderr().slice(-800)}`);
  return id;
}

export async function startWorker(env: Readonly<Record<string, string>>): Promise<FleetcastWorker> {
  const child = spawnNode(CLI, ['worker', '--metrics-port', '0'], env);
  try {
    const match = await child.waitFor(/worker ready.*metrics on [^\s]+:(\d+)\/metrics/, 30_000);
    return { child, metricsPort: Number(match[1]) };
  } catch (error) {
    await child.stop(1_000);
    throw error;
  }
}

/** Rows of a campaign with a final outcome (sent, failed or cancelled). */
export async function finishedRows(redis: RedisClient, prefix: string, id: string): Promise<number> {
  const values = await redis.hmget(campaignKeys(prefix, id).campaign, 'sent', 'failed', 'cancelled');
  return values.reduce((sum, value) => sum + Number(value ?? 0), 0);
}

/** p50 and p99 of `fleetcast_pub_duration_seconds` over several workers, in ms (interpolated in buckets). */
export async function workerLatencyMs(workers: readonly FleetcastWorker[]): Promise<{ p50: number; p99: number }> {
  const texts = await Promise.all(workers.map(async (worker) => (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text()));
  const buckets = mergeHistograms(texts.map((text) => parseHistogram(text, 'fleetcast_pub_duration_seconds')));
  return { p50: histogramQuantile(buckets, 0.5) * 1000, p99: histogramQuantile(buckets, 0.99) * 1000 };
}
