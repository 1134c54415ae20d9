import Bottleneck from 'bottleneck';
import { duplicateClient, type RedisClient } from '../redis/client.js';
import { processErrorLog, type ErrorLog } from '../log/throttled-log.js';
import { ShaScriptConnection } from './bottleneck-connection.js';
import { EpochOffset } from './epoch-offset.js';
import { GrantClock } from './grant-clock.js';
import { grantSizeFor } from './shared-cap.js';
import { isWedgedLimiterError } from './wedge.js';

/** Options of the account limiter shared by every worker process of one AccessKey account. */
export interface AccountLimiterOptions {
  /** A Redis client the limiter may use (it also duplicates it once for its subscriber). */
  readonly redis: RedisClient;
  /**
   * The limiter's Redis id: Bottleneck's keys are `b_${redisId}_…`. It carries a hash tag, so that they share one slot
   * of a Redis Cluster (accountKeys(…).limiterId, campaignKeys(…).limiterId).
   */
  readonly redisId: string;
  /** What the limiter is called in logged errors: an opaque account id (a hash of the AccessKey id), or `campaign-<id>`. */
  readonly name: string;
  /** Cap in calls per second for the whole account, across every process. Minimum 1. */
  readonly rate: number;
  /**
   * Tokens per grant taken from the shared limiter; every process of one limiter must use the same (see
   * shared-cap.ts). Each grant costs three Bottleneck script calls (submit, register, free): larger grants cost Redis
   * less. @defaultValue 40 ms worth at `rate`, 1 to 64
   */
  readonly grantSize?: number;
  /**
   * Share of the cap kept unused so that timing jitter between the limiter, the worker and the endpoint
   * never pushes a sliding second past the cap: 12.5 ms of calls per second, for the `maxLateMs` a call may leave
   * after its token's time and ~8.5 ms more by which the endpoint may count calls off their time: an endpoint that
   * pauses counts everything that arrived meanwhile at once (figures: docs/BENCHMARKS.md, "Figures behind the code").
   * @defaultValue 0.0125
   */
  readonly guard?: number;
  /**
   * Calls per second kept unused whatever the rate. A call reaches the endpoint a few ms off its token's time
   * (timers, the event loop, the network): a sliding second then counts a call or two more at its edges, and at
   * low rates that is more than `guard` covers. @defaultValue 4
   */
  readonly minGuardCalls?: number;
  /**
   * A token not used within this many ms of its time is dropped: a later call would crowd the next grant's span.
   * @defaultValue 4
   */
  readonly maxLateMs?: number;
  /** Grants a process may have reserved ahead of use. @defaultValue enough for 50 ms at the cap, at least 3 */
  readonly maxOutstandingGrants?: number;
  /** Called when the shared limiter's Redis state was lost and the limiter rebuilt itself. */
  readonly onRecovered?: (reason: string) => void;
  /**
   * Called when this process has just let its last due call go and has no token due for a while (other processes
   * hold the next grants): the moment for work that pauses the event loop for a few ms.
   */
  readonly onIdleGap?: () => void;
  /** Where errors the limiter recovers from are logged (lost connections, failed grants). @defaultValue the worker log on stderr */
  readonly errors?: ErrorLog;
}

/** Every process reads a campaign's counters within a poll (250 ms): a raise of its limiter narrows the spacing after that. */
const RAISE_SETTLE_MS = 600;

/**
 * Every Pub attempt takes one token here. Tokens come from one Bottleneck limiter in cluster mode (Redis), which
 * spaces grants of `grantSize` tokens `grantSize / rate` seconds apart for all processes together; each process
 * then spreads a grant's tokens evenly over that span.
 */
export class AccountLimiter {
  readonly #options: Required<Omit<AccountLimiterOptions, 'onRecovered' | 'onIdleGap' | 'errors'>> & Pick<AccountLimiterOptions, 'onRecovered'>;
  readonly #clock: GrantClock;
  readonly #errors: ErrorLog;
  #bottleneck: Bottleneck;
  #outstanding = 0;
  /** Bumped on every rebuild, so that grants of a discarded Bottleneck instance are ignored. */
  #generation = 0;
  /** The rate this process spreads its tokens at. */
  #rate: number;
  /** The rate this process last set the grants' spacing to (see setRate). */
  #scheduleRate: number;
  /** The share of the rate kept unused (AccountLimiterOptions.guard, then what setGuard says). */
  #guard: number;
  #raiseTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #recovering: Promise<void> | undefined;
  readonly #connections: Bottleneck.IORedisConnection[] = [];
  readonly #epoch = new EpochOffset();

