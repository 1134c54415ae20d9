import type { CampaignStore } from '../queue/campaign-store.js';
import type { RowOutcome } from '../queue/outcome.js';

/** Outcomes are written at most this long after they are known. */
export const OUTCOME_FLUSH_MS = 10;
/** A campaign's outcomes are written at once when this many wait. */
const OUTCOME_BATCH = 64;

interface PendingOutcome {
  readonly outcome: RowOutcome;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes outcomes in batches, one script call per campaign every `OUTCOME_FLUSH_MS` (or sooner when a batch is
 * full): every Redis round trip costs a socket write on the hot path. A crash can then repeat the calls in flight
 * and those answered in the last `OUTCOME_FLUSH_MS`, never rows answered before.
 */
export class OutcomeWriter {
  readonly #store: CampaignStore;
  readonly #pending = new Map<string, PendingOutcome[]>();
  #timer: NodeJS.Timeout | undefined;

  constructor(store: CampaignStore) {
    this.#store = store;
  }

  write(campaignId: string, outcome: RowOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      let list = this.#pending.get(campaignId);
      if (list === undefined) {
        list = [];
        this.#pending.set(campaignId, list);
      }
      list.push({ outcome, resolve, reject });
      if (list.length >= OUTCOME_BATCH) this.#flushCampaign(campaignId, list);
      else if (this.#timer === undefined) this.#timer = setTimeout(() => this.#flushAll(), OUTCOME_FLUSH_MS);
    });
  }

  #flushAll(): void {
    this.#timer = undefined;
    for (const [campaignId, list] of this.#pending) this.#flushCampaign(campaignId, list);
  }

  #flushCampaign(campaignId: string, list: readonly PendingOutcome[]): void {
    this.#pending.delete(campaignId);
    this.#store.recordOutcomes(campaignId, list.map((entry) => entry.outcome)).then(
      () => list.forEach((entry) => entry.resolve()),
      (error: unknown) => list.forEach((entry) => entry.reject(error)),
    );
  }
}
