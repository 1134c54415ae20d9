import type { Gauge } from 'prom-client';
import type { CampaignRecord } from '../queue/campaign-record.js';
import type { CampaignStore } from '../queue/campaign-store.js';

/** Row states reported in `fleetcast_campaign_rows{campaign,state}`. */
export const CAMPAIGN_ROW_STATES = ['total', 'sent', 'failed', 'cancelled', 'remaining'] as const;
export type CampaignRowState = (typeof CAMPAIGN_ROW_STATES)[number];

/** Bounds of the campaigns reported, which bound the gauge's cardinality. */
export interface CampaignWindow {
  /** Most campaigns reported at once. @defaultValue 50 */
  readonly maxCampaigns: number;
  /** How long a finished campaign stays reported, in ms. @defaultValue one hour */
  readonly finishedForMs: number;
  /** How many of the newest campaigns are looked at for recently finished ones. @defaultValue 200 */
  readonly lookBack: number;
}

export const DEFAULT_CAMPAIGN_WINDOW: CampaignWindow = { maxCampaigns: 50, finishedForMs: 3_600_000, lookBack: 200 };

/**
 * The campaigns to report: every active one (newest first), then the ones that finished within the window
 * (most recently finished first), at most `maxCampaigns` in all.
 */
export async function campaignsToReport(store: CampaignStore, window: CampaignWindow, now = Date.now()): Promise<CampaignRecord[]> {
  const activeIds = new Set(await store.activeIds());
  const recent = await store.list(window.lookBack);
  const known = new Set(recent.map((record) => record.id));
  const missing = await Promise.all([...activeIds].filter((id) => !known.has(id)).map((id) => store.get(id)));
  const records = [...recent, ...missing.filter((record): record is CampaignRecord => record !== undefined)];
  const active = records.filter((record) => activeIds.has(record.id)).sort((a, b) => b.createdAt - a.createdAt);
  const finished = records
    .filter((record) => !activeIds.has(record.id) && record.finishedAt !== undefined && now - record.finishedAt <= window.finishedForMs)
    .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  return [...active, ...finished].slice(0, window.maxCampaigns);
}

/** The gauge values of one campaign. */
export function rowsOf(record: CampaignRecord): Record<CampaignRowState, number> {
  return {
    total: record.rows,
    sent: record.sent,
    failed: record.failed,
    cancelled: record.cancelled,
    remaining: Math.max(0, record.rows - record.done),
  };
}

/**
 * Sets `fleetcast_campaign_rows` for these campaigns and removes the label sets of campaigns reported before
 * but not now. Returns the ids now reported.
 */
export function setCampaignRows(gauge: Gauge<'campaign' | 'state'>, records: readonly CampaignRecord[], previous: ReadonlySet<string>): Set<string> {
  const reported = new Set(records.map((record) => record.id));
  for (const id of previous) {
    if (reported.has(id)) continue;
    for (const state of CAMPAIGN_ROW_STATES) gauge.remove({ campaign: id, state });
  }
  for (const record of records) {
    const rows = rowsOf(record);
    for (const state of CAMPAIGN_ROW_STATES) gauge.labels(record.id, state).set(rows[state]);
  }
  return reported;
}
