import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { PubClient } from '../../src/pub/pub-client.js';

/** The SDK transport's read timer on a socket, if one is still armed. */
function armedReadTimer(socket: Socket): unknown {
  const holder = socket as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'TIMER::READ_TIMER');
  return key === undefined ? undefined : (holder[key] ?? undefined);
}

describe('the SDK transport after an answer', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ mqtt: false, qps: 100_000 });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('leaves no read timer armed once the answer is read, so finished requests are not kept for the timeout', async () => {
    const requests: ClientRequest[] = [];
    const onStart = (message: unknown): void => {
      requests.push((message as { request: ClientRequest }).request);
    };
    subscribe('http.client.request.start', onStart);
    try {
      const client = new PubClient({
        endpoint: new URL(`http://127.0.0.1:${emulator.port}`),
        regionId: 'cn-shanghai',
        accessKeyId: 'testid',
        accessKeySecret: new Secret('testsecret'),
        signature: 'v3',
        timeoutMs: 60_000,
      });
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          client.pub({ row: i + 1, line: i + 2, productKey: 'a1Timer', topicFullName: `/a1Timer/dev${i}/user/get`, messageContent: 'aGk=', qos: 0 }),
        ),
      );
      expect(results.filter((result) => result.ok)).toHaveLength(120);
      const sockets = new Set(requests.map((request) => request.socket).filter((socket) => socket !== null));
      expect(sockets.size).toBeGreaterThan(0);
      expect([...sockets].filter((socket) => armedReadTimer(socket) !== undefined)).toHaveLength(0);
    } finally {
      unsubscribe('http.client.request.start', onStart);
    }
  });
});
