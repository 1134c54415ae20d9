import { Cluster, type Redis, type RedisOptions } from 'ioredis';

/** A client of fleetcast's Redis: one node (also the primary that Sentinel names), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Options a duplicate may change, for one node and a cluster alike. */
export type DuplicateOptions = Pick<RedisOptions, 'maxRetriesPerRequest' | 'enableAutoPipelining' | 'lazyConnect'>;

/**
 * Another connection to the same Redis with a few options changed (BullMQ's blocking connections, the limiter's,
 * a subscriber). A cluster takes `enableAutoPipelining` and `lazyConnect` itself and the rest per node.
 */
export function duplicateClient(client: RedisClient, options: DuplicateOptions = {}): RedisClient {
  if (!(client instanceof Cluster)) return client.duplicate(options);
  const { enableAutoPipelining, lazyConnect, ...perNode } = options;
  return client.duplicate(undefined, {
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    redisOptions: { ...client.options.redisOptions, ...perNode },
  });
}

/** The nodes a SCAN must walk to see every key: each master of a cluster, else the one node. */
export function scanNodes(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Every key matching `pattern`, batch by batch, on every node that holds keys (SCAN, never KEYS), with that node. */
export async function scanKeys(client: RedisClient, pattern: string, onBatch: (keys: string[], node: Redis) => Promise<void> | void): Promise<void> {
  for (const node of scanNodes(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await onBatch(keys, node);
    } while (cursor !== '0');
  }
}
