import type { RedisClient } from '../redis/client.js';
import { CampaignStore } from '../queue/campaign-store.js';
import { DEFAULT_CAMPAIGN_WINDOW, campaignsToReport, setCampaignRows, type CampaignWindow } from './campaign-rows.js';
import { NO_ROLLOUT_LABELS, setCampaignRollout } from './campaign-rollout.js';
import { collectIngestRows } from './ingest.js';
import type { FleetcastMetrics } from './metrics.js';
import { QueueCache, setQueueJobs, sumJobCounts, type CampaignQueue } from './queue-jobs.js';

export interface CollectorOptions {
  readonly redis: RedisClient;
  /** fleetcast's Redis key prefix (FLEETCAST_PREFIX). */
  readonly prefix: string;
  /** The account limiter; its current rate is read at each scrape. */
  readonly limiter: { readonly rate: number; readonly droppedTokens: number };
  /** The account's shared cap now: a campaign's ramp grows up to it. */
  readonly accountCap: () => number;
  /** Which campaigns `fleetcast_campaign_rows` reports. @defaultValue {@link DEFAULT_CAMPAIGN_WINDOW} */
  readonly campaigns?: Partial<CampaignWindow>;
  /** Told when Redis could not be read during a scrape; the metric then keeps its last values. */
  readonly onError?: (error: Error) => void;
}

/** Collectors registered on a worker's metrics; close() releases the queues they keep open. */
export interface Collectors {
  close(): Promise<void>;
}

/**
 * Makes the gauges that describe shared state (`fleetcast_queue_jobs`, `fleetcast_campaign_rows` and with it
 * `fleetcast_campaign_rate_limit` and `fleetcast_campaign_abort_fired`,
 * `fleetcast_limiter_rate`) and the shared ingest totals (`fleetcast_ingest_rows_total`) read their values
 * when Prometheus scrapes, and only then. Every worker reports the same cluster-wide values: aggregate them
 * with `max`, not `sum`.
 */
export function registerCollectors(metrics: FleetcastMetrics, options: CollectorOptions): Collectors {
  const { redis, prefix, limiter } = options;
  const store = new CampaignStore(redis, prefix);
  const queues = new QueueCache(redis, prefix);
  const window: CampaignWindow = { ...DEFAULT_CAMPAIGN_WINDOW, ...options.campaigns };
  const guard = guarded(options.onError);
  let reported = new Set<string>();
  let rollout = NO_ROLLOUT_LABELS;

  metrics.onScrape.limiterRate = () => {
    metrics.limiterRate.set(limiter.rate);
  };
  let droppedReported = 0;
  metrics.onScrape.limiterTokensDropped = () => {
    const dropped = limiter.droppedTokens;
    metrics.limiterTokensDropped.inc(dropped - droppedReported);
    droppedReported = dropped;
  };
  metrics.onScrape.queueJobs = guard(async () => {
    setQueueJobs(metrics.queueJobs, await sumJobCounts(await activeQueues(store, queues)));
  });
  metrics.onScrape.campaignRows = guard(async () => {
    reported = setCampaignRows(metrics.campaignRows, await campaignsToReport(store, window), reported);
  });
  // Both rollout gauges collect at once (a registry reads its metrics in parallel): one read sets both.
  const collectRollout = guard(async () => {
    const gauges = { rateLimit: metrics.campaignRateLimit, abortFired: metrics.campaignAbortFired };
    rollout = setCampaignRollout(gauges, await campaignsToReport(store, window), options.accountCap(), rollout);
  });
  let rolloutRead: Promise<void> | undefined;
  metrics.onScrape.campaignRollout = () =>
    (rolloutRead ??= collectRollout().finally(() => {
      rolloutRead = undefined;
    }));
  metrics.onScrape.ingestRows = guard(() => collectIngestRows(redis, prefix, metrics.ingestRows));
  return {
    close: async () => {
      delete metrics.onScrape.queueJobs;
      delete metrics.onScrape.campaignRows;
      delete metrics.onScrape.campaignRollout;
      delete metrics.onScrape.ingestRows;
      await queues.close();
    },
  };
}

/** The queue of every active campaign, with whether the campaign is paused. */
async function activeQueues(store: CampaignStore, cache: QueueCache): Promise<CampaignQueue[]> {
  const ids = await store.activeIds();
  const [queues, records] = await Promise.all([cache.queuesOf(ids), Promise.all(ids.map((id) => store.get(id)))]);
  return queues.map((queue, index) => ({ queue, paused: records[index]?.state === 'paused' }));
}

/** Wraps a collector so that a failed read leaves the last values in place instead of failing the scrape. */
function guarded(onError: ((error: Error) => void) | undefined) {
  return (collect: () => Promise<void>) => async (): Promise<void> => {
    try {
      await collect();
    } catch (error) {
      onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  };
}
