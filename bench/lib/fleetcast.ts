import { accountIdOf } from '../../src/limiter/account-id.js';
import { accountKeys } from '../../src/limiter/shared-cap.js';
import { campaignKeys } from '../../src/queue/keys.js';
import type { RedisClient } from '../../src/redis/client.js';
import { freePort } from '../../src/redis/private-redis.js';
import { CLI, spawnNode, type Child } from './proc.js';
import { histogramQuantile, mergeHistograms, parseHistogram } from './stats.js';

/** A `fleetcast worker` process with its metrics port. */
export interface FleetcastWorker {
  readonly child: Child;
  readonly metricsPort: number;
}

/** Runs `fleetcast submit FILE --name NAME --json [ARGS…]` and returns the campaign id. */
export async function submit(
  file: string,
  name: string,
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
  args: readonly string[] = [],
): Promise<string> {
  const child = spawnNode(CLI, ['submit', file, '--name', name, '--json', ...args], env);
  const timer = setTimeout(() => void child.stop(1_000), timeoutMs);
  const code = await child.exited();
  clearTimeout(timer);
  const id = /"id":"([^"]+)"/.exec(child.stdout())?.[1];
  if (code !== 0 || id === undefined) throw new Error(`fleetcast submit exited with ${code}: ${child.stderr().slice(-800)}`);
  return id;
}

export async function startWorker(env: Readonly<Record<string, string>>): Promise<FleetcastWorker> {
  const metricsPort = await freePort();
  const child = spawnNode(CLI, ['worker', '--metrics-port', String(metricsPort), '--metrics-host', '127.0.0.1'], env);
  try {
    await child.waitFor(/worker ready.*metrics on [^\s]+:\d+\/metrics/, 30_000);
    return { child, metricsPort };
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

/** Rows of a campaign that ended sent, and of those the ones sent in a `BatchPub` pack. */
export async function sentRows(redis: RedisClient, prefix: string, id: string): Promise<{ sent: number; sentBatchPub: number }> {
  const [sent, sentBatchPub] = await redis.hmget(campaignKeys(prefix, id).campaign, 'sent', 'sentBatchPub');
  return { sent: Number(sent ?? 0), sentBatchPub: Number(sentBatchPub ?? 0) };
}

/** The `/metrics` text of each worker, in order. */
export async function scrapeWorkers(workers: readonly FleetcastWorker[]): Promise<string[]> {
  return Promise.all(workers.map(async (worker) => (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text()));
}

/** p50 and p99 of `fleetcast_pub_duration_seconds` over several workers' metrics, in ms (interpolated in buckets). */
export function workerLatencyMs(texts: readonly string[]): { p50: number; p99: number } {
  const buckets = mergeHistograms(texts.map((text) => parseHistogram(text, 'fleetcast_pub_duration_seconds')));
  return { p50: histogramQuantile(buckets, 0.5) * 1000, p99: histogramQuantile(buckets, 0.99) * 1000 };
}

/** `fleetcast_limiter_tokens_dropped_total` summed over several workers' metrics. */
export function tokensDropped(texts: readonly string[]): number {
  let total = 0;
  for (const text of texts) {
    for (const match of text.matchAll(/^fleetcast_limiter_tokens_dropped_total(?:\{[^}]*\})?\s+(\S+)/gm)) total += Number(match[1]);
  }
  return total;
}

/** The account's guard as stored in Redis, or null when none is stored. */
export async function storedGuard(redis: RedisClient, prefix: string, accessKeyId: string): Promise<number | null> {
  const guard = await redis.hget(accountKeys(prefix, accountIdOf(accessKeyId)).adaptive, 'guard');
  return guard === null ? null : Number(guard);
}
