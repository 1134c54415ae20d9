import { FairWaiters } from '../limiter/fair-waiters.js';

/** How many rows one worker process keeps in progress. */
export interface RowSlotsOptions {
  /** Calls per second this process may have to carry: the account's current cap (another worker may be gone). */
  readonly rate: () => number;
  /** Latency assumed before any call was answered, ms. @defaultValue 100 */
  readonly initialLatencyMs?: number;
  /** @defaultValue 32 */
  readonly min?: number;
  /** @defaultValue 4096 */
  readonly max?: number;
}

/** Each answer moves the latency estimate this share of the way: ~50 answers to follow a change. */
const LATENCY_SMOOTHING = 0.02;
/** Rows waiting for a token beyond those in calls: a grant's worth (40 ms at the cap) arrives at once. */
const WAITING_ROWS_S = 0.04;

/**
 * The rows one worker process has in progress (waiting for a token, or in a call), shared by every chunk and
 * campaign. Enough must be in progress to use every token: the cap × the endpoint's mean latency (what is in
 * calls, by Little's law) and a grant's worth waiting, so the number follows the measured latency ("a client on
 * another continent needs more in flight"); room for the spread of latencies measured no better.
 * Many more only slow garbage collection down: every started row lives until it is answered, and young-generation
 * pauses over 3 ms make the process miss tokens (figures for both: docs/BENCHMARKS.md, "Figures behind the
 * code"). A row lets its slot go while it only waits (a closed gate, a
 * backoff, its campaign's own cap), so paused or failing campaigns do not hold slots others could use.
 * Campaigns share the slots by weight, as they share tokens.
 */
export class RowSlots {
  readonly #rate: () => number;
  readonly #min: number;
  readonly #max: number;
  readonly #waiters = new FairWaiters();
  #latencyMs: number;
  #inUse = 0;
  #closed = false;

  constructor(options: RowSlotsOptions) {
    this.#rate = options.rate;
    this.#latencyMs = options.initialLatencyMs ?? 100;
    this.#min = options.min ?? 32;
    this.#max = options.max ?? 4096;
  }

  /** Slots this process may use now. */
  get size(): number {
    const rate = this.#rate();
    const rows = Math.round(rate * (this.#latencyMs / 1000 + WAITING_ROWS_S));
    return Math.min(this.#max, Math.max(this.#min, rows));
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** The smoothed time an attempt takes from its token to its answer, ms. */
  get latencyMs(): number {
    return this.#latencyMs;
  }

  /** Resolves once the caller holds a slot; flows (campaigns) with waiters share free slots by weight. */
  acquire(flowId: string, weight: number): Promise<void> {
    if (this.#closed || (this.#waiters.size === 0 && this.#inUse < this.size)) {
      this.#inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(flowId, weight, resolve));
  }

  release(): void {
    this.#inUse--;
    this.#wake();
  }

  /** Lets the slot go while `wait` settles, then takes one again. */
  async idle<T>(flowId: string, weight: number, wait: Promise<T>): Promise<T> {
    this.release();
    try {
      return await wait;
    } finally {
      await this.acquire(flowId, weight);
    }
  }

  /** Tells how long an attempt took, so the number of slots follows the endpoint's latency. */
  observeLatency(ms: number): void {
    this.#latencyMs += (ms - this.#latencyMs) * LATENCY_SMOOTHING;
    this.#wake();
  }

  /** Lets every waiter go and every later caller through at once (on shutdown, so nothing hangs). */
  releaseAll(): void {
    this.#closed = true;
    for (let resolve = this.#waiters.shift(); resolve !== undefined; resolve = this.#waiters.shift()) {
      this.#inUse++;
      resolve();
    }
  }

  #wake(): void {
    if (this.#waiters.size === 0) return;
    const size = this.size;
    while (this.#inUse < size) {
      const resolve = this.#waiters.shift();
      if (resolve === undefined) return;
      this.#inUse++;
      resolve();
    }
  }
}
