import type { RedisClient } from '../redis/client.js';
import type { AccountCapView } from '../limiter/shared-cap.js';
import type { CampaignRecord } from '../queue/campaign-record.js';
import type { ScheduleView } from '../scheduler/recurring.js';
import { accountCaps, highestCap } from '../view/account-cap.js';
import { campaignView, stateText, type CampaignView } from '../view/campaign-view.js';
import { formatDuration } from '../view/duration.js';
import { SCHEDULE_COLUMNS, scheduleRow } from '../view/schedule-view.js';

/** What the console shows of one campaign: the numbers and words of `fleetcast status`. */
export interface CampaignSummary extends CampaignView {
  /** The state in words, with its reason or when it sends again. */
  readonly stateText: string;
  /** ETA in words (`2m05s`), or `-`. */
  readonly etaText: string;
}

/** The views the console reads through (those of `status`, `schedules` and `cap`); tests may hand in others. */
export interface ConsoleViews {
  campaign(record: CampaignRecord, now: number, accountCap: number): CampaignSummary;
  /** A schedule's cells, by the column names in `scheduleColumns`. */
  schedule(schedule: ScheduleView): Readonly<Record<string, string>>;
  readonly scheduleColumns: readonly string[];
  accounts(redis: RedisClient, prefix: string): Promise<AccountCapView[]>;
  /** The cap a ramp grows towards: the highest account cap, or Infinity when none is stored. */
  highestCap(accounts: readonly AccountCapView[]): number;
}

/** The command line's own views, so that the console says what status, schedules and cap say. */
export const CONSOLE_VIEWS: ConsoleViews = {
  campaign: (record, now, accountCap) => {
    const view = campaignView(record, now, accountCap);
    return { ...view, stateText: stateText(view), etaText: view.etaSeconds === null ? '-' : formatDuration(view.etaSeconds) };
  },
  schedule: scheduleRow,
  scheduleColumns: SCHEDULE_COLUMNS,
  accounts: accountCaps,
  highestCap,
};
