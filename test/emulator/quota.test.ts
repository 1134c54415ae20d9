import { afterEach, describe, expect, it } from 'vitest';
import { SlidingWindow, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, parseAnswer, randomProductKey, rawV1, subscribe, type Subscriber } from './helpers.js';

function pub(port: number, accessKeyId = 'testid', secret = 'testsecret'): Promise<string> {
  const pk = 'a1Quota0001';
  return rawV1({
    port,
    accessKeyId,
    secret,
    params: { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/dev1/user/get`, MessageContent: b64('q') },
  }).then((answer) => (parseAnswer(answer.text).Code as string | undefined) ?? 'OK');
}

/** Most times falling in any closed interval of `windowMs`. */
function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) > windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('SlidingWindow', () => {
  it('admits at most limit in any window and frees a slot only after the window has passed', () => {
    const window = new SlidingWindow(3, 1000);
    expect([0, 10, 20, 30].map((t) => window.tryAdmit(t))).toEqual([true, true, true, false]);
    expect(window.tryAdmit(1000)).toBe(false);
    expect(window.tryAdmit(1000.5)).toBe(true);
    expect(window.tryAdmit(1005)).toBe(false);
    expect(window.tryAdmit(1010.5)).toBe(true);
  });

  it('admits a group only when all of it fits, freeing slots as the oldest admissions leave the window', () => {
    const window = new SlidingWindow(5, 1000);
    window.record(0, 3);
    window.record(100, 1);
    expect(window.fits(200, 2)).toBe(false);
    expect(window.fits(200, 1)).toBe(true);
    expect(window.fits(1000.5, 4)).toBe(true);
    expect(window.fits(1000.5, 5)).toBe(false);
    expect(window.fits(1100.5, 5)).toBe(true);
    expect(window.fits(5000, 6)).toBe(false);
    window.record(1000.5, 4);
    expect(window.fits(1100.5, 1)).toBe(true);
    expect(window.fits(1100.5, 2)).toBe(false);
    expect(window.fits(2000.5, 1)).toBe(true);
    expect(window.fits(2000.5, 2)).toBe(false);
    expect(window.fits(2001, 5)).toBe(true);
  });
});

describe('account quota', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it('150 calls in one burst at qps 100: exactly 100 accepted, 50 Throttling.User', async () => {
    emulator = await startEmulator({ mqtt: false, qps: 100 });
    const port = emulator.port;
    const codes = await Promise.all(Array.from({ length: 150 }, () => pub(port)));
    expect(codes.filter((c) => c === 'OK')).toHaveLength(100);
    expect(codes.filter((c) => c === 'Throttling.User')).toHaveLength(50);
    expect(emulator.stats.summary().byAction.Pub).toEqual({ OK: 100, 'Throttling.User': 50 });
  });

  it('the throttle answer has the gateway shape and message', async () => {
    emulator = await startEmulator({ mqtt: false, qps: 1 });
    await pub(emulator.port);
    const answer = await rawV1({
      port: emulator.port,
      params: { Action: 'Pub', ProductKey: 'a1Q', TopicFullName: '/a1Q/d1/user/x', MessageContent: b64('x') },
    });
    expect(answer.status).toBe(400);
    expect(parseAnswer(answer.text)).toMatchObject({
      Code: 'Throttling.User',
      Message: 'Request was denied due to user flow control.',
    });
  });

  it('two accounts have separate quotas; keys of one account share it', async () => {
    emulator = await startEmulator({
      mqtt: false,
      qps: 20,
      accessKeys: [
        { accessKeyId: 'alice', accessKeySecret: 's1' },
        { accessKeyId: 'bob', accessKeySecret: 's2' },
        { accessKeyId: 'bob-ram', accessKeySecret: 's3', accountId: 'bob' },
      ],
    });
    const port = emulator.port;
    const [alice, bob, bobRam] = await Promise.all([
      Promise.all(Array.from({ length: 30 }, () => pub(port, 'alice', 's1'))),
      Promise.all(Array.from({ length: 15 }, () => pub(port, 'bob', 's2'))),
      Promise.all(Array.from({ length: 15 }, () => pub(port, 'bob-ram', 's3'))),
    ]);
    expect(alice.filter((c) => c === 'OK')).toHaveLength(20);
    expect([...bob, ...bobRam].filter((c) => c === 'OK')).toHaveLength(20);
  });

  it('under steady over-rate load no 1,000 ms interval holds more than qps accepted calls', async () => {
    const qps = 100;
    emulator = await startEmulator({ mqtt: false, qps });
    const port = emulator.port;
    const started = performance.now();
    const pending: Promise<string>[] = [];
    // About 250 calls/s for 3 s, in small bursts every 20 ms.
    while (performance.now() - started < 3000) {
      for (let i = 0; i < 5; i++) pending.push(pub(port));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const codes = await Promise.all(pending);
    const accepted = emulator.stats.calls().filter((call) => call.code === 'OK');
    expect(accepted).toHaveLength(codes.filter((c) => c === 'OK').length);
    expect(codes.filter((c) => c === 'Throttling.User').length).toBeGreaterThan(0);
    expect(maxInWindow(accepted.map((call) => call.t), 1000)).toBeLessThanOrEqual(qps);
    // The window is used, not starved: at least two full seconds' worth got through.
    expect(accepted.length).toBeGreaterThanOrEqual(2 * qps);
  });
});

/** Answer code of a V1 call: `OK` for Success true. */
async function codeOf(port: number, params: Record<string, string>): Promise<string> {
  const answer = await rawV1({ port, params });
  return (parseAnswer(answer.text).Code as string | undefined) ?? 'OK';
}

function pubTo(port: number, pk: string, device: string, text = 'p'): Promise<string> {
  return codeOf(port, { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/${device}/user/get`, MessageContent: b64(text) });
}

function batchPubTo(port: number, pk: string, devices: readonly string[], text = 'b'): Promise<string> {
  const names = Object.fromEntries(devices.map((device, i) => [`DeviceName.${i + 1}`, device]));
  return codeOf(port, { Action: 'BatchPub', ProductKey: pk, TopicShortName: 'get', MessageContent: b64(text), ...names });
}

function deviceNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('account downlink limit (downlinkQps)', () => {
  let emulator: RunningEmulator | undefined;
  let subscriber: Subscriber | undefined;
  afterEach(async () => {
    await subscriber?.end();
    await emulator?.close();
    subscriber = undefined;
    emulator = undefined;
  });

  /** Messages the subscriber holds on `device`'s topic after a pause long enough for any delivery to arrive. */
  async function receivedBy(device: string, pk: string): Promise<number> {
    await sleep(300);
    return (subscriber?.messages ?? []).filter((packet) => packet.topic === `/${pk}/${device}/user/get`).length;
  }

  it('at 150: a BatchPub of 100 and 50 Pubs pass, the next Pub in that second is refused undelivered, then passes', async () => {
    emulator = await startEmulator({ downlinkQps: 150 });
    const pk = randomProductKey();
    subscriber = await subscribe(emulator.mqttUrl ?? '', `/${pk}/+/user/get`);
    const port = emulator.port;

    expect(await batchPubTo(port, pk, deviceNames('batch', 100))).toBe('OK');
    const pubs = await Promise.all(deviceNames('pub', 50).map((device) => pubTo(port, pk, device)));
    expect(pubs.filter((code) => code === 'OK')).toHaveLength(50);
    const refused = await rawV1({
      port,
      params: { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/late0001/user/get`, MessageContent: b64('late') },
    });
    expect(refused.status).toBe(200);
    expect(parseAnswer(refused.text)).toMatchObject({ Success: false, Code: 'iot.messagebroker.RateLimit' });
    expect(await subscriber.waitFor(150)).toHaveLength(150);
    expect(await receivedBy('late0001', pk)).toBe(0);

    await sleep(1100);
    expect(await pubTo(port, pk, 'late0001', 'late')).toBe('OK');
    await subscriber.waitFor(151);
    expect(await receivedBy('late0001', pk)).toBe(1);

    const summary = emulator.stats.summary();
    expect(summary.byAction.Pub).toEqual({ OK: 51, 'iot.messagebroker.RateLimit': 1 });
    expect(summary.deliveredByAction).toEqual({ BatchPub: 100, Pub: 51 });
    expect(emulator.stats.calls()[0]).toMatchObject({ action: 'BatchPub', code: 'OK', deliveries: 100 });
    expect(emulator.stats.calls().find((call) => call.code !== 'OK')?.deliveries).toBeUndefined();
  });

  it('refuses a BatchPub that would cross the limit whole: no device receives it, and it takes no share of the second', async () => {
    emulator = await startEmulator({ downlinkQps: 150 });
    const pk = randomProductKey();
    subscriber = await subscribe(emulator.mqttUrl ?? '', `/${pk}/+/user/get`);
    const port = emulator.port;

    expect(await batchPubTo(port, pk, deviceNames('first', 100))).toBe('OK');
    expect(await batchPubTo(port, pk, deviceNames('cross', 51))).toBe('iot.messagebroker.RateLimit');
    // Exactly what is left of the second still fits: the refused call recorded nothing.
    expect(await batchPubTo(port, pk, deviceNames('last', 50))).toBe('OK');
    expect(await pubTo(port, pk, 'extra001')).toBe('iot.messagebroker.RateLimit');

    expect(await subscriber.waitFor(150)).toHaveLength(150);
    await sleep(300);
    const topics = subscriber.messages.map((packet) => packet.topic);
    expect(topics.filter((topic) => topic.includes('/cross'))).toHaveLength(0);
    expect(topics.filter((topic) => topic.includes('/last'))).toHaveLength(50);
    expect(topics).toHaveLength(150);
    expect(emulator.stats.summary().byAction.BatchPub).toEqual({ OK: 2, 'iot.messagebroker.RateLimit': 1 });
  });

  it('checks the API call quota first, and a call refused by the per-device limit takes no share of the account', async () => {
    emulator = await startEmulator({ mqtt: false, qps: 1, deviceQps: 1, downlinkQps: 2 });
    const pk = randomProductKey();
    const port = emulator.port;
    expect(await batchPubTo(port, pk, ['dev1'])).toBe('OK');
    expect(await batchPubTo(port, pk, ['dev1'])).toBe('iot.messagebroker.RateLimit');
    expect(await pubTo(port, pk, 'dev2')).toBe('OK');
    // Over both the Pub call quota and the account's messages: the call quota answers.
    expect(await pubTo(port, pk, 'dev3')).toBe('Throttling.User');
    expect(await batchPubTo(port, pk, ['dev3'])).toBe('iot.messagebroker.RateLimit');
    await sleep(1100);
    expect(await pubTo(port, pk, 'dev3')).toBe('OK');
  });

  it('counts deliveries by action in /metrics', async () => {
    emulator = await startEmulator({ mqtt: false, downlinkQps: 10 });
    const pk = randomProductKey();
    const port = emulator.port;
    expect(await batchPubTo(port, pk, deviceNames('m', 8))).toBe('OK');
    expect(await pubTo(port, pk, 'm100')).toBe('OK');
    expect(await batchPubTo(port, pk, deviceNames('n', 2))).toBe('iot.messagebroker.RateLimit');
    const metrics = await (await fetch(`${emulator.url}/metrics`)).text();
    expect(metrics).toContain('fleetcast_emulator_deliveries_total{action="BatchPub"} 8');
    expect(metrics).toContain('fleetcast_emulator_deliveries_total{action="Pub"} 1');
    expect(metrics).toContain('fleetcast_emulator_messages_delivered_total 9');
  });
});
