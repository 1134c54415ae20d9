import type { Redis } from 'ioredis';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { accountKeys, WORKER_SEEN_MS } from '../limiter/shared-cap.js';
import { scanKeys, type RedisClient } from '../redis/client.js';
import { activeCampaignsKey, campaignIndexKey, campaignKeys, globalBullPrefix, globalTag } from './keys.js';

/**
 * The upgrade from the key layout before hash tags (`<prefix>:campaign:<id>`, `<prefix>:bull:…`,
 * `<prefix>:limiter:<account>:cap`, Bottleneck's `b_<prefix>:limiter:…`) to the hash-tagged one of keys.ts.
 * Old keys are renamed, never copied; Bottleneck's state is deleted, as every limiter rebuilds it.
 */

const CAMPAIGN_ID = /^[a-z0-9_.-]{1,64}$/;
const ACCOUNT_KEY_KINDS = ['cap', 'workers', 'adaptive'] as const;
const DEFAULT_PREFIX = 'fleetcast';

/**
 * The new name of an old-layout key; null for a key to delete (Bottleneck's); undefined for any key that is not of
 * the old layout, which is never touched.
 */
export function newKeyOf(prefix: string, oldKey: string): string | null | undefined {
  if (oldKey.startsWith(`b_${prefix}:limiter:`)) return null;
  const head = `${prefix}:`;
  if (!oldKey.startsWith(head)) return undefined;
  const rest = oldKey.slice(head.length);
  return globalKey(prefix, rest) ?? campaignKey(prefix, rest) ?? bullKey(prefix, rest) ?? limiterKey(prefix, rest);
}

function globalKey(prefix: string, rest: string): string | undefined {
  switch (rest) {
    case 'campaigns':
      return campaignIndexKey(prefix);
    case 'campaigns:active':
      return activeCampaignsKey(prefix);
    case 'schedules:runs':
      return `${globalTag(prefix)}:schedules:runs`;
    case 'metrics:ingest':
      return `${globalTag(prefix)}:metrics:ingest`;
    default:
      return undefined;
  }
}

/** `campaign:<id>` and `campaign:<id>:outcomes`. */
function campaignKey(prefix: string, rest: string): string | undefined {
  const [kind, id, outcomes, ...more] = rest.split(':');
  if (kind !== 'campaign' || id === undefined || !CAMPAIGN_ID.test(id) || more.length > 0) return undefined;
  if (outcomes === undefined) return campaignKeys(prefix, id).campaign;
  return outcomes === 'outcomes' ? campaignKeys(prefix, id).outcomes : undefined;
}

/** BullMQ's keys: `bull:campaign-<id>:…` and `bull:schedules:…`. */
function bullKey(prefix: string, rest: string): string | undefined {
  if (!rest.startsWith('bull:')) return undefined;
  const queueKey = rest.slice('bull:'.length);
  const colon = queueKey.indexOf(':');
  if (colon < 0 || colon === queueKey.length - 1) return undefined;
  const queueName = queueKey.slice(0, colon);
  const tail = queueKey.slice(colon + 1);
  if (queueName === 'schedules') return `${globalBullPrefix(prefix)}:schedules:${tail}`;
  const id = queueName.startsWith('campaign-') ? queueName.slice('campaign-'.length) : undefined;
  if (id === undefined || !CAMPAIGN_ID.test(id)) return undefined;
  const keys = campaignKeys(prefix, id);
  return `${keys.bullPrefix}:${keys.queueName}:${tail}`;
}

/** `limiter:<account>:cap`, `…:workers`, `…:adaptive`. */
function limiterKey(prefix: string, rest: string): string | undefined {
  const [kind, account, field, ...more] = rest.split(':');
  if (kind !== 'limiter' || account === undefined || account === '' || more.length > 0) return undefined;
  const which = ACCOUNT_KEY_KINDS.find((name) => name === field);
  return which === undefined ? undefined : accountKeys(prefix, account)[which];
}

/** How thoroughly to look: `scanCaps: false` skips the SCAN for an account cap (a command run often, not a worker's start). */
export interface LayoutCheck {
  readonly scanCaps?: boolean;
}

