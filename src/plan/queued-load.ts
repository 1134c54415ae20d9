import type { CampaignRecord } from '../queue/campaign-record.js';
import type { CampaignStore } from '../queue/campaign-store.js';
import { rampCounted } from '../queue/ramp.js';
import type { LoadCampaign } from './forecast.js';

/**
 * The active campaigns that will send beside a new one, with the rows they have left. A paused campaign sends
 * nothing until someone resumes it, so it is left out; `except` is the planned campaign itself, when it exists.
 */
export async function queuedLoad(store: CampaignStore, except?: string): Promise<LoadCampaign[]> {
  const ids = (await store.activeIds()).filter((id) => id !== except).sort();
  const records = await Promise.all(ids.map((id) => store.get(id)));
  return records.filter((record): record is CampaignRecord => record !== undefined && sends(record)).map(loadOf);
}

function sends(record: CampaignRecord): boolean {
  return (record.state === 'running' || record.state === 'enqueuing' || record.state === 'canary') && record.rows > record.done;
}

export function loadOf(record: CampaignRecord): LoadCampaign {
  const canary = record.canary;
  return {
    id: record.id,
    rows: record.rows - record.done,
    priority: record.priority,
    rate: record.rate,
    ramp: record.ramp,
    rampCounted: record.ramp === undefined ? 0 : rampCounted(record.ramp, record),
    schedule: { startAt: record.startAt, window: record.window },
    canary:
      canary === undefined || record.stage === 'all'
        ? undefined
        : {
            rowsBeforeHold: record.stage === 'hold' || record.state === 'canary' ? 0 : Math.max(0, canary.rows - canary.done),
            soakMs: canary.soakMs,
            heldAt: canary.heldAt,
          },
  };
}
