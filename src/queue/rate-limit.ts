import { grantSizeFor } from '../limiter/shared-cap.js';
import { rampCounted, rampPosition, type RampPosition, type RampSpec } from './ramp.js';

/** What decides a campaign's own rate limit: its `--rate`, its ramp and the rows the ramp counts. */
export interface RateLimited {
  readonly rate: number | undefined;
  readonly ramp: RampSpec | undefined;
  readonly sent: number;
  readonly done: number;
}

/** A campaign's own limit now, shared by every worker, and where its ramp stands (when it has one). */
export interface CampaignRateLimit {
  readonly rate: number;
  readonly ramp: (RampPosition & { readonly counted: number }) | undefined;
}

/**
 * The campaign's own limit in calls/s: its ramp's step (never above its `--rate` nor the account cap), else its
 * `--rate`; undefined when it has neither and only the account limiter holds it.
 */
export function campaignRateLimit(campaign: RateLimited, accountCap: number): CampaignRateLimit | undefined {
  const { ramp, rate } = campaign;
  if (ramp === undefined) return rate === undefined ? undefined : { rate, ramp: undefined };
  const counted = rampCounted(ramp, campaign);
  const position = rampPosition(ramp, counted, Math.min(rate ?? Infinity, accountCap));
  return { rate: position.rate, ramp: { ...position, counted } };
}

/** The quota a ramp without `--rate` grows towards, for its grant size (the live cap may differ between workers). */
const RAMP_REFERENCE_CEILING = 1600;

/**
 * Tokens per grant of a campaign's own limiter. Every worker must use one size for one limiter, so it is reckoned
 * from the stored campaign alone. A ramp grows from its start to its ceiling: grants sized for the geometric mean
 * of the two keep the first steps' grants short (~40 ms at the mean, a few hundred ms at the start) and the last
 * steps' Redis calls few.
 */
export function campaignGrantSize(campaign: Pick<RateLimited, 'rate' | 'ramp'>): number {
  const ceiling = campaign.rate ?? RAMP_REFERENCE_CEILING;
  if (campaign.ramp === undefined) return grantSizeFor(ceiling);
  return grantSizeFor(Math.sqrt(Math.min(campaign.ramp.startRate, ceiling) * ceiling));
}
