import { createHash } from 'node:crypto';

/** A stable, non-reversible id for an AccessKey account, safe for Redis keys and metrics. */
export function accountIdOf(accessKeyId: string): string {
  return createHash('sha256').update(accessKeyId).digest('hex').slice(0, 16);
}
