import { scanKeys, type RedisClient } from '../redis/client.js';
import { Script } from '../redis/script.js';

/**
 * The account's cap is stored with its limiter, and every worker follows the stored value: one number per account,
 * changeable live (`fleetcast cap --set`). Keys, beside the limiter's own (Bottleneck's `b_${limiterId}_…`), all with
 * the hash tag `{${prefix}:limiter:${accountId}}`, so that one script may touch them all on a Redis Cluster:
 * - `…:cap` hash: `cap` (calls/s), `grant` (tokens per grant: every worker must take grants of one size, or the
 *   shared spacing of grants would hand out more than the cap), `setAt` (ms), `setBy` (`seed` or `cap --set`).
 * - `…:workers` hash: `host:pid` → `seenAt|{"host","pid","startedWith"}`, written by each worker's poll.
 * - `…:adaptive` hash: the adaptive rate's state (see AdaptiveRate).
 */
export interface AccountKeys {
  /** The account limiter's Redis id (AccountLimiterOptions.redisId). */
  readonly limiterId: string;
  readonly cap: string;
  readonly workers: string;
  readonly adaptive: string;
}

export function accountKeys(prefix: string, accountId: string): AccountKeys {
  const tag = `{${prefix}:limiter:${accountId}}`;
  return { limiterId: tag, cap: `${tag}:cap`, workers: `${tag}:workers`, adaptive: `${tag}:adaptive` };
}

/**
 * The account's `BatchPub` limiter (`FLEETCAST_BATCHPUB_RATE`, a quota of its own): the same parts as the Pub
 * limiter's, beside them in the account's hash slot.
 */
export function batchPubKeys(prefix: string, accountId: string): AccountKeys {
  const base = `{${prefix}:limiter:${accountId}}:batchpub`;
  return { limiterId: base, cap: `${base}:cap`, workers: `${base}:workers`, adaptive: `${base}:adaptive` };
}

/** The account id inside a cap key, or undefined for any other key. */
export function accountIdOfCapKey(prefix: string, key: string): string | undefined {
  const head = `{${prefix}:limiter:`;
  if (!key.startsWith(head) || !key.endsWith('}:cap')) return undefined;
  const id = key.slice(head.length, -'}:cap'.length);
  return id === '' || id.includes(':') ? undefined : id;
}

/** A worker seen using an account's limiter within this long is listed by `fleetcast cap`. */
export const WORKER_SEEN_MS = 5_000;

/** Each grant spans ~40 ms at the cap: three Bottleneck script calls per grant stay near 0.05 per call. */
const GRANT_SPAN_S = 0.04;
const MAX_GRANT_SIZE = 64;

export function grantSizeFor(rate: number): number {
  return Math.max(1, Math.min(MAX_GRANT_SIZE, Math.round(rate * GRANT_SPAN_S)));
}

export interface StoredCap {
  readonly cap: number;
  readonly grant: number;
}

/**
 * KEYS: cap. ARGV: seed cap, its grant size. Stores the seed when no cap is stored; returns [cap, grant] in force.
 */
const SEED = new Script(`
local now = redis.call('time')
if redis.call('hsetnx', KEYS[1], 'cap', ARGV[1]) == 1 then
  redis.call('hset', KEYS[1], 'setAt', now[1] * 1000 + math.floor(now[2] / 1000), 'setBy', 'seed')
end
redis.call('hsetnx', KEYS[1], 'grant', ARGV[2])
local s = redis.call('hmget', KEYS[1], 'cap', 'grant')
return {s[1], s[2]}
`);

/** The account's stored cap; `seed` (a worker's `FLEETCAST_RATE`) is stored first when there is none. */
export async function seedCap(redis: RedisClient, keys: AccountKeys, seed: number): Promise<StoredCap> {
  const reply = (await SEED.run(redis, [keys.cap], [seed, grantSizeFor(seed)])) as [string, string];
  return { cap: Number(reply[0]), grant: Number(reply[1]) };
}

/**
 * KEYS: cap, adaptive. ARGV: new cap. Lowering takes the adaptive rate down with it at once; raising lifts a rate
 * that stood at the old cap to the new one (the limiter's spacing only widens or narrows from the next grant, so
 * this never bursts), and leaves a rate cut by throttling where it is, to probe up as usual. Returns the old cap.
 */
