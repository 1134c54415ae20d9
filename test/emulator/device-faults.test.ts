import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceFaultOf, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, parseAnswer, randomProductKey, rawV1 } from './helpers.js';

describe('device faults: offline and unknown devices in a chosen share', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it('picks about the chosen share of devices, the same ones every time', () => {
    const shares = { offline: 0.3, notFound: 0.1 };
    const names = Array.from({ length: 10_000 }, (_, i) => `dev-${i}`);
    const kinds = names.map((name) => deviceFaultOf('a1product', name, shares));
    expect(names.map((name) => deviceFaultOf('a1product', name, shares))).toEqual(kinds);
    const share = (kind: string | undefined): number => kinds.filter((k) => k === kind).length / kinds.length;
    expect(share('offline')).toBeGreaterThan(0.28);
    expect(share('offline')).toBeLessThan(0.32);
    expect(share('notFound')).toBeGreaterThan(0.085);
    expect(share('notFound')).toBeLessThan(0.115);
    expect(deviceFaultOf('a1product', 'dev-1', { offline: 0, notFound: 0 })).toBeUndefined();
  });

  it('answers iot.messagebroker.OFFLINE and iot.device.NotExistedDevice as HTTP 200 business errors, on every retry', async () => {
    emulator = await startEmulator({ mqtt: false, faultOffline: 0.3, faultNotFound: 0.2 });
    const pk = randomProductKey();
    const pub = (device: string): ReturnType<typeof rawV1> =>
      rawV1({
        port: emulator?.port ?? 0,
        params: { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/${device}/user/x`, MessageContent: b64('h') },
      });
    const shares = { offline: 0.3, notFound: 0.2 };
    const devices = Array.from({ length: 40 }, (_, i) => `d${i}`);
    const offline = devices.find((d) => deviceFaultOf(pk, d, shares) === 'offline');
    const unknown = devices.find((d) => deviceFaultOf(pk, d, shares) === 'notFound');
    const healthy = devices.find((d) => deviceFaultOf(pk, d, shares) === undefined);
    if (!offline || !unknown || !healthy) throw new Error('40 devices should give each kind');

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const off = await pub(offline);
      expect(off.status).toBe(200);
      expect(parseAnswer(off.text)).toMatchObject({ Success: false, Code: 'iot.messagebroker.OFFLINE' });
      expect(parseAnswer(off.text)).toHaveProperty('ErrorMessage');
      const missing = await pub(unknown);
      expect(missing.status).toBe(200);
      expect(parseAnswer(missing.text)).toMatchObject({ Success: false, Code: 'iot.device.NotExistedDevice' });
    }
    const ok = await pub(healthy);
    expect(parseAnswer(ok.text)).toMatchObject({ Success: true });
    expect(emulator.stats.summary()).toMatchObject({
      byCode: { 'iot.messagebroker.OFFLINE': 2, 'iot.device.NotExistedDevice': 2, OK: 1 },
    });
  });

  it('refuses shares outside 0..1 and shares adding up to more than 1', async () => {
    await expect(startEmulator({ mqtt: false, faultOffline: 1.5 })).rejects.toThrow(/faultOffline must be a share/);
    await expect(startEmulator({ mqtt: false, faultOffline: 0.6, faultNotFound: 0.6 })).rejects.toThrow(/add up to/);
  });
});

describe('emulator CLI: --fault-offline and --fault-not-found', () => {
  it('take a share or a percent; every device offline answers OFFLINE', async () => {
    const main = fileURLToPath(new URL('../../dist/workers/emulator.js', import.meta.url));
    const child = spawn(process.execPath, [main, 'emulator', '--port', '0', '--json', '--fault-offline', '100%', '--fault-not-found', '0']);
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const ready = JSON.parse((await lines.next()).value as string) as { port: number };
      const pk = randomProductKey();
      const answer = await rawV1({
        port: ready.port,
        params: { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/d1/user/x`, MessageContent: b64('h') },
      });
      expect(parseAnswer(answer.text)).toMatchObject({ Success: false, Code: 'iot.messagebroker.OFFLINE' });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
