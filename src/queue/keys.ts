/** Every Redis key and queue name fleetcast uses, in one place. */
export interface CampaignKeys {
  /** Hash: the campaign record and its counters. */
  readonly campaign: string;
  /** Hash: row number → final outcome. */
  readonly outcomes: string;
  /** BullMQ queue name of the campaign (BullMQ adds its own prefix). */
  readonly queueName: string;
}

export function campaignKeys(prefix: string, campaignId: string): CampaignKeys {
  return {
    campaign: `${prefix}:campaign:${campaignId}`,
    outcomes: `${prefix}:campaign:${campaignId}:outcomes`,
    queueName: `campaign-${campaignId}`,
  };
}

/** Sorted set of every campaign id, scored by creation time. */
export function campaignIndexKey(prefix: string): string {
  return `${prefix}:campaigns`;
}

/** Set of campaign ids that still have rows to dispatch; workers watch it. */
export function activeCampaignsKey(prefix: string): string {
  return `${prefix}:campaigns:active`;
}

/** Pub/sub channel on which control commands are announced so workers react at once. */
export function controlChannel(prefix: string): string {
  return `${prefix}:control`;
}

/** BullMQ's key prefix for fleetcast's queues. */
export function bullPrefix(prefix: string): string {
  return `${prefix}:bull`;
}
