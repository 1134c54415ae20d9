import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis/client.js';
import type { Gauge } from 'prom-client';
import { campaignQueue } from '../queue/queues.js';

/** BullMQ states reported in `fleetcast_queue_jobs{state}`. */
export const QUEUE_JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'paused', 'prioritized'] as const;
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

/**
 * One BullMQ Queue per active campaign, kept between scrapes and closed once its campaign is no longer active.
 * The queues share the caller's Redis connection; closing them never closes it.
 */
export class QueueCache {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #queues = new Map<string, Queue>();

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /** The queues of these campaigns; queues of campaigns not listed are closed. */
  async queuesOf(campaignIds: readonly string[]): Promise<Queue[]> {
    const wanted = new Set(campaignIds);
    const stale = [...this.#queues].filter(([id]) => !wanted.has(id));
    for (const [id] of stale) this.#queues.delete(id);
    await Promise.all(stale.map(([, queue]) => queue.close()));
    return campaignIds.map((id) => this.#queue(id));
  }

  async close(): Promise<void> {
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    await Promise.all(queues.map((queue) => queue.close()));
  }

  #queue(id: string): Queue {
    let queue = this.#queues.get(id);
    if (queue === undefined) {
      queue = campaignQueue(this.#redis, this.#prefix, id);
      this.#queues.set(id, queue);
    }
    return queue;
  }
}

/** States BullMQ itself counts (BullMQ 5+ keeps a paused queue's jobs in its wait list). */
const BULL_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** A campaign's queue and whether the campaign is paused. */
export interface CampaignQueue {
  readonly queue: Queue;
  readonly paused: boolean;
}

/**
 * Sums the job counts of these queues per state; every state is present (0 when no queue has any).
 * Jobs waiting (or prioritized) in a paused campaign count as `paused`, not `waiting`: nobody is meant to drain them.
 */
export async function sumJobCounts(queues: readonly CampaignQueue[]): Promise<Record<QueueJobState, number>> {
  const totals = Object.fromEntries(QUEUE_JOB_STATES.map((state) => [state, 0])) as Record<QueueJobState, number>;
  const counts = await Promise.all(queues.map(({ queue }) => queue.getJobCounts(...BULL_STATES)));
  counts.forEach((count, index) => {
    const paused = queues[index]?.paused === true;
    for (const state of BULL_STATES) {
      const target = paused && (state === 'waiting' || state === 'prioritized') ? 'paused' : state;
      totals[target] += count[state] ?? 0;
    }
  });
  return totals;
}

/** Sets `fleetcast_queue_jobs{state}` from the summed counts. */
export function setQueueJobs(gauge: Gauge<'state'>, totals: Readonly<Record<QueueJobState, number>>): void {
  for (const state of QUEUE_JOB_STATES) gauge.labels(state).set(totals[state]);
}
