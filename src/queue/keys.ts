/**
 * Every Redis key and queue name fleetcast uses, in one place.
 *
 * Keys carry a hash tag (the part in braces), so that on a Redis Cluster the keys one script or transaction touches
 * share a slot, while different campaigns spread over the masters: each campaign has a tag of its own (its record,
 * outcomes, queue and own rate limiter), each account limiter has its own (see src/limiter/limiter-keys.ts), and the
 * few global indexes share one. On one node the tags are just part of the names.
 */
export interface CampaignKeys {
  /** Hash: the campaign record and its counters. */
  readonly campaign: string;
  /** Hash: row number → final outcome. */
  readonly outcomes: string;
  /** BullMQ queue name of the campaign. */
  readonly queueName: string;
  /** BullMQ prefix of the campaign's queue: its BullMQ keys are `${bullPrefix}:${queueName}:…`. */
  readonly bullPrefix: string;
  /** Redis id of the campaign's own rate limiter (`--rate`, ramps): Bottleneck's keys are `b_${limiterId}_…`. */
  readonly limiterId: string;
}

/** The hash tag of one campaign's keys. Campaign ids are `[a-z0-9_.-]` and prefixes have no `:`, so tags never collide. */
export function campaignTag(prefix: string, campaignId: string): string {
  return `{${prefix}:c:${campaignId}}`;
}

/** The hash tag of the global indexes (campaign list, active set, schedules, ingest counters). */
export function globalTag(prefix: string): string {
  return `{${prefix}}`;
}

export function campaignKeys(prefix: string, campaignId: string): CampaignKeys {
  const tag = campaignTag(prefix, campaignId);
  return {
    campaign: `${tag}:campaign`,
    outcomes: `${tag}:outcomes`,
    queueName: `campaign-${campaignId}`,
    bullPrefix: `${tag}:bull`,
    limiterId: `${tag}:limiter`,
  };
}

/** Sorted set of every campaign id, scored by creation time. */
export function campaignIndexKey(prefix: string): string {
  return `${globalTag(prefix)}:campaigns`;
}

/** Set of campaign ids that still have rows to dispatch; workers watch it. */
export function activeCampaignsKey(prefix: string): string {
  return `${globalTag(prefix)}:campaigns:active`;
}

/** Pub/sub channel on which control commands are announced so workers react at once (a channel, not a key). */
export function controlChannel(prefix: string): string {
  return `${prefix}:control`;
}

/** BullMQ's prefix for the global queue (recurring schedules). Campaign queues have their own: CampaignKeys.bullPrefix. */
export function globalBullPrefix(prefix: string): string {
  return `${globalTag(prefix)}:bull`;
}
