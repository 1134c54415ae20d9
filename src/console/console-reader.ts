import { open, stat } from 'node:fs/promises';
import type { Queue } from 'bullmq';
import type { AccountCapView } from '../limiter/shared-cap.js';
import type { CampaignRecord } from '../queue/campaign-record.js';
import type { CampaignStore } from '../queue/campaign-store.js';
import { campaignQueue } from '../queue/queues.js';
import { rampPosition } from '../queue/ramp.js';
import { sourceProblem } from '../queue/retry-failed.js';
import { failuresByCode } from '../report/failures-by-code.js';
import { listSchedules } from '../scheduler/recurring.js';
import type { CampaignSummary, ConsoleViews } from './campaign-summary.js';
import { failureAdvice, type FailureAdvice } from './failure-advice.js';
import type { RatePoint, RateSampler } from './rate-sampler.js';

/** A campaign on the list: what status says, its rate now and the limit that holds it. */
export interface CampaignLine {
  readonly summary: CampaignSummary;
  /** Rows answered per second over the last seconds, or null when the console has not sampled it yet. */
  readonly rateNow: number | null;
  /** The campaign's own limit, else the account cap; null when neither is known. */
  readonly limit: number | null;
}

export interface QueueLoad {
  readonly id: string;
  /** Queue workers connected to the campaign's queue: one per worker process that holds the campaign. */
  readonly workers: number;
  /** The names of those that have one (`host:pid`), as the queue's Redis connections are named. */
  readonly workerNames: readonly string[];
  readonly active: number;
  readonly waiting: number;
  readonly delayed: number;
}

export interface CampaignDetail extends CampaignLine {
  readonly accountCap: number | null;
  readonly series: readonly RatePoint[];
  readonly keepSeconds: number;
  readonly failures: readonly FailureAdvice[];
  readonly queue: QueueLoad;
  /** Its ramp's steps up to the ceiling or its last row (at most MAX_RAMP_STEPS): from how many counted rows, at what rate. */
  readonly rampSteps: ReadonlyArray<{ readonly step: number; readonly from: number; readonly rate: number }>;
}

/** The campaign's file: where it is, and its first lines as they are. */
export interface FileView {
  readonly path: string;
  readonly size: number | null;
  readonly modifiedAt: string | null;
  /** Why its rows cannot be read again (`is gone`, `has changed since it was submitted`), or null. */
  readonly problem: string | null;
  readonly firstLines: readonly string[];
}

export interface WorkersView {
  readonly accounts: readonly AccountCapView[];
  readonly queues: readonly QueueLoad[];
}

export interface SchedulesView {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Readonly<Record<string, string>>>;
}

const MAX_RAMP_STEPS = 12;
const ACCOUNTS_TTL_MS = 1000;
const PREVIEW_BYTES = 4096;
const PREVIEW_LINES = 6;

/** Everything the console's pages show, read from Redis (and the campaign's file) on each request. */
export class ConsoleReader {
  readonly #store: CampaignStore;
  readonly #views: ConsoleViews;
  readonly #rates: RateSampler;
  readonly #queues = new Map<string, Queue>();
  readonly #sourceChecks = new Map<string, { readonly version: string; readonly problem: string | null }>();
  /** The accounts' caps, read at most once a second however many pages poll (their listing SCANs the keys). */
  #accountsRead: { readonly at: number; readonly accounts: Promise<AccountCapView[]> } | undefined;

  constructor(store: CampaignStore, views: ConsoleViews, rates: RateSampler) {
    this.#store = store;
    this.#views = views;
    this.#rates = rates;
  }

