import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, campaignKeys } from './keys.js';

/** BullMQ options of every chunk job. Attempts beyond the first cover outages longer than in-process retries. */
export const CHUNK_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: 10_000,
} as const;

export function campaignQueue(redis: Redis, prefix: string, campaignId: string): Queue {
  return new Queue(campaignKeys(prefix, campaignId).queueName, { connection: redis, prefix: bullPrefix(prefix) });
}

export function chunkJobId(index: number): string {
  return `c${index}`;
}
