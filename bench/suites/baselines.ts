import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BASELINE_NAMES } from '../lib/args.js';
import { benchRow } from '../lib/campaign-file.js';
import { runTimeoutMs, type BenchContext } from '../lib/context.js';
import { startEmulatorProcess } from '../lib/emulator.js';
import { dispatchFigures, type DispatchFigures } from '../lib/figures.js';
import { BASELINES, spawnNode, totalCpuUs, waitUntil, type Child } from '../lib/proc.js';
import { deletePrefix } from '../../src/redis/delete-prefix.js';
import { benchPrefix, redisCpuUs } from '../lib/redis.js';
import { quantile } from '../lib/stats.js';
import { BENCH_KEY } from './dispatch.js';

export { BASELINE_NAMES };
export type BaselineName = (typeof BASELINE_NAMES)[number];

const PROCESSES: Record<BaselineName, number> = { 'sdk-plain': 1, 'bullmq-limiter': 2, 'bottleneck-local': 2 };
const QUEUE = 'baseline';

/** One baseline against the same emulator and quota as fleetcast's dispatch run, with the same kind of rows. */
export async function baselineDispatch(context: BenchContext, name: BaselineName): Promise<DispatchFigures> {
  const rows = context.args.baselineRows;
  const prefix = benchPrefix();
  const redis = context.redis.client;
  const emulator = await startEmulatorProcess([BENCH_KEY], context.args.endpoint);
  const children: Child[] = [];
  try {
    if (name !== 'sdk-plain') await enqueueRows(redis, prefix, rows);
    const env = {
      FLEETCAST_ENDPOINT: emulator.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: BENCH_KEY.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: BENCH_KEY.secret,
      REDIS_URL: context.redis.url,
      BENCH_PREFIX: prefix,
      BENCH_QUEUE: QUEUE,
      BENCH_ROWS: String(rows),
    };
    const redisBefore = await redisCpuUs(redis);
    const started = performance.now();
    for (let i = 0; i < PROCESSES[name]; i++) children.push(spawnNode(`${BASELINES}${name}.js`, [], env));
    await Promise.all(children.map((child) => child.waitFor(/baseline ready/, 30_000)));
    const pids = children.map((child) => child.pid);
    const cpuBefore = totalCpuUs(pids);
    const timeoutMs = runTimeoutMs(rows);
    const complete = await waitUntil(async () => (await emulator.accepted()) >= rows, timeoutMs);
    const sent = complete ? rows : await emulator.accepted();
    if (!complete) context.note(`dispatch ${name}: stopped after ${Math.round(timeoutMs / 1000)} s with ${sent} of ${rows} rows accepted; its figures cover those rows`);
    const seconds = (performance.now() - started) / 1000;
    const cpuUs = totalCpuUs(pids) - cpuBefore;
    const redisUs = (await redisCpuUs(redis)) - redisBefore;
    await Promise.all(children.map((child) => child.stop()));
    const latencies = children.flatMap(readLatencies).sort((a, b) => a - b);
    const calls = await emulator.calls();
    return dispatchFigures({ rows: sent, calls, cpuUs, redisCpuUs: redisUs, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), seconds });
  } finally {
    await Promise.all(children.map((child) => child.stop(2_000)));
    await emulator.stop();
    await deletePrefix(redis, prefix);
  }
}

/** One BullMQ job per row, queued before any worker starts. */
async function enqueueRows(redis: Redis, prefix: string, rows: number): Promise<void> {
  const queue = new Queue(QUEUE, { connection: redis, prefix: `${prefix}:bull` });
  const opts = { removeOnComplete: true, removeOnFail: true, attempts: 1000 };
  try {
    for (let start = 1; start <= rows; start += 1000) {
      const jobs = [];
      for (let row = start; row < start + 1000 && row <= rows; row++) jobs.push({ name: 'row', data: benchRow(row), opts });
      await queue.addBulk(jobs);
    }
  } finally {
    await queue.close();
  }
}

function readLatencies(child: Child): number[] {
  const line = /^LATENCIES (\[.*\])$/m.exec(child.stdout())?.[1];
  return line === undefined ? [] : (JSON.parse(line) as number[]);
}
