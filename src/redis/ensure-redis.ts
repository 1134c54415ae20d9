import type { RedisTarget } from '../config/redis-target.js';
import { connectRedis, redisUnreachable } from './connection.js';
import { redisServerOnPath, startPrivateRedis, type PrivateRedis } from './private-redis.js';

/** A Redis that answers: the configured one, or a private redis-server when that is absent but installed. */
export interface AvailableRedis {
  readonly target: RedisTarget;
  /** Set when fleetcast started the server itself; stop it when done. */
  readonly privateServer: PrivateRedis | undefined;
}

/** A private server stands in only for a single node that is absent; Sentinel must answer as configured. */
export async function ensureRedis(target: RedisTarget): Promise<AvailableRedis> {
  try {
    const probe = await connectRedis(target, 1500);
    probe.disconnect();
    return { target, privateServer: undefined };
  } catch (error) {
    if (target.kind !== 'node') throw error;
    if (!redisServerOnPath()) throw redisUnreachable(target, error);
    const server = await startPrivateRedis();
    return { target: { kind: 'node', url: server.url }, privateServer: server };
  }
}
