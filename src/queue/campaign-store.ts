import type { RedisClient } from '../redis/client.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { parseCampaignRecord, type CampaignRecord, type CampaignState } from './campaign-record.js';
import { activeCampaignsKey, campaignIndexKey, campaignKeys, controlChannel } from './keys.js';
import { decodeOutcome, encodeOutcome, type RowOutcome } from './outcome.js';
import { CONTROL, MARK_ENQUEUED, RECORD_OUTCOMES } from './scripts.js';
import { Script } from '../redis/script.js';
import type { CampaignSchedule } from '../schedule/campaign-schedule.js';
import { formatSendWindow } from '../schedule/send-window.js';
import { formatAbortRule, type AbortAction, type AbortRule } from './abort-rules.js';

/** When a campaign pauses itself for failing: more than `failureRatio` of its final rows failed, after `minimumRows`. */
export interface AbortCriteria {
  /** Share of failed rows among final rows, 0..1. @defaultValue 0.5 */
  readonly failureRatio: number;
  /** Final rows before the share is judged; 0 never pauses. @defaultValue 100 */
  readonly minimumRows: number;
}

export const DEFAULT_ABORT_CRITERIA: AbortCriteria = { failureRatio: 0.5, minimumRows: 100 };

/** `soaked`: a worker found the canary hold over; the campaign goes on unless it left state `canary` meanwhile. */
export type ControlCommand = 'pause' | 'resume' | 'cancel' | 'autopause' | 'soaked';

export interface NewCampaign {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly fingerprint: string;
  readonly rows: number;
  readonly lastRow: number;
  readonly rate: number | undefined;
  readonly priority: number;
  /** Not before this time, only inside this daily window. @defaultValue at once, at any time */
  readonly schedule?: CampaignSchedule;
  /** Abort rules and what they do when one fires. @defaultValue none (the workers' failure-share rule only), pause */
  readonly abort?: { readonly rules: readonly AbortRule[]; readonly action: AbortAction };
  /** Send only the first `rows` rows, then hold in state `canary` (for `soakMs`, else until resumed). */
  readonly canary?: { readonly rows: number; readonly soakMs: number | undefined };
}

/** The scripts, sent once per connection and then called by their SHA1 (EVALSHA). */
const SCRIPTS = {
  recordOutcomes: new Script(RECORD_OUTCOMES),
  markEnqueued: new Script(MARK_ENQUEUED),
  control: new Script(CONTROL),
};

