import { resolve } from 'node:path';
import type { RedisClient } from '../redis/client.js';
import { readCampaignName, validateCampaign, type CampaignSummary, type RowError } from '../campaign/index.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { campaignIdOf, defaultCampaignName } from './campaign-id.js';
import { CampaignStore, type NewCampaign } from './campaign-store.js';
import { canaryRows, type CanarySpec } from './canary.js';
import { fingerprintOf } from './fingerprint.js';
import { campaignKeys } from './keys.js';
import { CHUNK_JOB_OPTIONS, campaignQueue, chunkJobId } from './queues.js';
import { rampFields, type RampSpec } from './ramp.js';
import { packChunks } from './pack-chunks.js';
import { RowSpool } from './row-spool.js';
import type { ChunkJobData } from './wire-message.js';
import { RejectsFile } from './rejects.js';
import type { CampaignSchedule } from '../schedule/campaign-schedule.js';

/** What `fleetcast submit` asks for. */
export interface SubmitOptions {
  readonly file: string;
  /** Campaign name; the same name and file never enqueue twice. @defaultValue the JSON "name", else the file name */
  readonly name?: string;
  /** Send the valid rows and write the invalid ones to `rejectsPath` instead of refusing the file. */
  readonly skipInvalid?: boolean;
  /** Where `skipInvalid` writes rejected rows. @defaultValue `${file}.rejects.csv` */
  readonly rejectsPath?: string;
  /** The campaign's own cap in calls/s (below the account cap). */
  readonly rate?: number;
  /** Weight of the campaign's share of the account when several run. @defaultValue 1 */
  readonly priority?: number;
  /** Queue the rows now, but send them only from `startAt` on and inside `window`. @defaultValue at once, at any time */
  readonly schedule?: CampaignSchedule;
  /** Abort rules of the campaign and what they do. @defaultValue none, pause */
  readonly abort?: NewCampaign['abort'];
  /** Send the first rows only, then hold in state `canary`. @defaultValue no canary */
  readonly canary?: CanarySpec;
  /** Start at a lower rate and raise it step by step. @defaultValue no ramp: the campaign's rate from the first row */
  readonly ramp?: RampSpec;
  /** Rows per queued job. @defaultValue 100 */
  readonly chunkSize?: number;
  /** Send rows that can share a call by `BatchPub`, up to 100 devices a call (see packing.ts). @defaultValue false */
  readonly pack?: boolean;
  /**
   * With `pack`: the share of packable rows sent by Pub anyway, so that both quotas work at once (pubShareOf). Kept
   * with the campaign: a repeated submit splits the file as the first did. @defaultValue 0
   */
  readonly packPubShare?: number;
  readonly onProgress?: (event: SubmitProgress) => void;
  /** Awaited once the file is accepted, before anything is queued (also when it was submitted before). */
  readonly onAccepted?: (rows: AcceptedRows) => Promise<void>;
}

/** Row counts of an accepted file: what `fleetcast_ingest_rows_total` counts. */
export interface AcceptedRows {
  readonly valid: number;
  readonly invalid: number;
}

export interface SubmitProgress {
  readonly phase: 'validate' | 'enqueue';
  readonly done: number;
  readonly total: number;
}

export interface SubmitResult {
  readonly id: string;
  readonly name: string;
  readonly rows: number;
  readonly invalid: number;
  readonly chunks: number;
  /** True when this exact campaign had already been submitted; nothing was added. */
  readonly alreadySubmitted: boolean;
  readonly rejectsPath: string | undefined;
}

const JOBS_PER_BULK = 10;
const DEFAULT_CHUNK_SIZE = 100;
/** Row errors a summary keeps when the rejects go to their file (the refusal message lists these). */
const ROW_ERRORS_KEPT = 1_000;

/**
 * Validates the whole file first (nothing touches Redis if it is refused), keeping its valid rows in a spool on
 * disk, then streams the spool into the queue.
 */
