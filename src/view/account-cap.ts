import type { RedisClient } from '../redis/client.js';
import { listCapAccounts, readAccountCap, type AccountCapView } from '../limiter/shared-cap.js';

/** The shared cap of every account with a stored cap under `prefix`. */
export async function accountCaps(redis: RedisClient, prefix: string): Promise<AccountCapView[]> {
  const accounts = await listCapAccounts(redis, prefix);
  const views = await Promise.all(accounts.map((account) => readAccountCap(redis, prefix, account)));
  return views.filter((view) => view !== undefined);
}

/** The learned guard as a share of the rate, `0.74%`. */
export function guardPercent(guard: number): string {
  return `${(guard * 100).toFixed(2)}%`;
}

/** The cap a ramp grows towards: the account's (the highest, when several accounts share the prefix), else `fallback`. */
export function highestCap(accounts: readonly AccountCapView[], fallback = Infinity): number {
  return accounts.length === 0 ? fallback : Math.max(...accounts.map((account) => account.cap));
}
