import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/client.js';
import { campaignKeys } from './keys.js';

/** BullMQ options of every chunk job. Attempts beyond the first cover outages longer than in-process retries. */
export const CHUNK_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: 10_000,
} as const;

export function campaignQueue(redis: RedisClient, prefix: string, campaignId: string): Queue {
  const keys = campaignKeys(prefix, campaignId);
  return new Queue(keys.queueName, { connection: redis, prefix: keys.bullPrefix });
}

export function chunkJobId(index: number): string {
  return `c${index}`;
}
