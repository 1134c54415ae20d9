import { duplicateClient, type RedisClient } from '../redis/client.js';
import { processErrorLog, type ErrorLog } from '../log/throttled-log.js';
import { isCampaignState, storedWindow, type CampaignState } from '../queue/campaign-record.js';
import { CampaignStore } from '../queue/campaign-store.js';
import { storedRamp, type RampSpec } from '../queue/ramp.js';
import { activeCampaignsKey, campaignKeys, controlChannel } from '../queue/keys.js';
import { every, wallClock, type Clock } from '../runtime/clock.js';
import { isHeld, sendableUntil } from '../schedule/campaign-schedule.js';

/** What a worker needs to know about a campaign it serves; refreshed from Redis. */
export interface WatchedCampaign {
  readonly id: string;
  state: CampaignState;
  pausedReason: string;
  priority: number;
  /** The campaign's own cap in calls/s, if it has one. */
  rate: number | undefined;
  /** Its ramp, if it has one, and the counters the ramp counts. */
  ramp: RampSpec | undefined;
  sent: number;
  done: number;
  /** Before its start time or outside its send window: its rows wait as if it were paused. */
  held: boolean;
  /** Epoch ms at which its window closes, so that rows stop at the close itself rather than at the next poll. */
  sendableUntil: number;
  /** While its canary runs or holds: rows after this row number wait (every row waits until it is known). */
  canaryLastRow?: number | undefined;
}

/** How a CampaignWatch polls, and what it reads the time from. */
export interface CampaignWatchOptions {
  /** @defaultValue 250 */
  readonly pollMs?: number;
  /** Epoch time, for start times and send windows, and the poll's timer. @defaultValue the real one */
  readonly clock?: Clock;
  /** Where a failed poll or a lost subscriber connection is logged. @defaultValue the worker log on stderr */
  readonly errors?: ErrorLog;
}

/** `stopping`: this process shuts down; rows not yet sent go back to the queue. */
export type Gate = 'open' | 'cancelled' | 'stopping';

/**
 * Keeps this process's view of the active campaigns: polls Redis every `pollMs` and listens on the control
 * channel, so pause, resume and cancel reach every worker within a second. Each poll also judges every campaign's
 * schedule, so one that reaches its start time or its window opening starts within a poll. A held campaign that
 * this process has not served yet is left out of the campaigns it serves, so no chunk of it is taken early.
 */
export class CampaignWatch {
  readonly #redis: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #prefix: string;
  readonly #pollMs: number;
  readonly #clock: Clock;
  readonly #errors: ErrorLog;
  readonly #campaigns = new Map<string, WatchedCampaign>();
  readonly #gateWaiters = new Map<string, Array<() => void>>();
  readonly #onChange: (active: ReadonlySet<string>) => void;
  /** Campaigns reported to `onChange` since they became active. */
  readonly #served = new Set<string>();
  #stopPolling: (() => void) | undefined;
  #polling: Promise<void> | undefined;
  #stopping = false;

  constructor(redis: RedisClient, prefix: string, onChange: (active: ReadonlySet<string>) => void, options: CampaignWatchOptions = {}) {
    this.#redis = redis;
    this.#pollMs = options.pollMs ?? 250;
    this.#clock = options.clock ?? wallClock;
    this.#errors = options.errors ?? processErrorLog;
    this.#subscriber = duplicateClient(redis);
    this.#subscriber.on('error', (error) => this.#errors.report('redis connection', 'campaign watch subscriber', error));
    this.#prefix = prefix;
    this.#onChange = onChange;
  }

  async start(): Promise<void> {
    await this.#subscriber.subscribe(controlChannel(this.#prefix));
    this.#subscriber.on('message', () => void this.poll());
    await this.poll();
    this.#stopPolling = every(this.#clock, this.#pollMs, () => void this.poll());
  }

