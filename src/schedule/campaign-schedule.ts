import { isWindowOpen, nextWindowClosing, nextWindowOpening, type SendWindow } from './send-window.js';

/** When a campaign may dispatch, besides its state: not before `startAt`, and only inside its daily window. */
export interface CampaignSchedule {
  /** Epoch ms. */
  readonly startAt: number | undefined;
  readonly window: SendWindow | undefined;
}

/** True while the campaign must hold its rows: before its start, or outside its window. */
export function isHeld(schedule: CampaignSchedule, now: number): boolean {
  if (schedule.startAt !== undefined && now < schedule.startAt) return true;
  return schedule.window !== undefined && !isWindowOpen(schedule.window, now);
}

/** When a campaign held at `now` may dispatch; undefined when it may now. */
export function heldUntil(schedule: CampaignSchedule, now: number): number | undefined {
  if (!isHeld(schedule, now)) return undefined;
  const from = Math.max(now, schedule.startAt ?? now);
  return schedule.window === undefined ? from : nextWindowOpening(schedule.window, from);
}

/** For a campaign not held at `now`: when it must hold again (its window closes); Infinity when never. */
export function sendableUntil(schedule: CampaignSchedule, now: number): number {
  return schedule.window === undefined ? Number.POSITIVE_INFINITY : nextWindowClosing(schedule.window, now);
}
