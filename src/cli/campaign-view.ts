import type { CampaignRecord } from '../queue/campaign-record.js';
import { formatDuration } from './output.js';

/** What status tables and JSON show of a campaign. */
export interface CampaignView {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly rows: number;
  readonly sent: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly remaining: number;
  readonly ratePerSec: number;
  readonly etaSeconds: number | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly pausedReason: string | null;
}

/** `ratePerSec` is the mean since creation, or over the whole run once finished. */
export function campaignView(record: CampaignRecord, now = Date.now()): CampaignView {
  const end = record.finishedAt ?? now;
  const seconds = Math.max(0.001, (end - record.createdAt) / 1000);
  const ratePerSec = record.done / seconds;
  const remaining = Math.max(0, record.rows - record.done);
  const live = record.state === 'running' || record.state === 'enqueuing';
  return {
    id: record.id,
    name: record.name,
    state: record.state,
    rows: record.rows,
    sent: record.sent,
    failed: record.failed,
    cancelled: record.cancelled,
    remaining,
    ratePerSec: Math.round(ratePerSec * 10) / 10,
    etaSeconds: live && ratePerSec > 0 ? Math.round(remaining / ratePerSec) : remaining === 0 ? 0 : null,
    createdAt: new Date(record.createdAt).toISOString(),
    finishedAt: record.finishedAt === undefined ? null : new Date(record.finishedAt).toISOString(),
    pausedReason: record.pausedReason ?? null,
  };
}

export function tableRow(view: CampaignView): Record<string, string | number> {
  return {
    id: view.id,
    state: view.pausedReason === null ? view.state : `${view.state} (${view.pausedReason})`,
    rows: view.rows,
    sent: view.sent,
    failed: view.failed,
    cancelled: view.cancelled,
    remaining: view.remaining,
    'rate/s': view.ratePerSec,
    eta: view.etaSeconds === null ? '-' : formatDuration(view.etaSeconds),
    created: view.createdAt.replace('T', ' ').slice(0, 19),
  };
}

export const STATUS_COLUMNS = ['id', 'state', 'rows', 'sent', 'failed', 'cancelled', 'remaining', 'rate/s', 'eta', 'created'];
