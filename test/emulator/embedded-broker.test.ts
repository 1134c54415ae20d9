import { randomUUID } from 'node:crypto';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, PubRequest, randomProductKey, rawV1, sdkClient, subscribe, type Subscriber } from './helpers.js';

const SETTLE_MS = 150;

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

function bytesOf(value: unknown): Buffer {
  expect(Buffer.isBuffer(value)).toBe(true);
  return value as Buffer;
}

describe('embedded broker with MQTT 5 devices', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const track = <T extends RunningEmulator | Subscriber>(thing: T): T => {
    cleanups.push(() => ('stats' in thing ? thing.close() : thing.end()));
    return thing;
  };
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function embedded(options: { qps?: number } = {}): Promise<{ emulator: RunningEmulator; mqttUrl: string }> {
    const emulator = track(await startEmulator(options));
    expect(emulator.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    return { emulator, mqttUrl: emulator.mqttUrl ?? '' };
  }

  it('delivers exact bytes, QoS 1 and 0, ResponseTopic, CorrelationData bytes and user properties (V3 and V1)', async () => {
    const { emulator, mqttUrl } = await embedded();
    const pk = randomProductKey();
    const device = track(await subscribe(mqttUrl, `/${pk}/dev1/user/#`, 5));
    const bystander = track(await subscribe(mqttUrl, `/${pk}/dev2/user/#`, 5));
    const payload = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x41, 0x00]);
    const correlation = Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]);
    const cases = [
      { v2: false, qos: 1 },
      { v2: true, qos: 1 },
      { v2: false, qos: 0 },
      { v2: true, qos: 0 },
    ] as const;
    for (const { v2, qos } of cases) {
      const response = await sdkClient(emulator.port, { v2 }).pub(
        new PubRequest({
          productKey: pk,
          topicFullName: `/${pk}/dev1/user/get`,
          messageContent: payload.toString('base64'),
          qos,
          responseTopic: `/${pk}/dev1/user/reply`,
          correlationData: correlation.toString('base64'),
          userProp: [
            { key: 'k1', value: 'v 1' },
            { key: 'k2', value: 'ü*!' },
          ],
        }),
      );
      expect(response.body?.success).toBe(true);
    }
    const packets = await device.waitFor(cases.length);
    expect(packets).toHaveLength(cases.length);
    expect(packets.map((packet) => packet.qos).sort()).toEqual([0, 0, 1, 1]);
    for (const packet of packets) {
      expect(packet.topic).toBe(`/${pk}/dev1/user/get`);
      expect(bytesOf(packet.payload).equals(payload)).toBe(true);
      expect(packet.properties?.responseTopic).toBe(`/${pk}/dev1/user/reply`);
      expect(bytesOf(packet.properties?.correlationData).equals(correlation)).toBe(true);
      expect({ ...packet.properties?.userProperties }).toEqual({ k1: 'v 1', k2: 'ü*!' });
    }
    await settle();
    expect(bystander.messages).toHaveLength(0);
    expect(emulator.stats.summary().delivered).toBe(cases.length);
  });

  it('repeated user property keys arrive as a list; a message without properties arrives without them', async () => {
    const { emulator, mqttUrl } = await embedded();
    const pk = randomProductKey();
    const device = track(await subscribe(mqttUrl, `/${pk}/dev1/user/get`, 5));
    await rawV1({
      port: emulator.port,
      params: {
        Action: 'Pub',
        ProductKey: pk,
        TopicFullName: `/${pk}/dev1/user/get`,
        Qos: '1',
        'UserProp.1.Key': 'tag',
        'UserProp.1.Value': 'a',
        'UserProp.2.Key': 'tag',
        'UserProp.2.Value': 'b',
      },
      bodyParams: { MessageContent: b64('with') },
    });
    await rawV1({
      port: emulator.port,
      params: { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/dev1/user/get` },
      bodyParams: { MessageContent: b64('plain') },
    });
    const [first, second] = await device.waitFor(2);
    expect(first?.payload.toString()).toBe('with');
    expect({ ...first?.properties?.userProperties }).toEqual({ tag: ['a', 'b'] });
    expect(second?.payload.toString()).toBe('plain');
    expect(second?.qos).toBe(0);
    expect(second?.properties?.responseTopic).toBeUndefined();
    expect(second?.properties?.correlationData).toBeUndefined();
    expect(second?.properties?.userProperties).toBeUndefined();
  });

  it('a subscription at QoS 0 receives a QoS 1 message at QoS 0', async () => {
    const { emulator, mqttUrl } = await embedded();
    const pk = randomProductKey();
    const client = await connect(mqttUrl);
    cleanups.push(() => client.endAsync(true));
    const received: IPublishPacket[] = [];
    client.on('message', (_topic, _payload, packet) => received.push(packet));
    await client.subscribeAsync(`/${pk}/dev1/user/get`, { qos: 0 });
    const response = await sdkClient(emulator.port).pub(
      new PubRequest({ productKey: pk, topicFullName: `/${pk}/dev1/user/get`, messageContent: b64('down'), qos: 1 }),
    );
    expect(response.body?.success).toBe(true);
    await waitUntil(() => received.length >= 1);
    expect(received.map((packet) => packet.qos)).toEqual([0]);
  });

  it('forwards a device PUBLISH with its properties to subscribers (request/response pattern)', async () => {
    const { mqttUrl } = await embedded();
    const pk = randomProductKey();
    const server = track(await subscribe(mqttUrl, `/${pk}/+/user/reply`, 5));
    const device = await connect(mqttUrl);
    cleanups.push(() => device.endAsync(true));
    const correlation = Buffer.from([0x01, 0x02, 0x00, 0xff]);
    await device.publishAsync(`/${pk}/dev1/user/reply`, Buffer.from('done'), {
      qos: 1,
      properties: { correlationData: correlation, userProperties: { status: 'ok' } },
    });
    const [packet] = await server.waitFor(1);
    expect(packet?.payload.toString()).toBe('done');
    expect(bytesOf(packet?.properties?.correlationData).equals(correlation)).toBe(true);
    expect({ ...packet?.properties?.userProperties }).toEqual({ status: 'ok' });
  });

  it('1,000 MQTT 5 subscribers, each on its own topic, each receive exactly their one message', async () => {
    const { emulator, mqttUrl } = await embedded({ qps: 5000 });
    const pk = randomProductKey();
    const count = 1000;
    const devices = await connectMany(mqttUrl, count);
    cleanups.push(() => Promise.all(devices.map((client) => client.endAsync(true))).then(() => undefined));
    const received: IPublishPacket[][] = devices.map(() => []);
    await Promise.all(
      devices.map((client, index) => {
        client.on('message', (_topic, _payload, packet) => received[index]?.push(packet));
        return client.subscribeAsync(`/${pk}/dev${index}/user/get`, { qos: 1 });
      }),
    );
    const sdk = sdkClient(emulator.port);
    for (let start = 0; start < count; start += 100) {
      const batch = Array.from({ length: Math.min(100, count - start) }, (_, offset) => start + offset);
      const answers = await Promise.all(
        batch.map((index) =>
          sdk.pub(
            new PubRequest({
              productKey: pk,
              topicFullName: `/${pk}/dev${index}/user/get`,
              messageContent: b64(`message ${index}`),
              qos: index % 2 === 0 ? 1 : 0,
              correlationData: b64(`c${index}`),
            }),
          ),
        ),
      );
      expect(answers.every((answer) => answer.body?.success === true)).toBe(true);
    }
    await waitUntil(() => received.every((packets) => packets.length >= 1), 10_000);
    await settle();
    received.forEach((packets, index) => {
      expect(packets).toHaveLength(1);
      const [packet] = packets;
      expect(packet?.topic).toBe(`/${pk}/dev${index}/user/get`);
      expect(packet?.payload.toString()).toBe(`message ${index}`);
      expect(packet?.qos).toBe(index % 2 === 0 ? 1 : 0);
      expect(packet?.properties?.correlationData?.toString()).toBe(`c${index}`);
    });
    expect(emulator.stats.summary().delivered).toBe(count);
  }, 60_000);
});

function connect(url: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 5, clientId: `t-${randomUUID()}`, reconnectPeriod: 0 });
}

async function connectMany(url: string, count: number): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let start = 0; start < count; start += 100) {
    const size = Math.min(100, count - start);
    clients.push(...(await Promise.all(Array.from({ length: size }, () => connect(url)))));
  }
  return clients;
}

async function waitUntil(done: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
