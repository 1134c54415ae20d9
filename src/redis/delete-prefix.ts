import { scanKeys, type RedisClient } from './client.js';

/**
 * SCAN patterns of every key under `prefix`: fleetcast's own (`{<prefix>}:…`, `{<prefix>:…}:…`), its limiters'
 * (`b_{<prefix>:…`), and those of the layout before hash tags (`<prefix>:…`, `b_<prefix>:…`). Prefixes have no `:`.
 */
export function prefixPatterns(prefix: string): string[] {
  return [`{${prefix}}:*`, `{${prefix}:*`, `b_{${prefix}:*`, `${prefix}:*`, `b_${prefix}:*`];
}

/**
 * Deletes every key under a prefix (see prefixPatterns), on every master of a cluster. Returns how many. Keys are
 * unlinked one by one in a pipeline: one UNLINK of keys in several slots is refused by a cluster node.
 */
export async function deletePrefix(redis: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for (const pattern of prefixPatterns(prefix)) {
    await scanKeys(redis, pattern, async (keys, node) => {
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.unlink(key);
      for (const [error, count] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        deleted += Number(count);
      }
    });
  }
  return deleted;
}
