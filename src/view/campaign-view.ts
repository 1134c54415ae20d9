import type { CampaignRecord, RolloutStage } from '../queue/campaign-record.js';
import { heldUntil } from '../schedule/campaign-schedule.js';
import { formatSendWindow } from '../schedule/send-window.js';
import { formatInZone, localTimeZone } from '../schedule/time-zone.js';
import { formatDuration } from './duration.js';
import { abortRuleView, firedText, formatAbortRule, type AbortAction, type AbortRuleView } from '../queue/abort-rules.js';
import { campaignRateLimit } from '../queue/rate-limit.js';

/** How a campaign rolls out: its stage, its abort rules with the rows they judge now, and the rule that fired. */
export interface RolloutView {
  /** `canary`: its first rows go out; `hold`: they are final and the rest wait; `all`: every row may be sent. */
  readonly stage: RolloutStage;
  /** Rows in the canary and how many of them are final; when it goes on by itself (with a soak), else null. */
  readonly canary: { readonly rows: number; readonly done: number; readonly soakSeconds: number | null; readonly continuesAt: string | null } | null;
  /** The campaign's own limit in calls/s now (its ramp's step, else its `--rate`), or null when only the account cap holds it. */
  readonly rate: number | null;
  /** Its ramp's step (0 first), or null without a ramp. */
  readonly step: number | null;
  /** Rows its ramp must count for the next step, or null (no ramp, or the ramp reached its ceiling). */
  readonly nextStepAt: number | null;
  readonly ramp: { readonly start: number; readonly factor: number; readonly every: number; readonly on: string; readonly counted: number } | null;
  readonly abort: readonly AbortRuleView[];
  readonly abortAction: AbortAction;
  readonly fired: { readonly rule: string; readonly matching: number; readonly final: number; readonly text: string } | null;
}

/**
 * What status tables and JSON show of a campaign. `state` is the stored state, except that a running campaign
 * holding its rows shows `scheduled` (before its start time) or `waiting` (outside its send window).
 */
export interface CampaignView {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly rows: number;
  readonly sent: number;
  /** Of the sent rows, those sent by BatchPub in packs (`--pack`); the rest went by Pub. */
  readonly sentBatchPub: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly remaining: number;
  readonly ratePerSec: number;
  readonly etaSeconds: number | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly pausedReason: string | null;
  /** When the campaign may first send, if it was submitted with a start time. */
  readonly startAt: string | null;
  /** Daily send window and its zone, e.g. `22:00-06:00 Asia/Shanghai`. */
  readonly window: string | null;
  /** While it holds its rows: when it sends again. */
  readonly heldUntil: string | null;
  readonly rollout: RolloutView;
}

/** `ratePerSec` is the mean since the campaign could first send, or over the whole run once finished. */
export function campaignView(record: CampaignRecord, now = Date.now(), accountCap = Infinity): CampaignView {
  const end = record.finishedAt ?? now;
  const began = Math.min(end, Math.max(record.createdAt, record.startAt ?? 0));
  const seconds = Math.max(0.001, (end - began) / 1000);
  const ratePerSec = record.done / seconds;
  const remaining = Math.max(0, record.rows - record.done);
  const live = record.state === 'running' || record.state === 'enqueuing';
  const held = live ? heldUntil(record, now) : undefined;
  return {
    id: record.id,
    name: record.name,
    state: held === undefined ? record.state : record.startAt !== undefined && now < record.startAt ? 'scheduled' : 'waiting',
    rows: record.rows,
    sent: record.sent,
    sentBatchPub: record.sentBatchPub,
    failed: record.failed,
    cancelled: record.cancelled,
    remaining,
    ratePerSec: Math.round(ratePerSec * 10) / 10,
    etaSeconds: live && held === undefined && ratePerSec > 0 ? Math.round(remaining / ratePerSec) : remaining === 0 ? 0 : null,
    createdAt: new Date(record.createdAt).toISOString(),
    finishedAt: record.finishedAt === undefined ? null : new Date(record.finishedAt).toISOString(),
    pausedReason: record.pausedReason ?? null,
    startAt: record.startAt === undefined ? null : new Date(record.startAt).toISOString(),
    window: record.window === undefined ? null : `${formatSendWindow(record.window)} ${record.window.timeZone}`,
    heldUntil: held === undefined ? null : new Date(held).toISOString(),
    rollout: rolloutView(record, accountCap),
  };
}

function canaryView(record: CampaignRecord): RolloutView['canary'] {
  const { canary } = record;
  if (canary === undefined) return null;
  const continuesAt = canary.soakMs === undefined || canary.heldAt === undefined || record.state !== 'canary' ? null : new Date(canary.heldAt + canary.soakMs).toISOString();
  return { rows: canary.rows, done: Math.min(canary.rows, canary.done), soakSeconds: canary.soakMs === undefined ? null : canary.soakMs / 1000, continuesAt };
}

function rolloutView(record: CampaignRecord, accountCap: number): RolloutView {
  const fired = record.abortFired;
  const limit = campaignRateLimit(record, accountCap);
  const ramp = record.ramp;
  return {
    stage: record.stage,
    canary: canaryView(record),
    rate: limit === undefined || !Number.isFinite(limit.rate) ? null : Math.round(limit.rate * 10) / 10,
    step: limit?.ramp?.step ?? null,
    nextStepAt: limit?.ramp?.nextStepAt ?? null,
    ramp: ramp === undefined ? null : { start: ramp.startRate, factor: ramp.factor, every: ramp.every, on: ramp.on, counted: limit?.ramp?.counted ?? 0 },
    abort: record.abortRules.map((rule) => abortRuleView(rule, record)),
    abortAction: record.abortAction,
    fired: fired === undefined ? null : { rule: formatAbortRule(fired), matching: fired.matching, final: fired.final, text: firedText(fired) },
  };
}

/** `scheduled (starts 2026-12-01 02:00:00 Asia/Shanghai)`, `waiting (window 22:00-06:00 Asia/Shanghai opens …)`. */
export function stateText(view: CampaignView): string {
  if (view.pausedReason !== null) return `${view.state} (${view.pausedReason})`;
  if (view.heldUntil === null) return view.state;
  const zone = view.window?.split(' ')[1] ?? localTimeZone();
  const at = formatInZone(Date.parse(view.heldUntil), zone);
  return view.state === 'scheduled' ? `scheduled (starts ${at})` : `waiting (window ${view.window ?? ''} opens ${at})`;
}

export function tableRow(view: CampaignView): Record<string, string | number> {
  return {
    id: view.id,
    state: stateText(view),
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
