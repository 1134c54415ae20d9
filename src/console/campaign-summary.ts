import type { Redis } from 'ioredis';
import type { AccountCapView } from '../limiter/shared-cap.js';
import type { CampaignRecord } from '../queue/campaign-record.js';
import type { ScheduleView } from '../scheduler/recurring.js';

/** An abort rule with the rows it judges now. */
export interface AbortRuleSummary {
  readonly rule: string;
  readonly matching: number;
  readonly final: number;
}

/** Where a campaign's rollout stands, as `fleetcast status` shows it. */
export interface RolloutSummary {
  readonly stage: string;
  readonly canary: { readonly rows: number; readonly done: number; readonly soakSeconds: number | null; readonly continuesAt: string | null } | null;
  readonly rate: number | null;
  readonly step: number | null;
  readonly nextStepAt: number | null;
  readonly ramp: { readonly start: number; readonly factor: number; readonly every: number; readonly on: string; readonly counted: number } | null;
  readonly abort: readonly AbortRuleSummary[];
  readonly abortAction: string;
  readonly fired: { readonly text: string } | null;
}

/** What the console shows of one campaign: the numbers and words of `fleetcast status`. */
export interface CampaignSummary {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  /** The state in words, with its reason or when it sends again. */
  readonly stateText: string;
  readonly rows: number;
  readonly sent: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly remaining: number;
  /** Mean rate since the campaign could first send. */
  readonly ratePerSec: number;
  /** ETA in words (`2m05s`), or `-`. */
  readonly etaText: string;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly startAt: string | null;
  readonly window: string | null;
  readonly rollout: RolloutSummary;
}

/**
 * The views the command line already has (state words, ETA, rollout, schedule rows, account caps), handed in by
 * `fleetcast console` so that the page says what `status`, `schedules` and `cap` say.
 */
export interface ConsoleViews {
  campaign(record: CampaignRecord, now: number, accountCap: number): CampaignSummary;
  /** A schedule's cells, by the column names in `scheduleColumns`. */
  schedule(schedule: ScheduleView): Readonly<Record<string, string>>;
  readonly scheduleColumns: readonly string[];
  accounts(redis: Redis, prefix: string): Promise<AccountCapView[]>;
  /** The cap a ramp grows towards: the highest account cap, or Infinity when none is stored. */
  highestCap(accounts: readonly AccountCapView[]): number;
}
