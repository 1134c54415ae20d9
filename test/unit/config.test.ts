import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { FleetcastError } from '../../src/errors/fleetcast-error.js';

describe('configuration', () => {
  it('has defaults for everything but credentials', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
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
});
