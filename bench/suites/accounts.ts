import { join } from 'node:path';
import { writeCampaignCsv } from '../lib/campaign-file.js';
import { runTimeoutMs, type BenchContext } from '../lib/context.js';
import { QUOTA, startEmulatorProcess, type AccessKey } from '../lib/emulator.js';
import type { AccountsFigures } from '../lib/figures.js';
import { finishedRows, startWorker, submit, type FleetcastWorker } from '../lib/fleetcast.js';
import { totalCpuUs, waitUntil } from '../lib/proc.js';
import { deletePrefix } from '../../src/redis/delete-prefix.js';
import { benchPrefix, redisCpuUs } from '../lib/redis.js';
import { steadyRate } from '../lib/stats.js';

const KEYS: readonly AccessKey[] = [
  { id: 'a1', secret: 's1' },
  { id: 'a2', secret: 's2' },
  { id: 'a3', secret: 's3' },
];

/** One deployment (one Redis prefix), three accounts with a quota each, one campaign and one worker per account. */
export async function severalAccounts(context: BenchContext, rep: number): Promise<AccountsFigures> {
  const perAccount = context.args.accountRows;
  const files = KEYS.map((key) => join(context.dir, `account-${key.id}-${perAccount}.csv`));
  if (rep === 0) await Promise.all(files.map((file, index) => writeCampaignCsv(file, perAccount, `-${KEYS[index]?.id ?? ''}`)));
  const prefix = benchPrefix();
  const redis = context.redis.client;
  const emulator = await startEmulatorProcess(KEYS);
  const workers: FleetcastWorker[] = [];
  const planned = perAccount * KEYS.length;
  try {
    const base = { REDIS_URL: context.redis.url, FLEETCAST_PREFIX: prefix, FLEETCAST_ENDPOINT: emulator.url };
    const envs = KEYS.map((key) => ({ ...base, ALIBABA_CLOUD_ACCESS_KEY_ID: key.id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.secret }));
    const ids = await Promise.all(files.map((file, index) => submit(file, `account-${index + 1}`, envs[index] ?? base, 300_000)));
    const redisBefore = await redisCpuUs(redis);
    workers.push(...(await Promise.all(envs.map((env) => startWorker(env)))));
    const pids = workers.map((worker) => worker.child.pid);
    const cpuBefore = totalCpuUs(pids);
    const finished = async (): Promise<number> => (await Promise.all(ids.map((id) => finishedRows(redis, prefix, id)))).reduce((a, b) => a + b, 0);
    const timeoutMs = runTimeoutMs(planned, QUOTA * KEYS.length);
    const complete = await waitUntil(async () => (await finished()) >= planned, timeoutMs);
    const rows = complete ? planned : await finished();
    if (!complete) context.note(`accounts: stopped after ${Math.round(timeoutMs / 1000)} s with ${rows} of ${planned} rows finished; its figures cover those rows`);
    const cpuUs = totalCpuUs(pids) - cpuBefore;
    const redisUs = (await redisCpuUs(redis)) - redisBefore;
    await Promise.all(workers.map((worker) => worker.child.stop()));
    const accepted = (await emulator.calls()).filter((call) => call.code === 'OK').map((call) => call.t).sort((a, b) => a - b);
    return { accounts: KEYS.length, rows, totalPerSec: steadyRate(accepted), cpuUsPerMessage: cpuUs / rows, redisCpuUsPerMessage: redisUs / rows };
  } finally {
    await Promise.all(workers.map((worker) => worker.child.stop()));
    await emulator.stop();
    await deletePrefix(redis, prefix);
  }
}