  constructor(options: AccountLimiterOptions) {
    if (!(options.rate >= 1)) throw new TypeError(`rate must be at least 1 call/s (got ${options.rate})`);
    const grantSize = options.grantSize ?? grantSizeFor(options.rate);
    this.#options = {
      guard: 0.0125,
      minGuardCalls: 4,
      maxLateMs: 4,
      ...options,
      grantSize,
      maxOutstandingGrants: options.maxOutstandingGrants ?? Math.max(3, Math.ceil((options.rate * 0.05) / grantSize)),
    };
    this.#rate = options.rate;
    this.#scheduleRate = options.rate;
    this.#guard = this.#options.guard;
    this.#errors = options.errors ?? processErrorLog;
    this.#clock = new GrantClock(this.#options.maxLateMs, () => this.#requestGrants(), options.onIdleGap);
    this.#bottleneck = this.#createBottleneck();
  }

  /** The cap this limiter currently applies, in calls per second. */
  get rate(): number {
    return this.#rate;
  }

  /** Tokens dropped so far because no call was ready for them in time. */
  get droppedTokens(): number {
    return this.#clock.dropped;
  }

  async ready(): Promise<void> {
    await this.#bottleneck.ready();
  }

  /** Resolves when the caller may make one call. Callers of different flows (campaigns) share by weight. */
  take(flowId = '', weight = 1): Promise<void> {
    return this.#clock.wait(flowId, weight);
  }

  /**
   * Hands out the tokens that came due while the event loop was busy. Cheap: call it after each piece of work on
   * the hot path (see GrantClock.poke).
   */
  poke(): void {
    this.#clock.poke();
  }

  /**
   * Changes the shared rate for every process of the account. A grant's tokens are spread over the span this
   * process reckons from its own rate, while the grants' spacing is the limiter's one setting in Redis: a process
   * still on a slower rate spreads its grant over a longer span than the spacing, overlapping the next grant, and a
   * sliding second then counts more than the cap. So a lower rate widens the spacing at once (a process that has
   * not heard of it yet only spreads its tokens over less than the spacing), and a higher rate narrows this
   * process's spread at once but the spacing only as far as `settled`, the lowest rate every process seen lately
   * says it spreads at; without that word (a campaign's own limiter), `RAISE_SETTLE_MS` after the raise, by which
   * every process has polled.
   */
  async setRate(rate: number, settled?: number): Promise<void> {
    this.#rate = rate;
    clearTimeout(this.#raiseTimer);
    if (rate <= this.#scheduleRate) {
      await this.#applySchedule(rate);
      return;
    }
    if (settled !== undefined) {
      const spacing = Math.min(rate, settled);
      if (spacing > this.#scheduleRate) await this.#applySchedule(spacing);
      return;
    }
    this.#raiseTimer = setTimeout(() => {
      if (this.#rate === rate && !this.#closed) {
        void this.#applySchedule(rate).catch((error: unknown) => this.#errors.report('limiter', `rate change of limiter ${this.#options.name}`, error));
      }
    }, RAISE_SETTLE_MS);
    this.#raiseTimer.unref();
  }

  /** The share of the rate kept unused now. */
  get guard(): number {
    return this.#guard;
  }

  /**
   * Changes the share of the rate kept unused (learned by AdaptiveRate from the endpoint's throttles), for the
   * spacing of grants and the spread of their tokens alike. Every process hears of a change within a poll; until
   * then one spreads its tokens over a span a step of the guard (a few µs a grant) longer or shorter than the spacing.
   */
  async setGuard(guard: number): Promise<void> {
    if (guard === this.#guard) return;
    this.#guard = guard;
    await this.#applySchedule(this.#scheduleRate);
  }

  async #applySchedule(rate: number): Promise<void> {
    this.#scheduleRate = rate;
    await Promise.resolve(this.#bottleneck.updateSettings({ minTime: this.#grantSpanMs(rate) }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#raiseTimer);
    this.#clock.releaseAll();
    // Closing: a connection that is already lost has nothing left to close.
    await Promise.resolve(this.#bottleneck.disconnect(false)).catch(() => undefined);
    this.#closeConnections(0);
  }

  /** The span of one grant's tokens at `rate` (by default this process's rate), and so the grants' spacing. */
  #grantSpanMs(rate = this.#rate): number {
    const guard = Math.max(this.#guard, this.#options.minGuardCalls / rate);
    return (this.#options.grantSize * 1000 * (1 + guard)) / rate;
  }

  /** A limiter given a connection never closes it (nor the subscriber it opens): keep each to close it here. */
  #connection(redis: RedisClient): Bottleneck.IORedisConnection {
    const client = duplicateClient(redis, { lazyConnect: false, enableAutoPipelining: false });
    const context = `limiter ${this.#options.name}`;
    client.on('error', (error) => this.#errors.report('redis connection', context, error));
    const generation = this.#generation;
    const connection = new ShaScriptConnection(client, (slot) => this.#onGrantRegistered(generation, slot));
    connection.on('error', (error) => this.#errors.report('redis connection', context, error));
    this.#connections.push(connection);
    return connection;
  }

  #closeConnections(keep: number): void {
    while (this.#connections.length > keep) void this.#connections.shift()?.disconnect(false);
  }

  #createBottleneck(): Bottleneck {
    const { redis, redisId, name } = this.#options;
    const limiter = new Bottleneck({
      id: redisId,
      datastore: 'ioredis',
      clearDatastore: false,
      minTime: this.#grantSpanMs(this.#scheduleRate),
      connection: this.#connection(redis),
    });
    limiter.on('error', (error) => this.#errors.report('limiter', `limiter ${name}`, error));
    return limiter;
  }

  #requestGrants(): void {
    if (this.#closed || this.#recovering) return;
    const { grantSize, maxOutstandingGrants } = this.#options;
    // Slots reserved far ahead would hold the shared schedule from other processes and from a rate change.
    if (this.#clock.aheadMs() > maxOutstandingGrants * this.#grantSpanMs()) return;
    const uncovered = this.#clock.waiting - this.#clock.tokens - this.#outstanding * grantSize;
    let wanted = Math.min(Math.ceil(uncovered / grantSize), maxOutstandingGrants - this.#outstanding);
    while (wanted-- > 0) this.#requestGrant();
  }

  /** Every job of this Bottleneck instance is a grant; it is registered (given its slot) before it runs. */
  #requestGrant(): void {
    this.#outstanding++;
    const generation = this.#generation;
    this.#bottleneck
      .schedule(() => Promise.resolve())
      .catch((error: unknown) => {
        if (generation !== this.#generation) return;
        this.#outstanding--;
        this.#onScheduleError(error);
      });
  }

  /**
   * A grant's tokens start at its slot in the shared schedule, known as soon as Bottleneck registers the job
   * (usually before the slot): Bottleneck itself runs the job only after a timer set when the answer arrives,
   * 2–25 ms late here, and tokens reckoned from then would crowd the next grant's span and a sliding second
   * past the cap. Tokens of a slot already past are dropped as usual.
   */
  #onGrantRegistered(generation: number, slotEpochMs: number): void {
    if (generation !== this.#generation || this.#closed) return;
    this.#outstanding--;
    this.#clock.addGrant(this.#options.grantSize, this.#grantSpanMs(), slotEpochMs - this.#epoch.read());
  }

  /** Lets every caller waiting for a token go at once (they must check whether they may still send). */
  releaseWaiters(): void {
    this.#clock.releaseAll();
  }

  #onScheduleError(error: unknown): void {
    if (this.#closed) return;
    const reason = error instanceof Error ? error.message : String(error);
    if (isWedgedLimiterError(error)) {
      this.#recovering ??= this.#rebuild(reason);
      return;
    }
    this.#errors.report('limiter', `grant request of limiter ${this.#options.name}`, error);
    setTimeout(() => this.#requestGrants(), 100);
  }

  /** Bottleneck cannot recover by itself once its Redis state is gone (see wedge.ts): replace the instance. */
  async #rebuild(reason: string): Promise<void> {
    const old = this.#bottleneck;
    this.#generation++;
    this.#outstanding = 0;
    this.#bottleneck = this.#createBottleneck();
    // The old instance is discarded: its connection may already be lost, and nothing waits on it.
    void Promise.resolve(old.disconnect(false)).catch(() => undefined).finally(() => this.#closeConnections(1));
    try {
      await this.#bottleneck.ready();
      this.#options.onRecovered?.(reason);
    } catch (error) {
      this.#errors.report('limiter', `rebuild of limiter ${this.#options.name}`, error);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      this.#recovering = undefined;
      this.#requestGrants();
    }
  }
}
