import type { CampaignSchedule } from '../schedule/campaign-schedule.js';
import { parseSendWindow, type SendWindow } from '../schedule/send-window.js';
import { parseFiredRule, parseStoredRules, type AbortAction, type AbortClass, type AbortRule, type FiredRule } from './abort-rules.js';
import { storedRamp, type RampSpec } from './ramp.js';
import type { FailureClass } from '../pub/retry-table.js';

/**
 * A campaign as stored in Redis. States:
 * - `enqueuing`: rows are being added; workers may already send.
 * - `running`: every row is queued; workers send.
 * - `canary`: the rows of its canary are final; the others wait for `resume` (or the end of the canary's soak).
 * - `paused`: workers hold off (by an operator, or automatically on a systemic failure; see `pausedReason`).
 * - `cancelled`: rows without an outcome end `cancelled`.
 * - `finished`: every row has its final outcome.
 * A `running` campaign with a start time still to come, or outside its send window, holds its rows: that is a
 * matter of its schedule (see `CampaignSchedule`), not of its state, so pause, resume and cancel work as ever.
 */
export const CAMPAIGN_STATES = ['enqueuing', 'running', 'paused', 'canary', 'cancelled', 'finished'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export interface CampaignRecord extends CampaignSchedule {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly fingerprint: string;
  readonly state: CampaignState;
  readonly rows: number;
  /** Highest row number among the campaign's rows (rows skipped as invalid leave gaps below it). */
  readonly lastRow: number;
  readonly chunks: number;
  readonly enqueued: boolean;
  readonly sent: number;
  /** Of the sent rows, those sent in a `BatchPub` pack (`--pack`); the others went by `Pub`. */
  readonly sentBatchPub: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly done: number;
  readonly createdAt: number;
  readonly finishedAt: number | undefined;
  readonly pausedReason: string | undefined;
  /** Campaign's own cap in calls/s, if lower than the account's. */
  readonly rate: number | undefined;
  /** Weight of the campaign's share when several run at once. */
  readonly priority: number;
  /** Epoch ms before which the campaign sends nothing. */
  readonly startAt: number | undefined;
  /** Daily span of local time outside which the campaign holds its rows. */
  readonly window: SendWindow | undefined;
  /** The campaign's own abort rules (the workers' failure-share rule applies when none watches `failed`). */
  readonly abortRules: readonly AbortRule[];
  readonly abortAction: AbortAction;
  /** The rule that paused or cancelled the campaign, until it is resumed. */
  readonly abortFired: FiredRule | undefined;
  /** Failed rows by failure class. */
  readonly failedByClass: Readonly<Record<FailureClass, number>>;
  /** Counts when the abort rules were last armed (at a resume after one fired); rules judge the rows since. */
  readonly abortArmed: { readonly done: number; readonly byClass: Readonly<Record<AbortClass, number>> };
  /** `canary` while its first rows go out, `hold` once they are final, `all` when every row may go. */
  readonly stage: RolloutStage;
  readonly canary: { readonly rows: number; readonly done: number; readonly soakMs: number | undefined; readonly heldAt: number | undefined } | undefined;
  /** The campaign's ramp (`--ramp-*`): its rate starts low and rises as its rows are counted. */
  readonly ramp: RampSpec | undefined;
  /** With `--pack`: the share of packable rows sent by Pub anyway (pubShareOf); undefined for a campaign not packed. */
  readonly packPubShare: number | undefined;
}

export type RolloutStage = 'canary' | 'hold' | 'all';

export function isCampaignState(value: string | undefined): value is CampaignState {
  return (CAMPAIGN_STATES as readonly string[]).includes(value ?? '');
}

export function parseCampaignRecord(hash: Readonly<Record<string, string>>): CampaignRecord | undefined {
  if (hash.id === undefined) return undefined;
  const state = hash.state;
  return {
    id: hash.id,
    name: hash.name ?? hash.id,
    source: hash.source ?? '',
    fingerprint: hash.fingerprint ?? '',
    state: isCampaignState(state) ? state : 'running',
    rows: int(hash.rows),
    lastRow: int(hash.lastRow ?? hash.rows),
    chunks: int(hash.chunks),
    enqueued: hash.enqueued === '1',
    sent: int(hash.sent),
    sentBatchPub: int(hash.sentBatchPub),
    failed: int(hash.failed),
    cancelled: int(hash.cancelled),
    done: int(hash.done),
    createdAt: int(hash.createdAt),
    finishedAt: hash.finishedAt === undefined ? undefined : int(hash.finishedAt),
    pausedReason: hash.pausedReason === undefined || hash.pausedReason === '' ? undefined : hash.pausedReason,
    rate: hash.rate === undefined || hash.rate === '' ? undefined : Number(hash.rate),
    priority: hash.priority === undefined ? 1 : Number(hash.priority),
    startAt: hash.startAt === undefined || hash.startAt === '' ? undefined : int(hash.startAt),
    window: storedWindow(hash.window, hash.windowTz),
    abortRules: parseStoredRules(hash.abortRules),
    abortAction: hash.abortAction === 'cancel' ? 'cancel' : 'pause',
    abortFired: parseFiredRule(hash.abortFired),
    failedByClass: {
      offline: int(hash['fail:offline']),
      'not-found': int(hash['fail:not-found']),
      rejected: int(hash['fail:rejected']),
      exhausted: int(hash['fail:exhausted']),
    },
    stage: hash.stage === 'canary' || hash.stage === 'hold' ? hash.stage : 'all',
    canary:
      hash.canaryRows === undefined
        ? undefined
        : {
            rows: int(hash.canaryRows),
            done: int(hash.canaryDone),
            soakMs: hash.canarySoakMs === undefined || hash.canarySoakMs === '' ? undefined : int(hash.canarySoakMs),
            heldAt: hash.canaryHeldAt === undefined ? undefined : int(hash.canaryHeldAt),
          },
    ramp: storedRamp(hash),
    packPubShare: hash.packPubShare === undefined ? undefined : Number(hash.packPubShare),
    abortArmed: {
      done: int(hash['arm:done']),
      byClass: {
        offline: int(hash['arm:offline']),
        'not-found': int(hash['arm:not-found']),
        rejected: int(hash['arm:rejected']),
        exhausted: int(hash['arm:exhausted']),
        failed: int(hash['arm:failed']),
      },
    },
  };
}

/** A window as `create` stored it (`22:00-06:00` and a zone); undefined when there is none. */
export function storedWindow(spec: string | null | undefined, timeZone: string | null | undefined): SendWindow | undefined {
  if (spec === undefined || spec === null || spec === '' || timeZone === undefined || timeZone === null) return undefined;
  try {
    return parseSendWindow(spec, timeZone);
  } catch {
    return undefined;
  }
}

function int(value: string | undefined): number {
  return value === undefined ? 0 : Number.parseInt(value, 10) || 0;
}
