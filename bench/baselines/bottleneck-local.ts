import Bottleneck from 'bottleneck';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pubOnce, readEnv, reportOnSigterm, sdkClient, type RowJob } from './common.js';

/** BullMQ workers, each with its own in-process Bottleneck at 1,600/s (minTime 0.625 ms); throttled calls go through it again. */
const env = readEnv();
const client = sdkClient(env);
const limiter = new Bottleneck({ minTime: 0.625 });
const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker<RowJob>(
  env.queue,
  async (job) => {
    for (;;) {
      const code = await limiter.schedule(() => pubOnce(client, job.data));
      if (code === 'OK') return;
      if (code !== 'Throttling.User') throw new Error(code);
    }
  },
  { connection, prefix: `${env.prefix}:bull`, concurrency: 64 },
);
worker.on('error', () => undefined);
reportOnSigterm(() => worker.close(true));
