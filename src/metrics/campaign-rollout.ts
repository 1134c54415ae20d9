import type { Gauge } from 'prom-client';
import { formatAbortRule } from '../queue/abort-rules.js';
import type { CampaignRecord } from '../queue/campaign-record.js';
import { campaignRateLimit } from '../queue/rate-limit.js';

/** The rollout gauges of the reported campaigns, and the label sets set at the previous scrape. */
export interface RolloutGauges {
  readonly rateLimit: Gauge<'campaign'>;
  readonly abortFired: Gauge<'campaign' | 'rule'>;
}

/**
 * Sets `fleetcast_campaign_rate_limit` (campaigns with a ramp or `--rate`) and `fleetcast_campaign_abort_fired`
 * (campaigns stopped by an abort rule) for these campaigns, and removes the label sets no longer true. Returns the
 * label sets now set, to pass back at the next scrape.
 */
export function setCampaignRollout(gauges: RolloutGauges, records: readonly CampaignRecord[], accountCap: number, previous: RolloutLabels): RolloutLabels {
  const now: RolloutLabels = { limited: new Set(), fired: new Map() };
  for (const record of records) {
    const limit = campaignRateLimit(record, accountCap);
    if (limit !== undefined && Number.isFinite(limit.rate)) {
      gauges.rateLimit.labels(record.id).set(limit.rate);
      now.limited.add(record.id);
    }
    if (record.abortFired !== undefined) {
      const rule = formatAbortRule(record.abortFired);
      gauges.abortFired.labels(record.id, rule).set(1);
      now.fired.set(record.id, rule);
    }
  }
  for (const id of previous.limited) if (!now.limited.has(id)) gauges.rateLimit.remove({ campaign: id });
  for (const [id, rule] of previous.fired) if (now.fired.get(id) !== rule) gauges.abortFired.remove({ campaign: id, rule });
  return now;
}

export interface RolloutLabels {
  readonly limited: Set<string>;
  /** Campaign id → the rule that fired. */
  readonly fired: Map<string, string>;
}

export const NO_ROLLOUT_LABELS: RolloutLabels = { limited: new Set(), fired: new Map() };
