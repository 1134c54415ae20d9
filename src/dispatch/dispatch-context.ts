import type { FleetcastMetrics } from '../metrics/metrics.js';
import type { BatchPubMessage, BatchPubResult } from '../pub/batch-pub.js';
import type { PubResult } from '../pub/pub-result.js';
import type { RowApi } from '../queue/outcome.js';
import type { CampaignStore } from '../queue/campaign-store.js';
import type { PubMessage } from '../types/pub-message.js';
import type { CampaignWatch } from './campaign-watch.js';
import type { OutcomeWriter } from './outcome-writer.js';
import type { RowSlots } from './row-slots.js';

/** Everything one worker process shares between the rows it dispatches. */
interface Limiter {
  take(flowId?: string, weight?: number): Promise<void>;
  releaseWaiters(): void;
  poke(): void;
}

export interface DispatchContext {
  /** The account's `Pub` limiter. */
  readonly limiter: Limiter;
  /** The account's `BatchPub` limiter (`FLEETCAST_BATCHPUB_RATE`), taken once per pack. */
  readonly batchPubLimiter: Limiter;
  readonly client: { pub(message: PubMessage): Promise<PubResult>; batchPub(message: BatchPubMessage): Promise<BatchPubResult> };
  readonly watch: CampaignWatch;
  readonly store: CampaignStore;
  readonly writer: OutcomeWriter;
  /** Rows this process has in progress, over every chunk and campaign. */
  readonly slots: RowSlots;
  readonly metrics: FleetcastMetrics;
  /** Default `IotInstanceId` for rows without one. */
  readonly iotInstanceId: string | undefined;
  /** Told of every throttled attempt (the adaptive rate of its API listens). */
  readonly onThrottled: (api: RowApi) => void;
  /** Told of every answered attempt that was not throttled. */
  readonly onAnswered: (api: RowApi) => void;
  /** The campaign's own limiter when it was submitted with `--rate`, shared by every worker. */
  readonly campaignLimiter: (campaignId: string) => { take(): Promise<void>; poke(): void } | undefined;
  /** Changes when this process's event loop was frozen long enough to lose its job locks (see StallGuard). */
  readonly epoch: () => number;
}
