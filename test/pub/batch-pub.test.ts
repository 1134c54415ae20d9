import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import type { BatchPubMessage, BatchPubResult } from '../../src/pub/batch-pub.js';
import { PubClient } from '../../src/pub/pub-client.js';
import type { PubRefused } from '../../src/pub/pub-result.js';
import { failureClassOf, refusesOneRow, retryClassOf } from '../../src/pub/retry-table.js';
import { closeAll, subscribe, until, type Subscriber } from '../helpers/subscribers.js';

const PK = 'a1BatchPub1';
const SECRET = 'batch-secret-7f3a';
const ACCESS_KEY = { accessKeyId: 'fleet-ak-9c1e', accessKeySecret: SECRET };
const DEVICES = Array.from({ length: 100 }, (_, index) => `dev-${String(index + 1).padStart(4, '0')}`);
/** Bytes that are not UTF-8 and whose base64 holds `+`, `/` and `=`. */
const PAYLOAD = Buffer.from([0xfb, 0xff, 0x00, 0x3e, 0x3f, 0x0a, 0xc3]);

function clientFor(url: string, signature: 'v1' | 'v3', options: { secret?: string; timeoutMs?: number } = {}): PubClient {
  return new PubClient({
    endpoint: new URL(url),
    regionId: 'cn-shanghai',
    accessKeyId: ACCESS_KEY.accessKeyId,
    accessKeySecret: new Secret(options.secret ?? SECRET),
    signature,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
}

function message(deviceNames: readonly string[], overrides: Partial<BatchPubMessage> = {}): BatchPubMessage {
  return { productKey: PK, deviceNames, topicShortName: 'notice', payload: PAYLOAD, qos: 1, ...overrides };
}

function refusal(result: BatchPubResult): PubRefused {
  if (result.ok) throw new Error(`expected a refusal, got success ${result.requestId}`);
  return result;
}

/** Nothing of a signed request in what fleetcast shows of a refusal. */
function expectNoSignedRequest(refused: PubRefused): void {
  expect(refused.message).not.toMatch(/Signature=|SignatureNonce|AccessKeyId=|ACS3-HMAC|x-acs-|\?[\w.]+=|fleet-ak-9c1e|batch-secret/);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let emulator: RunningEmulator | undefined;
let subscribers: Subscriber[] = [];

async function emulatorWith(options: EmulatorOptions): Promise<RunningEmulator> {
  emulator = await startEmulator({ port: 0, accessKeys: [ACCESS_KEY], ...options });
  return emulator;
}

afterEach(async () => {
  await closeAll(subscribers);
  subscribers = [];
  await emulator?.close();
  emulator = undefined;
});

for (const [signature, qos] of [['v3', 1], ['v1', 0]] as const) {
  describe(`BatchPub through the SDK, signed ${signature}`, () => {
    it(`delivers one message with QoS ${qos} to each of 100 subscribed devices and answers a RequestId`, async () => {
      const running = await emulatorWith({ devices: DEVICES.map((DeviceName) => ({ ProductKey: PK, DeviceName })) });
      const mqttUrl = running.mqttUrl ?? '';
      subscribers = await Promise.all(DEVICES.map((device) => subscribe(mqttUrl, `${PK}.${device}.${signature}`, `/${PK}/${device}/user/notice`)));

      const result = await clientFor(running.url, signature).batchPub(message(DEVICES, { qos }));

      expect(result).toEqual({ ok: true, requestId: expect.stringMatching(/^[\w-]{8,}$/) as unknown });
      await until(() => subscribers.every((subscriber) => subscriber.messages.length > 0), 10_000, 'a message at each of the 100 devices');
      subscribers.forEach((subscriber, index) => {
        expect(subscriber.messages).toHaveLength(1);
        const got = subscriber.messages[0];
        expect(got?.topic).toBe(`/${PK}/${DEVICES[index] ?? ''}/user/notice`);
        expect(got?.payload.equals(PAYLOAD)).toBe(true);
        expect(got?.packet.qos).toBe(qos);
      });
      expect(running.stats.calls()).toEqual([expect.objectContaining({ action: 'BatchPub', code: 'OK', qos })]);
    });

    it('is refused iot.device.NotExistedDevice when one device of the list does not exist, a refusal of one row', async () => {
      const running = await emulatorWith({ mqtt: false, devices: DEVICES.slice(0, 3).map((DeviceName) => ({ ProductKey: PK, DeviceName })) });

      const refused = refusal(await clientFor(running.url, signature).batchPub(message([...DEVICES.slice(0, 3), 'dev-ghost'])));

      expect(refused).toMatchObject({ code: 'iot.device.NotExistedDevice', requestId: expect.stringMatching(/^[\w-]{8,}$/) as unknown });
      expect(refused.message).toContain('dev-ghost');
      expect(refusesOneRow(refused.code, refused.httpStatus)).toBe(true);
      expect(failureClassOf(refused.code)).toBe('not-found');
      expectNoSignedRequest(refused);
    });

    it('is refused with a throttling code beyond the 50 BatchPub calls a second of the account', async () => {
      const running = await emulatorWith({ mqtt: false });
      const client = clientFor(running.url, signature);

      const results = await Promise.all(Array.from({ length: 60 }, (_, index) => client.batchPub(message([DEVICES[index] ?? '']))));

      const accepted = results.filter((result) => result.ok);
      const throttled = results.filter((result): result is PubRefused => !result.ok);
      expect(accepted).toHaveLength(50);
      expect(throttled).toHaveLength(10);
      for (const refused of throttled) {
        expect(refused).toMatchObject({ code: 'Throttling.User', httpStatus: 400, requestId: expect.stringMatching(/^[\w-]{8,}$/) as unknown });
        expect(retryClassOf(refused.code, refused.httpStatus)).toBe('throttle');
        expect(refusesOneRow(refused.code, refused.httpStatus)).toBe(false);
        expectNoSignedRequest(refused);
      }
    });
  });
}

describe('BatchPub refusals: of one row, or of the whole call', () => {
  it('a topic the product has not got, and a device offline, refuse one row', async () => {
    const running = await emulatorWith({ mqtt: false, faultOffline: 1 });
    const client = clientFor(running.url, 'v3');

    const badTopic = refusal(await client.batchPub(message(DEVICES.slice(0, 2), { topicShortName: 'notice/+' })));
    const offline = refusal(await client.batchPub(message(DEVICES.slice(0, 2))));

    expect(badTopic.code).toBe('iot.messagebroker.InvalidFormattedTopicName');
    expect(offline.code).toBe('iot.messagebroker.OFFLINE');
    expect(refusesOneRow(badTopic.code, badTopic.httpStatus)).toBe(true);
    expect(refusesOneRow(offline.code, offline.httpStatus)).toBe(true);
    expect(failureClassOf(offline.code)).toBe('offline');
  });

  it('a wrong secret and a missing instance refuse the whole call, with the systemic class', async () => {
    const running = await emulatorWith({ mqtt: false, instanceId: 'iot-cn-batch01' });

    const wrongSecret = refusal(await clientFor(running.url, 'v1', { secret: 'not-the-secret' }).batchPub(message(DEVICES.slice(0, 2), { iotInstanceId: 'iot-cn-batch01' })));
    const noInstance = refusal(await clientFor(running.url, 'v3').batchPub(message(DEVICES.slice(0, 2))));
    const accepted = await clientFor(running.url, 'v3').batchPub(message(DEVICES.slice(0, 2), { iotInstanceId: 'iot-cn-batch01' }));

    expect(wrongSecret.code).toBe('SignatureDoesNotMatch');
    expect(wrongSecret.message).toContain('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
    expect(noInstance.code).toBe('iot.system.InstanceNotFound');
    for (const refused of [wrongSecret, noInstance]) {
      expect(retryClassOf(refused.code, refused.httpStatus)).toBe('systemic');
      expect(refusesOneRow(refused.code, refused.httpStatus)).toBe(false);
      expectNoSignedRequest(refused);
    }
    expect(accepted.ok).toBe(true);
  });

  it('a closed port and an endpoint that never answers are transient failures of the whole call, named without the request', async () => {
    const closed = refusal(await clientFor(`http://127.0.0.1:${await freePort()}`, 'v1').batchPub(message(DEVICES.slice(0, 2))));
    const running = await emulatorWith({ mqtt: false, faultHang: 1 });
    const hung = refusal(await clientFor(running.url, 'v3', { timeoutMs: 300 }).batchPub(message(DEVICES.slice(0, 2))));

    expect(closed).toMatchObject({ code: 'ECONNREFUSED', httpStatus: undefined, requestId: '' });
    expect(hung).toMatchObject({ code: 'RequestTimeout', httpStatus: undefined });
    expect(hung.message).toContain('within 300 ms');
    for (const refused of [closed, hung]) {
      expect(retryClassOf(refused.code, refused.httpStatus)).toBe('transient');
      expect(refusesOneRow(refused.code, refused.httpStatus)).toBe(false);
      expectNoSignedRequest(refused);
    }
  });
});

describe('BatchPub message limits', () => {
  it('delivers a 200 KB payload (MessageContent travels in the form body, not the URL)', async () => {
    const running = await emulatorWith({});
    const mqttUrl = running.mqttUrl ?? '';
    const devices = DEVICES.slice(0, 2);
    subscribers = await Promise.all(devices.map((device) => subscribe(mqttUrl, `${PK}.${device}.large`, `/${PK}/${device}/user/notice`)));
    const payload = Buffer.alloc(200 * 1024, 0xa5);

    const result = await clientFor(running.url, 'v1').batchPub(message(devices, { payload }));

    expect(result.ok).toBe(true);
    await until(() => subscribers.every((subscriber) => subscriber.messages.length > 0), 10_000, 'the large message at both devices');
    for (const subscriber of subscribers) expect(subscriber.messages[0]?.payload.equals(payload)).toBe(true);
  });

  it('refuses to send a list of no device or of more than 100 devices, without calling', async () => {
    const running = await emulatorWith({ mqtt: false });
    const client = clientFor(running.url, 'v3');

    await expect(client.batchPub(message([]))).rejects.toThrow(RangeError);
    await expect(client.batchPub(message([...DEVICES, 'dev-0101']))).rejects.toThrow('1 to 100 devices (got 101)');
    expect(running.stats.calls()).toEqual([]);
  });
});
