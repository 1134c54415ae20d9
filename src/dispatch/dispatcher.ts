import { Worker } from 'bullmq';
import { duplicateClient, type RedisClient } from '../redis/client.js';
import type { AccountLimiter } from '../limiter/account-limiter.js';
import { processErrorLog, type ErrorLog } from '../log/throttled-log.js';
import type { FleetcastMetrics } from '../metrics/metrics.js';
import type { PubClient } from '../pub/pub-client.js';
import { CampaignStore, type AbortCriteria } from '../queue/campaign-store.js';
import { campaignKeys } from '../queue/keys.js';
import { campaignGrantSize, campaignRateLimit } from '../queue/rate-limit.js';
import type { RowApi } from '../queue/outcome.js';
import type { ChunkJobData } from '../queue/wire-message.js';
import { CampaignWatch } from './campaign-watch.js';
import { chunkProcessor } from './chunk-processor.js';
import type { DispatchContext } from './dispatch-context.js';
import { OutcomeWriter } from './outcome-writer.js';
import { RowSlots } from './row-slots.js';
import { StallGuard } from './stall-guard.js';

/**
 * A chunk's lock lasts this long and is renewed at half of it; a worker that dies has its chunks picked up by
 * another within LOCK_DURATION_MS + STALLED_INTERVAL_MS (BullMQ's defaults would take 30 s and more).
 */
const LOCK_DURATION_MS = 5_000;
const STALLED_INTERVAL_MS = 2_000;

/** How one worker process dispatches. */
export interface DispatcherOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly limiter: AccountLimiter;
  /** The account's BatchPub limiter: each pack of `--pack` takes one token. */
  readonly batchPubLimiter: AccountLimiter;
  /** Makes the own limiter of a campaign submitted with `--rate` or a ramp, shared by every worker. */
  readonly limiterFor: (campaignId: string, rate: number, grantSize: number) => AccountLimiter;
  /** The account's shared cap now: a ramp grows up to it. */
  readonly accountCap: () => number;
  readonly client: PubClient;
  readonly metrics: FleetcastMetrics;
  readonly iotInstanceId: string | undefined;
  /** When a failing campaign pauses itself. */
  readonly abort?: AbortCriteria;
  /** Chunks (of up to 100 rows) this process holds at once, per campaign; their rows start as row slots allow. @defaultValue 8 */
  readonly concurrency: number;
  /** This process as `fleetcast cap` and the console list it (`host:pid`): the name of its queue workers. */
  readonly workerName?: string;
  /** Called with the error of every chunk job that fails (it never stops the process). */
  readonly onError?: (error: Error) => void;
  /** Where errors this process recovers from by itself are logged (Redis connections, polls). @defaultValue the worker log on stderr */
  readonly errors?: ErrorLog;
  readonly onThrottled?: (api: RowApi) => void;
  readonly onAnswered?: (api: RowApi) => void;
}

