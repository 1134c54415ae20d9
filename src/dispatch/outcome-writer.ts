import type { CampaignStore } from '../queue/campaign-store.js';
import type { RowOutcome } from '../queue/outcome.js';

/**
 * Outcomes are written at most this long after they are known: 25 ms halved the outcome script calls of 10 ms
 * (about 16 rows a call at 800 calls/s a worker) and the Redis CPU per message with them (figures:
 * docs/BENCHMARKS.md, "Figures behind the code").
 */
export const OUTCOME_FLUSH_MS = 25;
/** A campaign's outcomes are written at once when this many wait. */
const OUTCOME_BATCH = 64;

/** The outcomes of one campaign written by one script call, and the promise every row of them waits on. */
class OutcomeBatch {
  readonly outcomes: RowOutcome[] = [];
  readonly written: Promise<void>;
  resolve: () => void = () => undefined;
  reject: (error: unknown) => void = () => undefined;

  constructor() {
    this.written = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/**
 * Writes outcomes in batches, one script call per campaign every `OUTCOME_FLUSH_MS` (or sooner when a batch is
 * full): every Redis round trip costs a socket write on the hot path. A crash can then repeat the calls in flight
 * and those answered in the last `OUTCOME_FLUSH_MS`, never rows answered before. The rows of a batch share one
 * promise (a promise and two closures per row were a measurable share of a worker's allocation).
 */
export class OutcomeWriter {
  readonly #store: CampaignStore;
  readonly #pending = new Map<string, OutcomeBatch>();
  #timer: NodeJS.Timeout | undefined;

  constructor(store: CampaignStore) {
    this.#store = store;
  }

  /** Resolves once the outcome is stored (with the rest of its batch). */
  write(campaignId: string, outcome: RowOutcome): Promise<void> {
    let batch = this.#pending.get(campaignId);
    if (batch === undefined) {
      batch = new OutcomeBatch();
      this.#pending.set(campaignId, batch);
    }
    batch.outcomes.push(outcome);
    if (batch.outcomes.length >= OUTCOME_BATCH) this.#flushCampaign(campaignId, batch);
    else if (this.#timer === undefined) this.#timer = setTimeout(() => this.#flushAll(), OUTCOME_FLUSH_MS);
    return batch.written;
  }

  #flushAll(): void {
    this.#timer = undefined;
    for (const [campaignId, batch] of this.#pending) this.#flushCampaign(campaignId, batch);
  }

  #flushCampaign(campaignId: string, batch: OutcomeBatch): void {
    this.#pending.delete(campaignId);
    this.#store.recordOutcomes(campaignId, batch.outcomes).then(
      () => batch.resolve(),
      (error: unknown) => batch.reject(error),
    );
  }
}
