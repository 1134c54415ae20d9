import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, PubRequest, randomProductKey, sdkClient, subscribe, type Subscriber } from './helpers.js';

const MOSQUITTO = 'mqtt://127.0.0.1:1883';

describe('delivery to MQTT subscribers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const track = <T extends RunningEmulator | Subscriber>(thing: T): T => {
    cleanups.push(() => ('stats' in thing ? thing.close() : thing.end()));
    return thing;
  };
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('external MQTT 5 broker (Mosquitto): exact bytes, QoS, ResponseTopic, CorrelationData, user properties', async () => {
    const emulator = track(await startEmulator({ mqtt: MOSQUITTO }));
    const pk = randomProductKey();
    const device = track(await subscribe(MOSQUITTO, `/${pk}/dev1/user/#`));
    const bystander = track(await subscribe(MOSQUITTO, `/${pk}/dev2/user/#`));
    const payload = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x41]);
    const correlation = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    for (const v2 of [false, true]) {
      const response = await sdkClient(emulator.port, { v2 }).pub(
        new PubRequest({
          productKey: pk,
          topicFullName: `/${pk}/dev1/user/get`,
          messageContent: payload.toString('base64'),
          qos: 1,
          responseTopic: `/${pk}/dev1/user/reply`,
          correlationData: correlation.toString('base64'),
          userProp: [
            { key: 'k1', value: 'v 1' },
            { key: 'k2', value: 'ü' },
          ],
        }),
      );
      expect(response.body?.success).toBe(true);
    }
    const [first, second] = await device.waitFor(2);
    for (const packet of [first, second]) {
      expect(packet?.topic).toBe(`/${pk}/dev1/user/get`);
      expect(Buffer.compare(packet?.payload as Buffer, payload)).toBe(0);
      expect(packet?.qos).toBe(1);
      expect(packet?.properties?.responseTopic).toBe(`/${pk}/dev1/user/reply`);
      expect(Buffer.compare(packet?.properties?.correlationData as Buffer, correlation)).toBe(0);
      expect(packet?.properties?.userProperties).toEqual({ k1: 'v 1', k2: 'ü' });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bystander.messages).toHaveLength(0);
  });

  it('external broker: QoS 0 is delivered as QoS 0, BatchPub reaches each listed device', async () => {
    const emulator = track(await startEmulator({ mqtt: MOSQUITTO }));
    const pk = randomProductKey();
    const fleet = track(await subscribe(MOSQUITTO, `/${pk}/+/user/notice`));
    const client = sdkClient(emulator.port);
    await client.pub(new PubRequest({ productKey: pk, topicFullName: `/${pk}/solo/user/notice`, messageContent: b64('q0'), qos: 0 }));
    const { BatchPubRequest } = await import('@alicloud/iot20180120');
    const batch = await client.batchPub(
      new BatchPubRequest({ productKey: pk, deviceName: ['dev-a', 'dev-b', 'dev-c'], topicShortName: 'notice', messageContent: b64('all'), qos: 1 }),
    );
    expect(batch.body?.success).toBe(true);
    expect(batch.body).not.toHaveProperty('messageId', expect.anything());
    const messages = await fleet.waitFor(4);
    expect(messages.map((m) => m.topic).sort()).toEqual(
      [`/${pk}/dev-a/user/notice`, `/${pk}/dev-b/user/notice`, `/${pk}/dev-c/user/notice`, `/${pk}/solo/user/notice`].sort(),
    );
    expect(messages.find((m) => m.topic.includes('/solo/'))?.qos).toBe(0);
    expect(messages.filter((m) => m.payload.toString() === 'all')).toHaveLength(3);
  });

  it('embedded broker: payload bytes and QoS reach an MQTT 3.1.1 subscriber; others get nothing', async () => {
    const emulator = track(await startEmulator({}));
    expect(emulator.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const mqttUrl = emulator.mqttUrl ?? '';
    const pk = randomProductKey();
    const device = track(await subscribe(mqttUrl, `/${pk}/dev1/user/get`, 4));
    const bystander = track(await subscribe(mqttUrl, `/${pk}/dev2/user/get`, 4));
    const payload = Buffer.from('{"firmware":"1.2.3"}\u0000\u00ff');
    const response = await sdkClient(emulator.port).pub(
      new PubRequest({ productKey: pk, topicFullName: `/${pk}/dev1/user/get`, messageContent: payload.toString('base64'), qos: 1 }),
    );
    expect(response.body?.success).toBe(true);
    // The broker took the message before the answer, so it is already on its way.
    const [packet] = await device.waitFor(1);
    expect(Buffer.compare(packet?.payload as Buffer, payload)).toBe(0);
    expect(packet?.qos).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bystander.messages).toHaveLength(0);
    expect(emulator.stats.summary().delivered).toBe(1);
  });

  it('PubBroadcast reaches subscribers of the /broadcast topic', async () => {
    const emulator = track(await startEmulator({ mqtt: MOSQUITTO }));
    const pk = randomProductKey();
    const listener = track(await subscribe(MOSQUITTO, `/broadcast/${pk}/all`));
    const { PubBroadcastRequest } = await import('@alicloud/iot20180120');
    const response = await sdkClient(emulator.port).pubBroadcast(
      new PubBroadcastRequest({ productKey: pk, topicFullName: `/broadcast/${pk}/all`, messageContent: b64('to everyone') }),
    );
    expect(response.body?.success).toBe(true);
    const [packet] = await listener.waitFor(1);
    expect(packet?.payload.toString()).toBe('to everyone');
  });
});