/**
 * The worker side: one BullMQ Worker per active campaign, all of them sending through one account limiter.
 * Campaigns are discovered from Redis as they are submitted and dropped when they finish.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #context: DispatchContext;
  readonly #watch: CampaignWatch;
  readonly #workers = new Map<string, Worker<ChunkJobData>>();
  #stopped = false;
  readonly #campaignLimiters = new Map<string, AccountLimiter>();
  readonly #stallGuard = new StallGuard(LOCK_DURATION_MS / 2);

  constructor(options: DispatcherOptions) {
    this.#options = options;
    const store = new CampaignStore(options.redis, options.prefix, options.abort);
    this.#watch = new CampaignWatch(options.redis, options.prefix, (active) => this.#sync(active), { errors: options.errors ?? processErrorLog });
    this.#context = {
      limiter: options.limiter,
      batchPubLimiter: options.batchPubLimiter,
      client: options.client,
      watch: this.#watch,
      store,
      writer: new OutcomeWriter(store),
      slots: new RowSlots({ rate: () => options.limiter.rate }),
      metrics: options.metrics,
      iotInstanceId: options.iotInstanceId,
      onThrottled: options.onThrottled ?? (() => undefined),
      onAnswered: options.onAnswered ?? (() => undefined),
      epoch: () => this.#stallGuard.epoch,
      campaignLimiter: (id) => this.#campaignLimiters.get(id),
    };
  }

  get campaigns(): readonly string[] {
    return [...this.#workers.keys()];
  }

  async start(): Promise<void> {
    this.#stallGuard.start();
    await this.#watch.start();
  }

  /** Stops taking chunks, hands rows that were not sent back to the queue, waits for calls in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watch.beginStop();
    this.#context.slots.releaseAll();
    this.#options.limiter.releaseWaiters();
    this.#options.batchPubLimiter.releaseWaiters();
    for (const limiter of this.#campaignLimiters.values()) limiter.releaseWaiters();
    await Promise.all([...this.#workers.values()].map((worker) => worker.close()));
    this.#workers.clear();
    await Promise.all([...this.#campaignLimiters.values()].map((limiter) => limiter.close()));
    this.#campaignLimiters.clear();
    await this.#watch.stop();
    this.#stallGuard.stop();
  }

  #sync(active: ReadonlySet<string>): void {
    if (this.#stopped) return;
    for (const id of active) if (!this.#workers.has(id)) this.#startWorker(id);
    for (const [id, worker] of this.#workers) {
      if (active.has(id)) continue;
      this.#workers.delete(id);
      void worker.close().then(async () => {
        this.#watch.forget(id);
        await this.#campaignLimiters.get(id)?.close();
        this.#campaignLimiters.delete(id);
      });
    }
    for (const id of active) {
      this.#syncCampaignLimiter(id);
      // Rows waiting for a token of a slow campaign limiter would each wait their turn to learn of a cancel: let them
      // go now (no call follows: each checks the gate again after its account token).
      if (this.#watch.get(id)?.state === 'cancelled') this.#campaignLimiters.get(id)?.releaseWaiters();
    }
  }

  /**
   * A campaign submitted with `--rate` or a ramp gets a limiter of its own in Redis, taken before the account's. A
   * ramp's step follows the campaign's counters, which every worker reads alike on each poll: each sets the same rate.
   */
  #syncCampaignLimiter(id: string): void {
    const campaign = this.#watch.get(id);
    const limit = campaign === undefined ? undefined : campaignRateLimit(campaign, this.#options.accountCap());
    if (campaign === undefined || limit === undefined || !(limit.rate > 0)) return;
    const limiter = this.#campaignLimiters.get(id);
    if (limiter === undefined) {
      this.#campaignLimiters.set(id, this.#options.limiterFor(id, limit.rate, campaignGrantSize(campaign)));
    } else if (limiter.rate !== limit.rate) {
      limiter.setRate(limit.rate).catch((error: unknown) => (this.#options.errors ?? processErrorLog).report('limiter', `rate change of campaign ${id}`, error));
    }
  }

  #startWorker(id: string): void {
    const { redis, prefix, concurrency } = this.#options;
    const connection = duplicateClient(redis, { maxRetriesPerRequest: null, enableAutoPipelining: false });
    const errors = this.#options.errors ?? processErrorLog;
    connection.on('error', (error) => errors.report('redis connection', `queue worker of campaign ${id}`, error));
    const keys = campaignKeys(prefix, id);
    const worker = new Worker<ChunkJobData>(keys.queueName, chunkProcessor(this.#context, id), {
      connection,
      prefix: keys.bullPrefix,
      concurrency,
      ...(this.#options.workerName === undefined ? {} : { name: this.#options.workerName }),
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: 50,
    });
    // A queue worker repeats its connection's errors on every reconnect attempt: logged once a minute.
    worker.on('error', (error) => errors.report('queue', `queue worker of campaign ${id}`, error));
    worker.on('failed', (_job, error) => this.#options.onError?.(error));
    worker.on('closed', () => connection.disconnect());
    this.#workers.set(id, worker);
  }
}
