import type { RedisClient } from '../redis/client.js';
import { accountIdOf } from '../limiter/account-id.js';
import { accountKeys, readStoredCap } from '../limiter/shared-cap.js';

/** The account cap a plan counts with, and where it was read. */
export interface PlanCap {
  readonly cap: number;
  /** `stored`: the cap stored with the account's limiter, which every worker follows; `configured`: FLEETCAST_RATE. */
  readonly source: 'stored' | 'configured';
}

/**
 * The account's cap: field `cap` of accountKeys(…).cap, where workers store it (and `fleetcast cap
 * --set` changes it); the configured one when none is stored, or when no AccessKey names the account.
 */
export async function accountCapOf(redis: RedisClient, prefix: string, accessKeyId: string | undefined, configured: number): Promise<PlanCap> {
  if (accessKeyId === undefined) return { cap: configured, source: 'configured' };
  const stored = await readStoredCap(redis, accountKeys(prefix, accountIdOf(accessKeyId)));
  return stored === undefined ? { cap: configured, source: 'configured' } : { cap: stored, source: 'stored' };
}
