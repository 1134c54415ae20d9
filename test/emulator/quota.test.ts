import { afterEach, describe, expect, it } from 'vitest';
import { SlidingWindow, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, parseAnswer, rawV1 } from './helpers.js';

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