export async function submitCampaign(redis: RedisClient, prefix: string, options: SubmitOptions): Promise<SubmitResult> {
  const spool = new RowSpool(options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const rejects = options.skipInvalid === true ? new RejectsFile(options.rejectsPath ?? `${options.file}.rejects.csv`) : undefined;
  try {
    const summary = await validateCampaign(options.file, {
      onProgress: (done, total) => options.onProgress?.({ phase: 'validate', done, total }),
      onValidRow: (message) => spool.add(message),
      ...(rejects === undefined ? {} : { onInvalidRow: (errors) => rejects.add(errors), maxErrors: ROW_ERRORS_KEPT }),
    });
    await spool.finish();
    return await enqueueValidated(redis, prefix, options, summary, spool, rejects);
  } finally {
    spool.remove();
    rejects?.discard();
  }
}

async function enqueueValidated(
  redis: RedisClient,
  prefix: string,
  options: SubmitOptions,
  summary: CampaignSummary,
  spool: RowSpool,
  rejects: RejectsFile | undefined,
): Promise<SubmitResult> {
  const rejectsPath = await refuseOrKeepRejects(options, summary, rejects);
  await options.onAccepted?.({ valid: summary.valid, invalid: summary.invalid });
  const name = options.name ?? defaultCampaignName(options.file, await readCampaignName(options.file));
  const id = campaignIdOf(name);
  // Packing queues other chunks: the same file with and without --pack are two campaigns.
  const variant = `${options.skipInvalid === true ? 'skip-invalid' : 'strict'}${options.pack === true ? '+pack' : ''}`;
  const fingerprint = await fingerprintOf(options.file, variant);
  const store = new CampaignStore(redis, prefix);
  const existing = await store.get(id);
  if (existing !== undefined && existing.fingerprint !== fingerprint) {
    throw new FleetcastError(
      'FC_CAMPAIGN_CONFLICT',
      `campaign "${id}" exists with other content; give this one another --name`,
    );
  }
  if (existing?.enqueued === true) {
    return { id, name, rows: existing.rows, invalid: summary.invalid, chunks: existing.chunks, alreadySubmitted: true, rejectsPath };
  }
  if (existing === undefined) {
    await store.create({
      id,
      name,
      // Absolute, so that reports and retry-failed find the file from any directory.
      source: resolve(options.file),
      fingerprint,
      rows: summary.valid,
      lastRow: summary.rows,
      rate: options.rate,
      priority: options.priority ?? 1,
      ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
      ...(options.abort === undefined ? {} : { abort: options.abort }),
      ...(options.canary === undefined ? {} : { canary: { rows: canaryRows(options.canary.size, summary.valid), soakMs: options.canary.soakMs } }),
    });
  }
  // Before any chunk is queued, so no row goes out without its ramp (also when a submit that stopped here is run again).
  if (options.ramp !== undefined && (await store.get(id))?.ramp === undefined) {
    await redis.hset(campaignKeys(prefix, id).campaign, rampFields(options.ramp));
  }
  // Before any chunk is queued, like the ramp: a repeated submit packs with the share the first one chose.
  if (options.pack === true && (await store.get(id))?.packPubShare === undefined) {
    await redis.hset(campaignKeys(prefix, id).campaign, 'packPubShare', String(options.packPubShare ?? 0));
  }
  const stored = await store.get(id);
  const canaryCount = stored?.canary?.rows;
  const pubShare = stored?.packPubShare ?? 0;
  const chunks = await enqueueChunks(redis, prefix, id, summary.valid, spool, { ...options, packPubShare: pubShare }, canaryCount === undefined ? undefined : (row) => store.setCanaryLastRow(id, row), canaryCount);
  await store.markEnqueued(id, chunks);
  return { id, name, rows: summary.valid, invalid: summary.invalid, chunks, alreadySubmitted: false, rejectsPath };
}

async function refuseOrKeepRejects(options: SubmitOptions, summary: CampaignSummary, rejects: RejectsFile | undefined): Promise<string | undefined> {
  const fileErrors = summary.errors.filter((error) => error.row === 0);
  if (fileErrors.length > 0 || (summary.invalid > 0 && rejects === undefined)) {
    throw badInput(options.file, summary);
  }
  if (summary.invalid === 0 || rejects === undefined) return undefined;
  return rejects.keep();
}

export function badInput(file: string, summary: CampaignSummary): FleetcastError {
  const bad = summary.invalid + (summary.errors.some((error) => error.row === 0) ? 1 : 0);
  return new FleetcastError(
    'FC_BAD_INPUT',
    `${file}: ${summary.invalid} of ${summary.rows} rows are invalid${bad > summary.invalid ? ', and the file has problems' : ''}; nothing was enqueued`,
    { details: summary.errors.map(describe) },
  );
}

function describe(error: RowError): string {
  return `line ${error.line}: ${error.field === '' ? '' : `${error.field}: `}${error.message}`;
}

/** Adds chunk jobs with ids fixed by position, so a repeated or resumed submit adds each chunk once. */
async function enqueueChunks(
  redis: RedisClient,
  prefix: string,
  id: string,
  total: number,
  spool: RowSpool,
  options: SubmitOptions,
  // Told the row number of the canary's last row before the chunk holding it is queued.
  onCanaryLastRow?: (row: number) => Promise<void>,
  canaryCount = 0,
): Promise<number> {
  const queue = campaignQueue(redis, prefix, id);
  let jobs: Array<{ name: string; data: ChunkJobData; opts: typeof CHUNK_JOB_OPTIONS & { jobId: string } }> = [];
  let chunkIndex = 0;
  let enqueued = 0;
  const flushJobs = async (): Promise<void> => {
    if (jobs.length === 0) return;
    await queue.addBulk(jobs);
    enqueued += jobs.reduce((sum, job) => sum + job.data.m.length, 0);
    jobs = [];
    options.onProgress?.({ phase: 'enqueue', done: enqueued, total });
  };
  try {
    let rowsSeen = 0;
    const chunks = options.pack === true ? packChunks(spool.read(), { chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE, unpackedRows: canaryCount, pubShare: options.packPubShare ?? 0 }) : spool.read();
    for await (const data of chunks) {
      if (onCanaryLastRow !== undefined && rowsSeen < canaryCount && rowsSeen + data.m.length >= canaryCount) {
        const last = data.m[canaryCount - rowsSeen - 1];
        if (last !== undefined) await onCanaryLastRow(last[0]);
      }
      rowsSeen += data.m.length;
      jobs.push({ name: 'chunk', data, opts: { ...CHUNK_JOB_OPTIONS, jobId: chunkJobId(chunkIndex++) } });
      if (jobs.length >= JOBS_PER_BULK) await flushJobs();
    }
    await flushJobs();
  } finally {
    await queue.close();
  }
  return chunkIndex;
}