  /** Releases every row waiting at a gate with `stopping`. */
  beginStop(): void {
    this.#stopping = true;
    for (const id of [...this.#gateWaiters.keys()]) this.#wake(id);
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  async stop(): Promise<void> {
    this.beginStop();
    this.#stopPolling?.();
    await this.#polling;
    this.#subscriber.disconnect();
    for (const id of this.#gateWaiters.keys()) this.#wake(id);
  }

  get(id: string): WatchedCampaign | undefined {
    return this.#campaigns.get(id);
  }

  /** Marks a state at once in this process (for example an automatic pause) before Redis says so. */
  setLocalState(id: string, state: CampaignState, reason = ''): void {
    const campaign = this.#campaigns.get(id);
    if (campaign === undefined) return;
    campaign.state = state;
    campaign.pausedReason = reason;
  }

  /**
   * Resolves when rows of the campaign may be sent (`open`) or must end (`cancelled`). Waits while paused, and
   * while `row` (when given) lies beyond a canary that has not ended.
   */
  async gate(id: string, row?: number): Promise<Gate> {
    for (;;) {
      const now = this.gateNow(id, row);
      if (now !== undefined) return now;
      await new Promise<void>((resolve) => {
        const waiters = this.#gateWaiters.get(id) ?? [];
        waiters.push(resolve);
        this.#gateWaiters.set(id, waiters);
      });
    }
  }

  /** The gate as it stands now, or undefined when rows must wait (paused, or outside the campaign's time). */
  gateNow(id: string, row?: number): Gate | undefined {
    if (this.#stopping) return 'stopping';
    const campaign = this.#campaigns.get(id);
    const state = campaign?.state ?? 'cancelled';
    if (state === 'cancelled') return 'cancelled';
    if (row !== undefined && campaign?.canaryLastRow !== undefined && row > campaign.canaryLastRow) return undefined;
    if (state !== 'paused' && campaign !== undefined && !this.#heldNow(campaign)) return 'open';
    return undefined;
  }

  isOpen(id: string): boolean {
    const campaign = this.#campaigns.get(id);
    if (campaign === undefined || this.#heldNow(campaign)) return false;
    return campaign.state === 'running' || campaign.state === 'enqueuing' || campaign.state === 'finished';
  }

  poll(): Promise<void> {
    this.#polling ??= this.#refresh().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #refresh(): Promise<void> {
    let ids: string[];
    try {
      ids = await this.#redis.smembers(activeCampaignsKey(this.#prefix));
      await Promise.all(ids.map((id) => this.#refreshOne(id, true)));
    } catch (error) {
      this.#errors.report('campaign poll', 'active campaigns', error);
      return;
    }
    const active = new Set(ids);
    for (const id of this.#campaigns.keys()) {
      if (!active.has(id)) await this.#refreshOne(id).catch((error: unknown) => this.#errors.report('campaign poll', `campaign ${id}`, error));
    }
    this.#onChange(this.#toServe(active));
  }

  #toServe(active: ReadonlySet<string>): Set<string> {
    for (const id of this.#served) if (!active.has(id)) this.#served.delete(id);
    for (const id of active) if (this.#campaigns.get(id)?.held !== true) this.#served.add(id);
    return new Set(this.#served);
  }

  async #refreshOne(id: string, listedActive = false): Promise<void> {
    const [state, pausedReason, priority, rate, startAt, window, windowTz, stage, canaryLastRow, soakMs, heldAt, rampStart, rampFactor, rampEvery, rampOn, sent, done, finishedAt] = await this.#redis.hmget(
      campaignKeys(this.#prefix, id).campaign,
      'state',
      'pausedReason',
      'priority',
      'rate',
      'startAt',
      'window',
      'windowTz',
      'stage',
      'canaryLastRow',
      'canarySoakMs',
      'canaryHeldAt',
      'rampStart',
      'rampFactor',
      'rampEvery',
      'rampOn',
      'sent',
      'done',
      'finishedAt',
    );
    // The script that finished it cannot take it off the active set (another hash slot): a process that stopped in
    // between left it there.
    if (listedActive && finishedAt !== null && finishedAt !== '') await this.#redis.srem(activeCampaignsKey(this.#prefix), id);
    const known = this.#campaigns.get(id);
    const next = isCampaignState(state ?? undefined) ? (state as CampaignState) : 'cancelled';
    const campaign = known ?? { id, state: next, pausedReason: '', priority: 1, rate: undefined, ramp: undefined, sent: 0, done: 0, held: false, sendableUntil: Infinity };
    campaign.state = next;
    campaign.pausedReason = pausedReason ?? '';
    campaign.priority = Number(priority ?? 1) || 1;
    campaign.rate = rate === null || rate === '' ? undefined : Number(rate);
    campaign.ramp = rampStart === null ? undefined : storedRamp({ rampStart, rampFactor: rampFactor ?? undefined, rampEvery: rampEvery ?? undefined, rampOn: rampOn ?? undefined });
    campaign.sent = Number(sent ?? 0) || 0;
    campaign.done = Number(done ?? 0) || 0;
    // A cancelled campaign is never held: its rows must reach a worker to end `cancelled`.
    const schedule = { startAt: startAt === null || startAt === '' ? undefined : Number(startAt), window: storedWindow(window, windowTz) };
    const now = this.#clock.now();
    campaign.held = next !== 'cancelled' && isHeld(schedule, now);
    campaign.sendableUntil = campaign.held || next === 'cancelled' ? Infinity : sendableUntil(schedule, now);
    const boundary = canaryLastRow === null || canaryLastRow === undefined || canaryLastRow === '' ? undefined : Number(canaryLastRow);
    // Until the producer has stored the canary's last row, no row of the campaign is known to be inside it: a worker
    // that took a chunk beyond the canary before it heard of the boundary sent 58 rows too many in one run.
    campaign.canaryLastRow = stage === 'canary' || stage === 'hold' ? (boundary ?? 0) : undefined;
    this.#campaigns.set(id, campaign);
    if (next === 'canary') await this.#endSoak(id, soakMs, heldAt);
    if (next !== 'paused' && !campaign.held) this.#wake(id);
  }

  /** A canary held long enough with `--canary-soak` goes on by itself; the script lets only one resume count. */
  async #endSoak(id: string, soakMs: string | null | undefined, heldAt: string | null | undefined): Promise<void> {
    if (soakMs === null || soakMs === undefined || soakMs === '' || heldAt === null || heldAt === undefined) return;
    if (this.#clock.now() < Number(heldAt) + Number(soakMs)) return;
    await new CampaignStore(this.#redis, this.#prefix).control(id, 'soaked');
  }

  #heldNow(campaign: WatchedCampaign): boolean {
    return campaign.held || this.#clock.now() >= campaign.sendableUntil;
  }

  forget(id: string): void {
    this.#campaigns.delete(id);
    this.#wake(id);
  }

  #wake(id: string): void {
    const waiters = this.#gateWaiters.get(id);
    this.#gateWaiters.delete(id);
    waiters?.forEach((resolve) => resolve());
  }
}
