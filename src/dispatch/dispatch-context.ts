import type { FleetcastMetrics } from '../metrics/metrics.js';
import type { PubResult } from '../pub/pub-result.js';
import type { CampaignStore } from '../queue/campaign-store.js';
import type { PubMessage } from '../types/pub-message.js';
import type { CampaignWatch } from './campaign-watch.js';
import type { OutcomeWriter } from './outcome-writer.js';
import type { RowSlots } from './row-slots.js';

/** Everything one worker process shares between the rows it dispatches. */
export interface DispatchContext {
  readonly limiter: { take(flowId?: string, weight?: number): Promise<void>; releaseWaiters(): void; poke(): void };
  readonly client: { pub(message: PubMessage): Promise<PubResult> };
  readonly watch: CampaignWatch;
  readonly store: CampaignStore;
  readonly writer: OutcomeWriter;
  /** Rows this process has in progress, over every chunk and campaign. */
  readonly slots: RowSlots;
  readonly metrics: FleetcastMetrics;
  /** Default `IotInstanceId` for rows without one. */
  readonly iotInstanceId: string | undefined;
  /** Told of every throttled attempt (the adaptive rate listens). */
  readonly onThrottled: () => void;
  /** Told of every answered attempt that was not throttled. */
  readonly onAnswered: () => void;
  /** The campaign's own limiter when it was submitted with `--rate`, shared by every worker. */
  readonly campaignLimiter: (campaignId: string) => { take(): Promise<void>; poke(): void } | undefined;
  /** Changes when this process's event loop was frozen long enough to lose its job locks (see StallGuard). */
  readonly epoch: () => number;
}
