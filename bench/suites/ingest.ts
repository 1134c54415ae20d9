import { join } from 'node:path';
import { writeCampaignCsv } from '../lib/campaign-file.js';
import type { BenchContext } from '../lib/context.js';
import type { IngestFigures } from '../lib/figures.js';
import { csvParseAlone, fleetcastValidate } from '../lib/parse-rates.js';
import { CLI, memoryKb, spawnNode } from '../lib/proc.js';
import { deletePrefix } from '../../src/redis/delete-prefix.js';
import { benchPrefix, redisUsedMemory } from '../lib/redis.js';

const POLL_MS = 100;

/**
 * On one generated CSV: csv-parse alone, fleetcast's validate pass (both in this process), then `fleetcast submit`
 * with no worker running (validate + queue into Redis): speed, peak memory, Redis bytes per pending row.
 */
export async function ingest(context: BenchContext, rep: number): Promise<IngestFigures> {
  const rows = context.args.ingestRows;
  const file = join(context.dir, `ingest-${rows}.csv`);
  if (rep === 0) await writeCampaignCsv(file, rows);
  const csvParse = await csvParseAlone(file);
  const validate = await fleetcastValidate(file);
  const prefix = benchPrefix();
  const redis = context.redis.client;
  try {
    const memoryBefore = await redisUsedMemory(redis);
    const started = performance.now();
    const child = spawnNode(CLI, ['submit', file, '--name', 'ingest', '--json'], { REDIS_URL: context.redis.url, FLEETCAST_PREFIX: prefix });
    let peakKb = 0;
    const poll = setInterval(() => {
      const memory = memoryKb(child.pid);
      if (memory !== undefined) peakKb = Math.max(peakKb, memory.hwm, memory.rss);
    }, POLL_MS);
    const timer = setTimeout(() => void child.stop(1_000), Math.max(120_000, rows / 5));
    const code = await child.exited();
    clearInterval(poll);
    clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`fleetcast submit exited with ${code}: ${child.stderr().slice(-800)}`);
    const memoryAfter = await redisUsedMemory(redis);
    return {
      rows,
      rowsPerSec: rows / seconds,
      peakRssMb: peakKb / 1024,
      redisBytesPerRow: (memoryAfter - memoryBefore) / rows,
      seconds,
      csvParseRowsPerSec: csvParse.rowsPerSec,
      csvParseRowsPerCpuSec: csvParse.rowsPerCpuSec,
      validateRowsPerSec: validate.rowsPerSec,
      validateRowsPerCpuSec: validate.rowsPerCpuSec,
      validateShareOfCsvParse: validate.rowsPerCpuSec / csvParse.rowsPerCpuSec,
    };
  } finally {
    await deletePrefix(redis, prefix);
  }
}
