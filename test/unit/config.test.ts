import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { FleetcastError } from '../../src/errors/fleetcast-error.js';
import { freePort } from '../../src/redis/private-redis.js';
import { connectRedis } from '../../src/redis/connection.js';

describe('configuration', () => {
  it('has defaults for everything but credentials', () => {
    const config = loadConfig({});
    expect(config.redis).toEqual({ kind: 'node', url: 'redis://127.0.0.1:6379' });
    expect(config.endpoint.href).toBe('https://iot.cn-shanghai.aliyuncs.com/');
    expect(config.rate).toBe(1600);
    expect(config.accessKeyId).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad value in one error', () => {
    const attempt = (): unknown => loadConfig({ REDIS_URL: 'localhost', FLEETCAST_RATE: '0', FLEETCAST_ENDPOINT: 'iot.example.com', FLEETCAST_SIGNATURE: 'v2' });
    expect(attempt).toThrow(FleetcastError);
    try {
      attempt();
    } catch (error) {
      expect((error as FleetcastError).details).toHaveLength(4);
      expect((error as FleetcastError).exitCode).toBe(2);
    }
  });

  it('never shows the secret, however the config is printed', () => {
    const config = loadConfig({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'example-key-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'very-secret-value' });
    expect(JSON.stringify(config)).not.toContain('very-secret-value');
    expect(inspect(config, { depth: 5 })).not.toContain('very-secret-value');
    expect(`${String(config.accessKeySecret)}`).toBe('[redacted]');
    expect(config.accessKeySecret?.reveal()).toBe('very-secret-value');
  });

  it('lets flags override the environment', () => {
    expect(loadConfig({ FLEETCAST_RATE: '1600' }, { rate: '800' }).rate).toBe(800);
  });

  it('names Redis one way: one node, Sentinel, or Cluster, never two at once', () => {
    const sentinel = loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379, redis://:primary-pass@10.0.0.2:26380', REDIS_SENTINEL_NAME: 'mymaster', REDIS_SENTINEL_PASSWORD: 'sentinel-pass' }).redis;
    expect(sentinel).toMatchObject({ kind: 'sentinel', name: 'mymaster', sentinels: [{ host: '127.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }] });
    expect(JSON.stringify(sentinel)).not.toMatch(/primary-pass|sentinel-pass/);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'rediss://10.0.0.1:7000,10.0.0.2:7001' }).redis).toMatchObject({ kind: 'cluster', nodes: [{ port: 7000, tls: true }, { port: 7001, tls: false }] });
    const problems = (env: Record<string, string>): readonly string[] => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as FleetcastError).details ?? [];
      }
    };
    expect(problems({ REDIS_URL: 'redis://a:6379', REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_NAME: 'm' })).toEqual([
      'set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS (got REDIS_URL (or --redis-url), REDIS_SENTINELS)',
    ]);
    expect(problems({ REDIS_SENTINELS: 'b:26379' })).toEqual(['REDIS_SENTINELS needs REDIS_SENTINEL_NAME, the master name the sentinels monitor (e.g. mymaster)']);
    expect(problems({ REDIS_CLUSTER_NODES: 'nohost, redis://:secret@h:99999' })).toEqual([
      'REDIS_CLUSTER_NODES entries must be host:port or redis[s]://[user:pass@]host:port (got nohost)',
      'REDIS_CLUSTER_NODES entries must be host:port or redis[s]://[user:pass@]host:port (got redis://***@h:99999)',
    ]);
  });

  it('says which cluster nodes did not answer, and what to check, when no node of REDIS_CLUSTER_NODES answers', async () => {
    const port = await freePort();
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: `127.0.0.1:${port}` }).redis;
    const refusal = await connectRedis(cluster, 1000).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(FleetcastError);
    expect((refusal as FleetcastError).code).toBe('FC_REDIS_UNREACHABLE');
    expect((refusal as FleetcastError).message).toBe(
      `Redis does not answer at Redis Cluster 127.0.0.1:${port}. Check that at least one of REDIS_CLUSTER_NODES answers and that CLUSTER INFO says cluster_state:ok.`,
    );
  });
});
