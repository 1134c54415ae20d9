import { canaryRows, type CanarySpec } from '../queue/canary.js';
import type { CampaignStore } from '../queue/campaign-store.js';
import type { RampSpec } from '../queue/ramp.js';
import type { CampaignSchedule } from '../schedule/campaign-schedule.js';
import { accountCapOf, type PlanCap } from './account-cap.js';
import { forecast, type Forecast, type LoadCampaign } from './forecast.js';
import { queuedLoad } from './queued-load.js';

/** A campaign as `fleetcast plan` is asked about it: submit's options, and the valid rows of its file. */
export interface PlanRequest {
  /** The id it would have; a campaign of that id already queued is not counted twice. */
  readonly id: string;
  readonly rows: number;
  readonly rate: number | undefined;
  readonly priority: number;
  readonly ramp: RampSpec | undefined;
  readonly canary: CanarySpec | undefined;
  readonly schedule: CampaignSchedule;
  /** The account whose stored cap applies; undefined: the configured cap. */
  readonly accessKeyId: string | undefined;
  /** FLEETCAST_RATE, the cap when none is stored. */
  readonly configuredCap: number;
  readonly now: number;
}

export interface Plan {
  readonly cap: PlanCap;
  readonly canaryRows: number | undefined;
  /** The active campaigns counted beside it. */
  readonly others: readonly LoadCampaign[];
  readonly forecast: Forecast;
}

/** Forecasts a campaign against the campaigns queued now and the account's cap. */
export async function planCampaign(store: CampaignStore, request: PlanRequest): Promise<Plan> {
  const [cap, others] = await Promise.all([
    accountCapOf(store.redis, store.prefix, request.accessKeyId, request.configuredCap),
    queuedLoad(store, request.id),
  ]);
  const planned = plannedLoad(request);
  return { cap, canaryRows: planned.canary?.rowsBeforeHold, others, forecast: forecast({ now: request.now, cap: cap.cap, planned, others }) };
}

export function plannedLoad(request: Omit<PlanRequest, 'accessKeyId' | 'configuredCap' | 'now'>): LoadCampaign {
  return {
    id: request.id,
    rows: request.rows,
    priority: request.priority,
    rate: request.rate,
    ramp: request.ramp,
    rampCounted: 0,
    schedule: request.schedule,
    canary:
      request.canary === undefined || request.rows === 0
        ? undefined
        : { rowsBeforeHold: canaryRows(request.canary.size, request.rows), soakMs: request.canary.soakMs, heldAt: undefined },
  };
}
