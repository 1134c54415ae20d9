import type { CampaignStore } from '../queue/campaign-store.js';
import { campaignKeys } from '../queue/keys.js';

/** One reading of a campaign's counters: rows answered by the service (sent + failed) at time `t`. */
interface Sample {
  readonly t: number;
  readonly answered: number;
}

/** Rows answered per second over one interval ending at `t`. */
export interface RatePoint {
  readonly t: number;
  readonly perSecond: number;
}

export interface RateSamplerOptions {
  /** @defaultValue 1000 */
  readonly intervalMs?: number;
  /** How much history each campaign keeps. @defaultValue 300 (five minutes) */
  readonly keepSeconds?: number;
  readonly onError?: (error: unknown) => void;
}

/** Seconds over which the current rate is averaged. */
const CURRENT_SPAN_MS = 5_000;

/**
 * The calls per second of each active campaign over the last minutes, as this process sees them: the workers' own
 * metrics live in each worker process, so the console reads every active campaign's counters once a second and keeps
 * a ring of them. A row counts when its answer is recorded (sent or failed); throttled attempts are not in it.
 */
export class RateSampler {
  readonly #store: CampaignStore;
  readonly #intervalMs: number;
  readonly #keepMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #samples = new Map<string, Sample[]>();
  #timer: NodeJS.Timeout | undefined;

  constructor(store: CampaignStore, options: RateSamplerOptions = {}) {
    this.#store = store;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#keepMs = (options.keepSeconds ?? 300) * 1000;
    this.#onError = options.onError ?? (() => undefined);
  }

  get keepSeconds(): number {
    return this.#keepMs / 1000;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const tick = (): void => {
      this.sample().then(
        () => (this.#timer = setTimeout(tick, this.#intervalMs)),
        (error: unknown) => {
          this.#onError(error);
          this.#timer = setTimeout(tick, this.#intervalMs);
        },
      );
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Reads the counters of every active campaign once. */
  async sample(now = Date.now()): Promise<void> {
    const ids = await this.#store.activeIds();
    const readings = await Promise.all(ids.map((id) => this.#store.redis.hmget(campaignKeys(this.#store.prefix, id).campaign, 'sent', 'failed')));
    ids.forEach((id, index) => {
      const [sent, failed] = readings[index] ?? [];
      const series = this.#samples.get(id) ?? [];
      series.push({ t: now, answered: Number(sent ?? 0) + Number(failed ?? 0) });
      while (series.length > 0 && (series[0]?.t ?? now) < now - this.#keepMs - this.#intervalMs) series.shift();
      this.#samples.set(id, series);
    });
    for (const [id, series] of this.#samples) {
      const last = series.at(-1);
      if (last === undefined || last.t < now - this.#keepMs) this.#samples.delete(id);
    }
  }

  /** Rows answered per second between consecutive samples, oldest first (a retry's removed failures count as 0). */
  series(id: string): RatePoint[] {
    const samples = this.#samples.get(id) ?? [];
    const points: RatePoint[] = [];
    for (let index = 1; index < samples.length; index++) {
      const previous = samples[index - 1];
      const current = samples[index];
      if (previous === undefined || current === undefined || current.t <= previous.t) continue;
      points.push({ t: current.t, perSecond: Math.max(0, current.answered - previous.answered) / ((current.t - previous.t) / 1000) });
    }
    return points;
  }

  /** The rate over the last five seconds, or undefined before two samples. */
  current(id: string): number | undefined {
    const samples = this.#samples.get(id) ?? [];
    const last = samples.at(-1);
    if (last === undefined) return undefined;
    const first = samples.find((sample) => sample.t >= last.t - CURRENT_SPAN_MS - this.#intervalMs / 2);
    if (first === undefined || first.t >= last.t) return undefined;
    return Math.max(0, last.answered - first.answered) / ((last.t - first.t) / 1000);
  }
}