  async campaigns(now = Date.now()): Promise<CampaignLine[]> {
    const cap = this.#views.highestCap(await this.#accounts());
    return (await this.#store.list()).map((record) => this.#line(record, now, cap));
  }

  async campaign(id: string, now = Date.now()): Promise<CampaignDetail> {
    const record = await this.#store.require(id);
    const cap = this.#views.highestCap(await this.#accounts());
    const [codes, queue] = await Promise.all([failuresByCode(this.#store, id), this.#queueLoad(id)]);
    return {
      ...this.#line(record, now, cap),
      accountCap: Number.isFinite(cap) ? cap : null,
      series: this.#rates.series(id),
      keepSeconds: this.#rates.keepSeconds,
      failures: Object.entries(codes).map(([code, rows]) => failureAdvice(code, rows)),
      queue,
      rampSteps: rampSteps(record, cap),
    };
  }

  async file(id: string): Promise<FileView> {
    const record = await this.#store.require(id);
    const info = await stat(record.source).catch(() => undefined);
    return {
      path: record.source,
      size: info?.size ?? null,
      modifiedAt: info === undefined ? null : info.mtime.toISOString(),
      problem: await this.#sourceProblem(record, info === undefined ? 'gone' : `${info.size}:${info.mtimeMs}`),
      firstLines: info === undefined ? [] : await firstLines(record.source),
    };
  }

  /** The file's check reads it whole (its fingerprint): done again only when its size or time changed. */
  async #sourceProblem(record: CampaignRecord, version: string): Promise<string | null> {
    const known = this.#sourceChecks.get(record.id);
    if (known?.version === version) return known.problem;
    const problem = (await sourceProblem(record)) ?? null;
    this.#sourceChecks.set(record.id, { version, problem });
    return problem;
  }

  async schedules(): Promise<SchedulesView> {
    const schedules = await listSchedules(this.#store.redis, this.#store.prefix);
    return { columns: this.#views.scheduleColumns, rows: schedules.map((schedule) => this.#views.schedule(schedule)) };
  }

  async workers(): Promise<WorkersView> {
    const ids = (await this.#store.activeIds()).sort();
    const [accounts, queues] = await Promise.all([this.#accounts(), Promise.all(ids.map((id) => this.#queueLoad(id)))]);
    return { accounts, queues };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close().catch(() => undefined)));
    this.#queues.clear();
  }

  async #accounts(now = Date.now()): Promise<AccountCapView[]> {
    if (this.#accountsRead === undefined || now - this.#accountsRead.at >= ACCOUNTS_TTL_MS) {
      const accounts = this.#views.accounts(this.#store.redis, this.#store.prefix);
      this.#accountsRead = { at: now, accounts };
      accounts.catch(() => (this.#accountsRead = undefined));
    }
    return this.#accountsRead.accounts;
  }

  #line(record: CampaignRecord, now: number, cap: number): CampaignLine {
    const summary = this.#views.campaign(record, now, cap);
    const rate = this.#rates.current(record.id);
    const limit = summary.rollout.rate ?? (Number.isFinite(cap) ? cap : null);
    return { summary, rateNow: rate === undefined ? null : Math.round(rate * 10) / 10, limit };
  }

  async #queueLoad(id: string): Promise<QueueLoad> {
    let queue = this.#queues.get(id);
    if (queue === undefined) {
      queue = campaignQueue(this.#store.redis, this.#store.prefix, id);
      this.#queues.set(id, queue);
    }
    const [workers, counts] = await Promise.all([queue.getWorkers(), queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed')]);
    const workerNames = workers.map((worker) => namedWorker(worker.rawname)).filter((name) => name !== undefined);
    return { id, workers: workers.length, workerNames, active: counts.active ?? 0, waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), delayed: counts.delayed ?? 0 };
  }
}

/** BullMQ names a named queue worker's connection `<prefix>:<queue in base64>:w:<name>`. */
function namedWorker(rawname: string | undefined): string | undefined {
  const at = rawname?.indexOf(':w:') ?? -1;
  return rawname === undefined || at < 0 ? undefined : rawname.slice(at + 3);
}

async function firstLines(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(PREVIEW_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, PREVIEW_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n/).slice(0, PREVIEW_LINES);
  } finally {
    await handle.close();
  }
}

function rampSteps(record: CampaignRecord, cap: number): CampaignDetail['rampSteps'] {
  const { ramp } = record;
  if (ramp === undefined) return [];
  const ceiling = Math.min(record.rate ?? Infinity, cap);
  const steps: Array<{ step: number; from: number; rate: number }> = [];
  for (let step = 0; step < MAX_RAMP_STEPS; step++) {
    const position = rampPosition(ramp, step * ramp.every, ceiling);
    steps.push({ step, from: step * ramp.every, rate: Math.round(position.rate * 10) / 10 });
    if (position.nextStepAt === undefined || position.nextStepAt >= record.rows) break;
  }
  return steps;
}
