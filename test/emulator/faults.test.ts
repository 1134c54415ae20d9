import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultPlan, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, PubRequest, parseAnswer, randomProductKey, rawV1, sdkClient, subscribe } from './helpers.js';

const SHARES = { throttle: 0.1, unavailable: 0.1, system: 0.1, reset: 0.05, hang: 0.05 };

describe('fault plan', () => {
  it('gives roughly the configured shares and the same sequence for the same seed', () => {
    const draw = (seed: number): (string | undefined)[] => {
      const plan = new FaultPlan(SHARES, 0, seed);
      return Array.from({ length: 20_000 }, () => plan.nextFault());
    };
    const first = draw(42);
    expect(draw(42)).toEqual(first);
    expect(draw(43)).not.toEqual(first);
    const share = (kind: string | undefined): number => first.filter((k) => k === kind).length / first.length;
    expect(share('throttle')).toBeCloseTo(0.1, 1);
    expect(share('unavailable')).toBeCloseTo(0.1, 1);
    expect(share('system')).toBeCloseTo(0.1, 1);
    expect(share('reset')).toBeCloseTo(0.05, 1);
    expect(share(undefined)).toBeCloseTo(0.6, 1);
  });

  it('latency is uniform between 0.5x and 1.5x of the mean', () => {
    const plan = new FaultPlan(SHARES, 100, 1);
    const samples = Array.from({ length: 5000 }, () => plan.nextLatencyMs());
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...samples)).toBeLessThan(150);
    expect(samples.reduce((a, b) => a + b, 0) / samples.length).toBeCloseTo(100, -1);
  });
});

describe('faults over HTTP', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  const codesFor = async (seed: number): Promise<string[]> => {
    const running = await startEmulator({
      mqtt: false,
      seed,
      faultThrottle: 0.2,
      faultUnavailable: 0.2,
      faultSystem: 0.2,
    });
    try {
      const pk = randomProductKey();
      const codes: string[] = [];
      for (let i = 0; i < 200; i++) {
        const answer = await rawV1({
          port: running.port,
          params: { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/d1/user/x`, MessageContent: b64('f') },
        });
        codes.push(`${answer.status}:${(parseAnswer(answer.text).Code as string | undefined) ?? 'OK'}`);
      }
      expect(running.stats.summary().delivered).toBe(codes.filter((c) => c === '200:OK').length);
      return codes;
    } finally {
      await running.close();
    }
  };

  it('answers faults with their codes and statuses, in the same sequence for the same seed', async () => {
    const codes = await codesFor(7);
    expect(await codesFor(7)).toEqual(codes);
    const count = (code: string): number => codes.filter((c) => c === code).length;
    for (const code of ['400:Throttling.User', '503:ServiceUnavailable', '200:iot.system.SystemException']) {
      expect(count(code)).toBeGreaterThan(20);
      expect(count(code)).toBeLessThan(65);
    }
    expect(count('200:OK')).toBeGreaterThan(60);
  });

  it('reset destroys the socket after delivering the message', async () => {
    emulator = await startEmulator({ faultReset: 1 });
    const pk = randomProductKey();
    const device = await subscribe(emulator.mqttUrl ?? '', `/${pk}/d1/user/x`, 4);
    try {
      await expect(
        rawV1({ port: emulator.port, params: { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/d1/user/x`, MessageContent: b64('dup') } }),
      ).rejects.toThrow();
      const [packet] = await device.waitFor(1);
      expect(packet?.payload.toString()).toBe('dup');
      expect(emulator.stats.calls().at(-1)).toMatchObject({ code: 'ConnectionReset', fault: 'reset' });
      expect(emulator.stats.calls().at(-1)?.messageId).toMatch(/^\d{19}$/);
    } finally {
      await device.end();
    }
  });

  it('hang never answers: the client times out and nothing is delivered', async () => {
    emulator = await startEmulator({ mqtt: false, faultHang: 1 });
    const client = sdkClient(emulator.port, { readTimeout: 300 });
    const pk = randomProductKey();
    const started = Date.now();
    await expect(
      client.pubWithOptions(
        new PubRequest({ productKey: pk, topicFullName: `/${pk}/d1/user/x`, messageContent: b64('h') }),
        new (await import('@alicloud/tea-util')).RuntimeOptions({ readTimeout: 300, autoretry: false }),
      ),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(emulator.stats.summary()).toMatchObject({ delivered: 0, byCode: { NoAnswer: 1 } });
  });

  it('faults are drawn after the signature check: an unsigned call is answered even with faultHang 1', async () => {
    emulator = await startEmulator({ mqtt: false, faultHang: 1 });
    const port = emulator.port;
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ port, host: '127.0.0.1', method: 'GET', path: '/?Action=Pub' }, () => resolve('answered'));
      req.on('error', () => resolve('error'));
      req.end();
      setTimeout(() => {
        resolve('still open');
        req.destroy();
      }, 300);
    });
    expect(outcome).toBe('answered');
  });
});
