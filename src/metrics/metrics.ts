import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric fleetcast exports; the names are a contract (docs, dashboard and alert rules use them).
 * One registry per process; labels are bounded (no device label; campaign labels only for campaigns
 * this process has seen recently).
 */
export interface FleetcastMetrics {
  readonly registry: Registry;
  readonly pubRequests: Counter<'api' | 'result' | 'code'>;
  readonly deliveries: Counter<'api'>;
  readonly packsSplit: Counter;
  readonly pubDuration: Histogram;
  readonly messages: Counter<'campaign' | 'status'>;
  readonly retries: Counter<'reason'>;
  readonly throttled: Counter;
  readonly limiterRate: Gauge;
  readonly limiterCap: Gauge;
  readonly limiterGuard: Gauge;
  readonly limiterTokensDropped: Counter;
  readonly queueJobs: Gauge<'state'>;
  readonly campaignRows: Gauge<'campaign' | 'state'>;
  readonly campaignRateLimit: Gauge<'campaign'>;
  readonly campaignAbortFired: Gauge<'campaign' | 'rule'>;
  readonly ingestRows: Counter<'result'>;
  /** What the metrics read at scrape time (set by `registerCollectors`); never called on the hot path. */
  readonly onScrape: ScrapeHooks;
}

/** A function run when Prometheus scrapes, before the metric's values are read. */
export type ScrapeHook = () => void | Promise<void>;

/** Scrape-time readers of the metrics that describe shared state. */
export interface ScrapeHooks {
  limiterRate?: ScrapeHook;
  limiterTokensDropped?: ScrapeHook;
  queueJobs?: ScrapeHook;
  campaignRows?: ScrapeHook;
  campaignRollout?: ScrapeHook;
  ingestRows?: ScrapeHook;
}

/** Latency buckets from 5 ms to 10 s. */
export const PUB_DURATION_BUCKETS = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): FleetcastMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const onScrape: ScrapeHooks = {};
  return {
    registry,
    onScrape,
    pubRequests: new Counter({
      name: 'fleetcast_pub_requests_total',
      help: 'Every call, by API (Pub, or BatchPub for a pack of rows), result (ok, throttled, error) and Code.',
      labelNames: ['api', 'result', 'code'],
      registers,
    }),
    deliveries: new Counter({
      name: 'fleetcast_deliveries_total',
      help: 'Rows sent, by the API that delivered them (Pub, or BatchPub for rows sent in a pack with --pack).',
      labelNames: ['api'],
      registers,
    }),
    packsSplit: new Counter({
      name: 'fleetcast_packs_split_total',
      help: 'BatchPub packs refused for a reason that belongs to some row, and sent again row by row through Pub.',
      registers,
    }),
    pubDuration: new Histogram({
      name: 'fleetcast_pub_duration_seconds',
      help: 'Duration of Pub attempts, from sending the request to reading the answer.',
      buckets: PUB_DURATION_BUCKETS,
      registers,
    }),
    messages: new Counter({
      name: 'fleetcast_messages_total',
      help: 'Final row outcomes (sent, failed, cancelled) by campaign.',
      labelNames: ['campaign', 'status'],
      registers,
    }),
    retries: new Counter({
      name: 'fleetcast_retries_total',
      help: 'Attempts repeated after a transient failure, by reason (the Code).',
      labelNames: ['reason'],
      registers,
    }),
    throttled: new Counter({
      name: 'fleetcast_throttled_total',
      help: 'Attempts refused by the service for throttling (not failures, not counted retries).',
      registers,
    }),
    limiterRate: new Gauge({
      name: 'fleetcast_limiter_rate',
      help: 'Calls per second the shared account limiter currently allows.',
      registers,
      collect: () => onScrape.limiterRate?.(),
    }),
    limiterCap: new Gauge({
      name: 'fleetcast_limiter_cap',
      help: "The account's shared cap in calls per second, stored in Redis and followed by every worker (FLEETCAST_RATE only seeds it).",
      registers,
    }),
    limiterGuard: new Gauge({
      name: 'fleetcast_limiter_guard_ratio',
      help: "Share of the account's rate kept unused for timing jitter, learned from the service's throttles (FLEETCAST_GUARD).",
      registers,
    }),
    limiterTokensDropped: new Counter({
      name: 'fleetcast_limiter_tokens_dropped_total',
      help: 'Tokens granted to this process that no call was ready to use in time (lost rate; high when the process is short of CPU).',
      registers,
      collect: () => onScrape.limiterTokensDropped?.(),
    }),
    queueJobs: new Gauge({
      name: 'fleetcast_queue_jobs',
      help: 'Queued chunk jobs of active campaigns, by BullMQ state.',
      labelNames: ['state'],
      registers,
      collect: () => onScrape.queueJobs?.(),
    }),
    campaignRows: new Gauge({
      name: 'fleetcast_campaign_rows',
      help: 'Rows of each recent campaign by state (total, sent, failed, cancelled, remaining).',
      labelNames: ['campaign', 'state'],
      registers,
      collect: () => onScrape.campaignRows?.(),
    }),
    campaignRateLimit: new Gauge({
      name: 'fleetcast_campaign_rate_limit',
      help: "A recent campaign's own rate limit in calls/s now: its ramp's current step, else its --rate (campaigns with neither are not reported).",
      labelNames: ['campaign'],
      registers,
      collect: () => onScrape.campaignRollout?.(),
    }),
    campaignAbortFired: new Gauge({
      name: 'fleetcast_campaign_abort_fired',
      help: 'A recent campaign whose abort rule fired (it paused or cancelled the campaign): 1, with the rule; removed when the campaign is resumed.',
      labelNames: ['campaign', 'rule'],
      registers,
      collect: () => onScrape.campaignRollout?.(),
    }),
    ingestRows: new Counter({
      name: 'fleetcast_ingest_rows_total',
      help: 'Rows read from campaign files, by result (valid, invalid).',
      labelNames: ['result'],
      registers,
      collect: () => onScrape.ingestRows?.(),
    }),
  };
}
