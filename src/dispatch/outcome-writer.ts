import type { CampaignStore } from '../queue/campaign-store.js';
import type { RowOutcome } from '../queue/outcome.js';

/**
 * Writes outcomes as soon as they are known, gathering those of the same event-loop turn into one script call:
 * a crash can then only repeat the calls still in flight, never rows already answered.
 */
export class OutcomeWriter {
  readonly #store: CampaignStore;
  readonly #pending = new Map<string, Array<{ outcome: RowOutcome; resolve: () => void; reject: (error: unknown) => void }>>();
  #scheduled = false;

  constructor(store: CampaignStore) {
    this.#store = store;
  }

  write(campaignId: string, outcome: RowOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      const list = this.#pending.get(campaignId) ?? [];
      list.push({ outcome, resolve, reject });
      this.#pending.set(campaignId, list);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    for (const [campaignId, list] of this.#pending) {
      this.#pending.delete(campaignId);
      this.#store.recordOutcomes(campaignId, list.map((entry) => entry.outcome)).then(
        () => list.forEach((entry) => entry.resolve()),
        (error: unknown) => list.forEach((entry) => entry.reject(error)),
      );
    }
  }
}
