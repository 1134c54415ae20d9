import { connectRedis, redisUnreachable } from './connection.js';
import { redisServerOnPath, startPrivateRedis, type PrivateRedis } from './private-redis.js';

/** A Redis that answers: the configured one, or a private redis-server when that is absent but installed. */
export interface AvailableRedis {
  readonly url: string;
  /** Set when fleetcast started the server itself; stop it when done. */
  readonly privateServer: PrivateRedis | undefined;
}

export async function ensureRedis(url: string): Promise<AvailableRedis> {
  try {
    const probe = await connectRedis(url, 1500);
    probe.disconnect();
    return { url, privateServer: undefined };
  } catch (error) {
    if (!redisServerOnPath()) throw redisUnreachable(url, error);
    const server = await startPrivateRedis();
    return { url: server.url, privateServer: server };
  }
}