/** Campaign records, counters and per-row outcomes in Redis. */
export class CampaignStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  readonly #abort: AbortCriteria;

  constructor(redis: RedisClient, prefix: string, abort: AbortCriteria = DEFAULT_ABORT_CRITERIA) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#abort = abort;
  }

  get redis(): RedisClient {
    return this.#redis;
  }

  get prefix(): string {
    return this.#prefix;
  }

  async get(id: string): Promise<CampaignRecord | undefined> {
    return parseCampaignRecord(await this.#redis.hgetall(campaignKeys(this.#prefix, id).campaign));
  }

  async require(id: string): Promise<CampaignRecord> {
    const record = await this.get(id);
    if (record === undefined) throw new FleetcastError('FC_CAMPAIGN_NOT_FOUND', `no campaign "${id}"`);
    return record;
  }

  /** Every campaign, newest first. */
  async list(limit = 1000): Promise<CampaignRecord[]> {
    const ids = await this.#redis.zrevrange(campaignIndexKey(this.#prefix), 0, limit - 1);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record): record is CampaignRecord => record !== undefined);
  }

  async activeIds(): Promise<string[]> {
    return this.#redis.smembers(activeCampaignsKey(this.#prefix));
  }

  /** Stores the record, then lists it: the record and the indexes are in different hash slots (see keys.ts). */
  async create(campaign: NewCampaign): Promise<void> {
    const now = Date.now();
    const keys = campaignKeys(this.#prefix, campaign.id);
    await this.#redis.hset(keys.campaign, {
        id: campaign.id,
        name: campaign.name,
        source: campaign.source,
        fingerprint: campaign.fingerprint,
        state: 'enqueuing' satisfies CampaignState,
        rows: campaign.rows,
        lastRow: campaign.lastRow,
        chunks: 0,
        enqueued: 0,
        sent: 0,
        failed: 0,
        cancelled: 0,
        done: 0,
        createdAt: now,
        rate: campaign.rate ?? '',
        priority: campaign.priority,
        ...scheduleFields(campaign.schedule),
        ...abortFields(campaign.abort),
        ...canaryFields(campaign.canary),
    });
    await this.#redis.multi().zadd(campaignIndexKey(this.#prefix), now, campaign.id).sadd(activeCampaignsKey(this.#prefix), campaign.id).exec();
  }

  /** Lists the campaign as active again (its rows are to be dispatched: retry-failed). */
  async activate(id: string): Promise<void> {
    await this.#redis.sadd(activeCampaignsKey(this.#prefix), id);
  }

  /** Takes a finished campaign off the active set (also done by workers that find one left on it). */
  async deactivate(id: string): Promise<void> {
    await this.#redis.srem(activeCampaignsKey(this.#prefix), id);
  }

  async markEnqueued(id: string, chunks: number): Promise<void> {
    const keys = campaignKeys(this.#prefix, id);
    const finished = await SCRIPTS.markEnqueued.run(this.#redis, [keys.campaign], [id, Date.now(), chunks]);
    if (Number(finished) === 1) await this.deactivate(id);
  }

  /** Applies a control command atomically and announces it to every worker. Returns the new state. */
  async control(id: string, command: ControlCommand, reason = ''): Promise<CampaignState> {
    const keys = campaignKeys(this.#prefix, id);
    let state: string;
    try {
      state = String(await SCRIPTS.control.run(this.#redis, [keys.campaign], [command, reason]));
    } catch (error) {
      throw controlError(id, command, error);
    }
    await this.#redis.publish(controlChannel(this.#prefix), JSON.stringify({ id, command, state }));
    return state as CampaignState;
  }

  /** Notes the row number of the canary's last row, before any chunk beyond it is queued. */
  async setCanaryLastRow(id: string, row: number): Promise<void> {
    await this.#redis.hset(campaignKeys(this.#prefix, id).campaign, 'canaryLastRow', row);
  }

  /** Records final outcomes; a row that already has one keeps it. Returns how many were new. */
  async recordOutcomes(id: string, outcomes: readonly RowOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const keys = campaignKeys(this.#prefix, id);
    const args: Array<string | number> = [id, Date.now(), this.#abort.failureRatio, this.#abort.minimumRows];
    for (const outcome of outcomes) args.push(outcome.row, outcome.status, encodeOutcome(outcome), outcome.api);
    const reply = await SCRIPTS.recordOutcomes.run(this.#redis, [keys.campaign, keys.outcomes], args);
    const [recorded, fired, finished] = Array.isArray(reply) ? (reply as unknown[]) : [reply, '', 0];
    if (Number(finished) === 1) await this.deactivate(id);
    if (fired === 'paused' || fired === 'cancelled') {
      // An abort rule fired: every worker hears it now rather than at its next poll.
      const command: ControlCommand = fired === 'paused' ? 'autopause' : 'cancel';
      await this.#redis.publish(controlChannel(this.#prefix), JSON.stringify({ id, command, state: fired }));
    }
    return Number(recorded);
  }

  /** Which of these rows already have a final outcome. */
  async finalRows(id: string, rows: readonly number[]): Promise<Set<number>> {
    if (rows.length === 0) return new Set();
    const values = await this.#redis.hmget(campaignKeys(this.#prefix, id).outcomes, ...rows.map(String));
    const final = new Set<number>();
    values.forEach((value, index) => {
      const row = rows[index];
      if (value !== null && row !== undefined) final.add(row);
    });
    return final;
  }

  /** Outcomes of rows `from`..`from+count-1`; rows without one are left out. */
  async outcomes(id: string, from: number, count: number): Promise<RowOutcome[]> {
    const rows = Array.from({ length: count }, (_, index) => String(from + index));
    const values = await this.#redis.hmget(campaignKeys(this.#prefix, id).outcomes, ...rows);
    const found: RowOutcome[] = [];
    values.forEach((value, index) => {
      if (value !== null) found.push(decodeOutcome(from + index, value));
    });
    return found;
  }
}

function scheduleFields(schedule: CampaignSchedule | undefined): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  if (schedule?.startAt !== undefined) fields.startAt = schedule.startAt;
  if (schedule?.window !== undefined) {
    fields.window = formatSendWindow(schedule.window);
    fields.windowTz = schedule.window.timeZone;
  }
  return fields;
}

function abortFields(abort: NewCampaign['abort']): Record<string, string> {
  if (abort === undefined || abort.rules.length === 0) return {};
  return { abortRules: abort.rules.map(formatAbortRule).join(','), abortAction: abort.action };
}

function canaryFields(canary: NewCampaign['canary']): Record<string, string | number> {
  if (canary === undefined) return {};
  return { stage: 'canary', canaryRows: canary.rows, canaryDone: 0, canarySoakMs: canary.soakMs ?? '' };
}

function controlError(id: string, command: ControlCommand, error: unknown): FleetcastError {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('NOT_FOUND')) return new FleetcastError('FC_CAMPAIGN_NOT_FOUND', `no campaign "${id}"`);
  const state = /STATE (\w+)/.exec(message)?.[1];
  if (state !== undefined) return new FleetcastError('FC_BAD_USAGE', `cannot ${command} campaign "${id}": it is ${state}`);
  return new FleetcastError('FC_INTERNAL', `cannot ${command} campaign "${id}": ${message}`, { cause: error });
}
