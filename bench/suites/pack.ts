import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runTimeoutMs, type BenchContext } from '../lib/context.js';
import { startEmulatorProcess } from '../lib/emulator.js';
import { finishedRows, sentRows, startWorker, submit, type FleetcastWorker } from '../lib/fleetcast.js';
import { comparePackRuns, packRunFigures, type PackFigures, type PackRunFigures } from '../lib/pack-figures.js';
import { totalCpuUs, waitUntil } from '../lib/proc.js';
import { benchPrefix } from '../lib/redis.js';
import { writeSamePayloadCsv } from '../lib/same-payload-file.js';
import { deletePrefix } from '../../src/redis/delete-prefix.js';
import { BENCH_KEY } from './dispatch.js';

/**
 * One repetition of the same-payload campaign sent twice, with `submit --pack` and without, each against a fresh
 * emulator at its default quotas (1,600 Pub and 50 BatchPub calls/s) and fresh workers; which goes first alternates
 * with `rep`, so that neither always meets the machine as the other left it.
 */
export async function packBesidePlain(context: BenchContext, rep: number): Promise<PackFigures> {
  const rows = context.args.packRows;
  const file = join(context.dir, `same-payload-${rows}.csv`);
  if (!existsSync(file)) await writeSamePayloadCsv(file, rows);
  const runs: Record<'packed' | 'plain', PackRunFigures | undefined> = { packed: undefined, plain: undefined };
  for (const packed of rep % 2 === 0 ? [true, false] : [false, true]) {
    runs[packed ? 'packed' : 'plain'] = await sameCampaign(context, file, rows, packed);
  }
  if (runs.packed === undefined || runs.plain === undefined) throw new Error('pack: a run gave no figures');
  return comparePackRuns(runs.packed, runs.plain);
}

/** Sends the file once; throws unless every row ended sent and the emulator delivered every row. */
async function sameCampaign(context: BenchContext, file: string, rows: number, packed: boolean): Promise<PackRunFigures> {
  const label = packed ? 'pack --pack' : 'pack Pub alone';
  const prefix = benchPrefix();
  const redis = context.redis.client;
  const emulator = await startEmulatorProcess([BENCH_KEY]);
  const workers: FleetcastWorker[] = [];
  try {
    const env = {
      REDIS_URL: context.redis.url,
      FLEETCAST_PREFIX: prefix,
      FLEETCAST_ENDPOINT: emulator.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: BENCH_KEY.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: BENCH_KEY.secret,
    };
    const id = await submit(file, packed ? 'same-payload-packed' : 'same-payload', env, 300_000, packed ? ['--pack'] : []);
    const started = performance.now();
    workers.push(...(await Promise.all(Array.from({ length: context.args.workers }, () => startWorker(env)))));
    const pids = workers.map((worker) => worker.child.pid);
    const cpuBefore = totalCpuUs(pids);
    const timeoutMs = runTimeoutMs(rows);
    if (!(await waitUntil(async () => (await finishedRows(redis, prefix, id)) >= rows, timeoutMs))) {
      const finished = await finishedRows(redis, prefix, id);
      throw new Error(`${label}: ${finished} of ${rows} rows finished after ${Math.round(timeoutMs / 1000)} s`);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuUs = totalCpuUs(pids) - cpuBefore;
    await Promise.all(workers.map((worker) => worker.child.stop()));
    const sent = await sentRows(redis, prefix, id);
    if (sent.sent !== rows) throw new Error(`${label}: ${sent.sent} of ${rows} rows ended sent`);
    const figures = packRunFigures(await emulator.everyCall(), { rows: sent.sent, sentBatchPub: sent.sentBatchPub, cpuUs, seconds });
    if (figures.deliveries < rows) throw new Error(`${label}: the emulator delivered ${figures.deliveries} messages for ${rows} rows sent`);
    return figures;
  } finally {
    await Promise.all(workers.map((worker) => worker.child.stop()));
    await emulator.stop();
    await deletePrefix(redis, prefix);
  }
}