/** Whether Redis holds keys of the old layout under `prefix`: a few EXISTS, and a SCAN only when they find none. */
export async function hasOldLayout(redis: RedisClient, prefix: string, check: LayoutCheck = {}): Promise<boolean> {
  const markers = ['campaigns', 'schedules:runs', 'bull:schedules:meta', 'metrics:ingest'];
  const found = await Promise.all(markers.map((marker) => redis.exists(`${prefix}:${marker}`)));
  if (found.some((count) => count > 0)) return true;
  if (check.scanCaps === false) return false;
  let capFound = false;
  await scanKeys(redis, `${prefix}:limiter:*:cap`, (keys) => {
    if (keys.some((key) => newKeyOf(prefix, key) !== undefined)) capFound = true;
  });
  return capFound;
}

/** The command that upgrades the keys under `prefix`. */
export function migrateCommand(prefix: string): string {
  return prefix === DEFAULT_PREFIX ? 'fleetcast migrate-keys' : `fleetcast migrate-keys --prefix ${prefix}`;
}

/** Throws FC_OLD_KEY_LAYOUT when Redis holds keys of the old layout under `prefix`. */
export async function refuseOldLayout(redis: RedisClient, prefix: string, check: LayoutCheck = {}): Promise<void> {
  if (!(await hasOldLayout(redis, prefix, check))) return;
  throw new FleetcastError(
    'FC_OLD_KEY_LAYOUT',
    `Redis holds fleetcast keys under prefix "${prefix}" in the layout before hash tags (campaigns, queues and limiters of an earlier version). Stop every worker, then run: ${migrateCommand(prefix)}`,
  );
}

export interface MigrationResult {
  /** Keys renamed (with dryRun: to be renamed). */
  readonly renamed: number;
  /** Bottleneck keys deleted (with dryRun: to be deleted). */
  readonly deleted: number;
  /** Old keys left as they are because their new name is taken. */
  readonly skipped: string[];
}

/**
 * Renames every old-layout key under `prefix` to its hash-tagged name (RENAMENX: a taken name leaves the old key,
 * listed in `skipped`) and deletes Bottleneck's keys. Refuses while a worker of the old layout is seen.
 */
export async function migrateKeys(redis: RedisClient, prefix: string, options: { readonly dryRun: boolean }): Promise<MigrationResult> {
  await refuseRunningWorkers(redis, prefix);
  let renamed = 0;
  let deleted = 0;
  const skipped: string[] = [];
  for (const pattern of [`${prefix}:*`, `b_${prefix}:*`]) {
    await scanKeys(redis, pattern, async (keys, node) => {
      for (const key of keys) {
        const target = newKeyOf(prefix, key);
        if (target === undefined) continue;
        if (target === null) deleted += options.dryRun ? 1 : await node.del(key);
        else if (await moveKey(node, key, target, options.dryRun)) renamed += 1;
        else skipped.push(key);
      }
    });
  }
  return { renamed, deleted, skipped: skipped.sort() };
}

/** Renames `key` unless `target` exists; with dryRun, only tells whether it would. */
async function moveKey(node: Redis, key: string, target: string, dryRun: boolean): Promise<boolean> {
  if (dryRun) return (await node.exists(target)) === 0;
  return (await node.renamenx(key, target)) === 1;
}

/** Throws FC_BAD_USAGE naming the workers seen lately in an old `limiter:<account>:workers` hash. */
async function refuseRunningWorkers(redis: RedisClient, prefix: string, now = Date.now()): Promise<void> {
  const running: string[] = [];
  await scanKeys(redis, `${prefix}:limiter:*:workers`, async (keys, node) => {
    for (const key of keys) {
      if (newKeyOf(prefix, key) === undefined) continue;
      for (const [field, value] of Object.entries(await node.hgetall(key))) {
        const bar = value.indexOf('|');
        const seenAt = bar < 0 ? Number.NaN : Number(value.slice(0, bar));
        if (now - seenAt <= WORKER_SEEN_MS) running.push(field);
      }
    }
  });
  if (running.length === 0) return;
  throw new FleetcastError(
    'FC_BAD_USAGE',
    `workers of an earlier version are running (${running.sort().join(', ')}): stop every worker first, then run ${migrateCommand(prefix)} again`,
  );
}
