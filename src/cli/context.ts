import type { RedisClient } from '../redis/client.js';
import { loadConfig, type ConfigOverrides, type FleetcastConfig } from '../config/config.js';
import { CampaignStore } from '../queue/campaign-store.js';
import { refuseOldLayout } from '../queue/key-migration.js';
import { connectRedis } from '../redis/connection.js';

/** Global flags every command accepts. */
export interface GlobalFlags {
  readonly redisUrl?: string;
  readonly prefix?: string;
  readonly json?: boolean;
}

export function configFrom(flags: GlobalFlags, extra: ConfigOverrides = {}): FleetcastConfig {
  return loadConfig(process.env, {
    ...(flags.redisUrl === undefined ? {} : { redisUrl: flags.redisUrl }),
    ...(flags.prefix === undefined ? {} : { prefix: flags.prefix }),
    ...extra,
  });
}

/** Runs `action` with a connected Redis and campaign store, and always disconnects. */
export async function withStore<T>(config: FleetcastConfig, action: (store: CampaignStore, redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = await connectRedis(config.redis);
  try {
    await refuseOldLayout(redis, config.prefix, { scanCaps: false });
    return await action(new CampaignStore(redis, config.prefix), redis);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
