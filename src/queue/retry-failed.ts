import { access } from 'node:fs/promises';
import type { RedisClient } from '../redis/client.js';
import { readCampaign } from '../campaign/index.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { Script } from '../redis/script.js';
import type { PubMessage } from '../types/pub-message.js';
import type { CampaignRecord } from './campaign-record.js';
import type { CampaignStore } from './campaign-store.js';
import { fingerprintOf } from './fingerprint.js';
import { campaignKeys, controlChannel } from './keys.js';
import { CHUNK_JOB_OPTIONS, campaignQueue } from './queues.js';
import { RETRY_FAILED } from './scripts.js';
import { toWire } from './wire-message.js';

/** What `fleetcast retry-failed` did. */
export interface RetryResult {
  readonly id: string;
  /** Rows whose `failed` outcome was removed and that were queued again. */
  readonly requeued: number;
  /** The campaign's retry counter; chunk job ids of this retry are `r<retry>-c<i>`. */
  readonly retry: number;
  readonly chunks: number;
}

const SCRIPT = new Script(RETRY_FAILED);
const SCAN_COUNT = 1000;
const CHUNK_SIZE = 100;
const RETRYABLE_STATES = new Set(['running', 'paused', 'finished']);

/** Queues the campaign's failed rows again, read from its source file (which must not have changed). */
export async function retryFailed(store: CampaignStore, id: string): Promise<RetryResult> {
  const record = await store.require(id);
  if (!RETRYABLE_STATES.has(record.state)) throw badState(id, record.state);
  await requireSameSource(record);
  const failed = await failedRows(store.redis, campaignKeys(store.prefix, id).outcomes);
  if (failed.size === 0) return { id, requeued: 0, retry: 0, chunks: 0 };
  const messages = await messagesOfRows(record.source, failed);
  const { retry, removed } = await removeFailedOutcomes(store, id, messages.map((message) => message.row));
  const chunks = await enqueueRetry(store, id, retry, messages.filter((message) => removed.has(message.row)));
  await store.redis.publish(controlChannel(store.prefix), JSON.stringify({ id, command: 'resume', state: 'running' }));
  return { id, requeued: removed.size, retry, chunks };
}

async function requireSameSource(record: CampaignRecord): Promise<void> {
  const problem = await sourceProblem(record);
  if (problem !== undefined) throw sourceError(record, problem);
}

/** Why the campaign's rows cannot be read from its file again (`is gone`, `has changed …`), or undefined when they can. */
export async function sourceProblem(record: CampaignRecord): Promise<string | undefined> {
  const gone = await access(record.source).then(
    () => false,
    () => true,
  );
  if (gone) return 'is gone';
  for (const variant of ['strict', 'skip-invalid', 'strict+pack', 'skip-invalid+pack']) {
    if ((await fingerprintOf(record.source, variant)) === record.fingerprint) return undefined;
  }
  return 'has changed since it was submitted';
}

function sourceError(record: CampaignRecord, what: string): FleetcastError {
  return new FleetcastError(
    'FC_FILE_UNREADABLE',
    `cannot retry campaign "${record.id}": its file ${record.source} ${what}, and rows are read from it again; submit a new campaign instead`,
  );
}

function badState(id: string, state: string): FleetcastError {
  return new FleetcastError('FC_BAD_USAGE', `cannot retry the failed rows of campaign "${id}": it is ${state}`);
}

/** Row numbers whose outcome is `failed`, read with HSCAN in batches. */
async function failedRows(redis: RedisClient, outcomesKey: string): Promise<Set<number>> {
  const rows = new Set<number>();
  let cursor = '0';
  do {
    const [next, entries] = await redis.hscan(outcomesKey, cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (let i = 0; i + 1 < entries.length; i += 2) {
      if (entries[i + 1]?.startsWith('failed\t') === true) rows.add(Number(entries[i]));
    }
  } while (cursor !== '0');
  return rows;
}

async function messagesOfRows(file: string, rows: ReadonlySet<number>): Promise<PubMessage[]> {
  const found: PubMessage[] = [];
  for await (const result of readCampaign(file)) {
    if (result.ok && rows.has(result.message.row)) found.push(result.message);
  }
  return found;
}

async function removeFailedOutcomes(store: CampaignStore, id: string, rows: readonly number[]): Promise<{ retry: number; removed: Set<number> }> {
  const keys = campaignKeys(store.prefix, id);
  let reply: unknown;
  try {
    reply = await SCRIPT.run(store.redis, [keys.campaign, keys.outcomes], [id, ...rows]);
  } catch (error) {
    const state = /STATE (\w+)/.exec(error instanceof Error ? error.message : '')?.[1];
    if (state !== undefined) throw badState(id, state);
    throw error;
  }
  const [retry, ...removed] = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (removed.length > 0) await store.activate(id);
  return { retry: Number(retry), removed: new Set(removed.map(Number)) };
}

async function enqueueRetry(store: CampaignStore, id: string, retry: number, messages: readonly PubMessage[]): Promise<number> {
  const queue = campaignQueue(store.redis, store.prefix, id);
  try {
    const jobs = [];
    for (let start = 0; start < messages.length; start += CHUNK_SIZE) {
      const chunk = messages.slice(start, start + CHUNK_SIZE);
      jobs.push({ name: 'chunk', data: { m: chunk.map(toWire) }, opts: { ...CHUNK_JOB_OPTIONS, jobId: `r${retry}-c${jobs.length}` } });
    }
    for (let start = 0; start < jobs.length; start += 10) await queue.addBulk(jobs.slice(start, start + 10));
    return jobs.length;
  } finally {
    await queue.close();
  }
}