const SET_CAP = new Script(`
local t = redis.call('time')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local new = tonumber(ARGV[1])
local old = tonumber(redis.call('hget', KEYS[1], 'cap') or ARGV[1])
redis.call('hset', KEYS[1], 'cap', ARGV[1], 'setAt', now, 'setBy', 'cap --set')
redis.call('hsetnx', KEYS[1], 'grant', ARGV[2])
local rate = tonumber(redis.call('hget', KEYS[2], 'rate') or old)
if rate >= old or rate > new then
  redis.call('hset', KEYS[2], 'rate', ARGV[1])
  redis.call('pexpire', KEYS[2], 3600000)
end
return tostring(old)
`);

/** Sets the account's cap for every worker (they follow within a poll); returns the cap it replaced. */
export async function setCap(redis: RedisClient, keys: AccountKeys, cap: number): Promise<number> {
  return Number(await SET_CAP.run(redis, [keys.cap, keys.adaptive], [cap, grantSizeFor(cap)]));
}

/** What a worker says of itself in the account's `workers` hash. */
export interface WorkerPresence {
  readonly host: string;
  readonly pid: number;
  /** The `FLEETCAST_RATE` the worker was started with. */
  readonly startedWith: number;
}

export interface SeenWorker extends WorkerPresence {
  readonly seenAt: number;
}

export function presenceField(presence: WorkerPresence): string {
  return `${presence.host}:${presence.pid}`;
}

export async function forgetWorker(redis: RedisClient, keys: AccountKeys, presence: WorkerPresence): Promise<void> {
  await redis.hdel(keys.workers, presenceField(presence));
}

/** The account's stored cap in calls/s, or undefined when none is stored yet. */
export async function readStoredCap(redis: RedisClient, keys: AccountKeys): Promise<number | undefined> {
  const cap = Number(await redis.hget(keys.cap, 'cap'));
  return cap > 0 ? cap : undefined;
}

/** An account's cap, its adaptive rate and the workers seen lately; entries of workers gone a minute are removed. */
export interface AccountCapView {
  readonly account: string;
  readonly cap: number;
  readonly rate: number;
  /** Share of the rate kept unused, as the workers learned it; undefined before any worker polled. */
  readonly guard: number | undefined;
  readonly setAt: number | undefined;
  readonly setBy: string | undefined;
  readonly workers: readonly SeenWorker[];
}

export async function readAccountCap(redis: RedisClient, prefix: string, account: string, now = Date.now()): Promise<AccountCapView | undefined> {
  const keys = accountKeys(prefix, account);
  const [stored, [rate, guard], workers] = await Promise.all([redis.hgetall(keys.cap), redis.hmget(keys.adaptive, 'rate', 'guard'), redis.hgetall(keys.workers)]);
  const cap = Number(stored.cap);
  if (!(cap > 0)) return undefined;
  const seen: SeenWorker[] = [];
  const gone: string[] = [];
  for (const [field, value] of Object.entries(workers)) {
    const worker = parseSeenWorker(value);
    if (worker === undefined || now - worker.seenAt > 60_000) gone.push(field);
    else if (now - worker.seenAt <= WORKER_SEEN_MS) seen.push(worker);
  }
  if (gone.length > 0) await redis.hdel(keys.workers, ...gone);
  return {
    account,
    cap,
    rate: rate === null || rate === undefined ? cap : Math.min(cap, Number(rate)),
    guard: guard === null || guard === undefined ? undefined : Number(guard),
    setAt: stored.setAt === undefined ? undefined : Number(stored.setAt),
    setBy: stored.setBy,
    workers: seen.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid),
  };
}

/** Every account with a stored cap under `prefix` (SCAN of every master; a handful of keys). */
export async function listCapAccounts(redis: RedisClient, prefix: string): Promise<string[]> {
  const accounts = new Set<string>();
  await scanKeys(redis, `{${prefix}:limiter:*}:cap`, (keys) => {
    for (const key of keys) {
      const account = accountIdOfCapKey(prefix, key);
      if (account !== undefined) accounts.add(account);
    }
  });
  return [...accounts].sort();
}

function parseSeenWorker(value: string): SeenWorker | undefined {
  const bar = value.indexOf('|');
  if (bar < 0) return undefined;
  try {
    const presence = JSON.parse(value.slice(bar + 1)) as Partial<WorkerPresence>;
    const seenAt = Number(value.slice(0, bar));
    if (typeof presence.host !== 'string' || typeof presence.pid !== 'number' || typeof presence.startedWith !== 'number') return undefined;
    return { host: presence.host, pid: presence.pid, startedWith: presence.startedWith, seenAt };
  } catch {
    return undefined;
  }
}
