import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeCampaignCsv } from '../lib/campaign-file.js';
import { runTimeoutMs, type BenchContext } from '../lib/context.js';
import { startEmulatorProcess, type AccessKey } from '../lib/emulator.js';
import { dispatchFigures, type DispatchFigures } from '../lib/figures.js';
import { finishedRows, scrapeWorkers, startWorker, storedGuard, submit, tokensDropped, workerLatencyMs, type FleetcastWorker } from '../lib/fleetcast.js';
import { totalCpuUs, waitUntil } from '../lib/proc.js';
import type { RedisClient } from '../../src/redis/client.js';
import { deletePrefix } from '../../src/redis/delete-prefix.js';
import { benchPrefix, singleNodeTarget, type DispatchTarget } from '../lib/redis.js';

export const BENCH_KEY: AccessKey = { id: 'benchid', secret: 'benchsecret' };

/**
 * fleetcast at the cap: the campaign is queued first, then the workers (two by default) send it through the shared
 * limiter. Runs against the bench's single node unless given another target; `label` names the run in notes.
 */
export async function fleetcastDispatch(
  context: BenchContext,
  target: DispatchTarget = singleNodeTarget(context.redis),
  label = 'dispatch fleetcast',
): Promise<DispatchFigures> {
  const rows = context.args.rows;
  const file = join(context.dir, `dispatch-${rows}.csv`);
  if (!existsSync(file)) await writeCampaignCsv(file, rows);
  const prefix = benchPrefix();
  const emulator = await startEmulatorProcess([BENCH_KEY], context.args.endpoint);
  const workers: FleetcastWorker[] = [];
  const redis = target.client;
  try {
    const env = {
      ...target.env,
      FLEETCAST_PREFIX: prefix,
      FLEETCAST_ENDPOINT: emulator.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: BENCH_KEY.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: BENCH_KEY.secret,
    };
    const id = await submit(file, 'dispatch', env, 300_000);
    const redisBefore = await target.cpuUs();
    const started = performance.now();
    workers.push(...(await Promise.all(Array.from({ length: context.args.workers }, () => startWorker(env)))));
    const pids = workers.map((worker) => worker.child.pid);
    const cpuBefore = totalCpuUs(pids);
    const sent = await sentWithin(context, redis, prefix, id, rows, label);
    const seconds = (performance.now() - started) / 1000;
    const cpuUs = totalCpuUs(pids) - cpuBefore;
    const redisUs = (await target.cpuUs()) - redisBefore;
    const metrics = await scrapeWorkers(workers);
    const latency = workerLatencyMs(metrics);
    await Promise.all(workers.map((worker) => worker.child.stop()));
    const calls = await emulator.calls();
    const guardEnd = await storedGuard(redis, prefix, BENCH_KEY.id);
    const limiter = { tokensDropped: tokensDropped(metrics), guardEnd };
    return dispatchFigures({ rows: sent, calls, cpuUs, redisCpuUs: redisUs, p50Ms: latency.p50, p99Ms: latency.p99, seconds, limiter });
  } finally {
    await Promise.all(workers.map((worker) => worker.child.stop()));
    await emulator.stop();
    await deletePrefix(redis, prefix);
  }
}

/** Rows finished when the campaign ended, or when the run's time was up (then noted: the figures cover fewer rows). */
async function sentWithin(context: BenchContext, redis: RedisClient, prefix: string, id: string, rows: number, label: string): Promise<number> {
  const timeoutMs = runTimeoutMs(rows);
  if (await waitUntil(async () => (await finishedRows(redis, prefix, id)) >= rows, timeoutMs)) return rows;
  const sent = await finishedRows(redis, prefix, id);
  context.note(`${label}: stopped after ${Math.round(timeoutMs / 1000)} s with ${sent} of ${rows} rows finished; its figures cover those rows`);
  return sent;
}
