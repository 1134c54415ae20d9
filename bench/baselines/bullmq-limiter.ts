import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pubOnce, readEnv, reportOnSigterm, sdkClient, type RowJob } from './common.js';

/** BullMQ's own limiter (one job per row, 1,600 jobs per 1,000 ms); a throttled row fails its attempt and is retried by BullMQ. */
const env = readEnv();
const client = sdkClient(env);
const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker<RowJob>(
  env.queue,
  async (job) => {
    const code = await pubOnce(client, job.data);
    if (code !== 'OK') throw new Error(code);
  },
  { connection, prefix: `${env.prefix}:bull`, concurrency: 64, limiter: { max: 1600, duration: 1000 } },
);
worker.on('error', () => undefined);
reportOnSigterm(() => worker.close(true));
