import type { CampaignRecord } from '../queue/campaign-record.js';
import type { CampaignStore } from '../queue/campaign-store.js';
import { campaignView, stateText, type CampaignView } from '../view/campaign-view.js';
import { formatDuration } from '../view/duration.js';
import { ProgressLine, bar } from './progress.js';

/** Why following a campaign stopped. */
export type FollowEnd = 'finished' | 'cancelled' | 'paused';

/**
 * Polls a campaign until it finishes or is cancelled, showing progress. A campaign paused by a systemic failure
 * (it carries a reason) ends the wait too: nothing will move until someone acts.
 */
export async function followCampaign(store: CampaignStore, id: string, show: boolean, cap: number): Promise<{ end: FollowEnd; record: CampaignRecord }> {
  const progress = new ProgressLine();
  let previous: { done: number; at: number } | undefined;
  for (;;) {
    const record = await store.require(id);
    const now = Date.now();
    const rate = previous === undefined ? 0 : ((record.done - previous.done) * 1000) / Math.max(1, now - previous.at);
    previous = { done: record.done, at: now };
    if (show) progress.update(progressText(record, rate, cap));
    const end = endOf(record);
    if (end !== undefined) {
      if (show) progress.done();
      return { end, record };
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function endOf(record: CampaignRecord): FollowEnd | undefined {
  if (record.state === 'finished') return 'finished';
  if (record.state === 'cancelled' && record.done >= record.rows) return 'cancelled';
  if (record.state === 'paused' && record.pausedReason !== undefined) return 'paused';
  return undefined;
}

function progressText(record: CampaignRecord, rate: number, cap: number): string {
  const view = campaignView(record, Date.now(), cap);
  const eta = rate > 0 ? formatDuration(view.remaining / rate) : '-';
  const limit = view.rollout.rate === null ? cap : Math.min(cap, view.rollout.rate);
  return `${record.id} ${bar(record.rows === 0 ? 1 : record.done / record.rows)} sent ${record.sent} failed ${record.failed} remaining ${view.remaining} | ${Math.round(rate)}/s of ${Math.round(limit)}/s${rolloutText(view)} | ETA ${eta} | ${stateText(view)}`;
}

/** ` | canary 37/100`, ` | ramp step 2`: the rollout's stage, when the campaign has one. */
function rolloutText(view: CampaignView): string {
  const { rollout } = view;
  const canary = rollout.canary === null || rollout.stage === 'all' ? '' : ` | canary ${rollout.canary.done}/${rollout.canary.rows}${rollout.stage === 'hold' ? ' held' : ''}`;
  const ramp = rollout.step === null ? '' : ` | ramp step ${rollout.step}${rollout.nextStepAt === null ? ' (top)' : ''}`;
  return `${canary}${ramp}`;
}
