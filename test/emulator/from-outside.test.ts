import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import IotModule, { BatchPubRequest, PubRequest } from '@alicloud/iot20180120';
import { Config } from '@alicloud/openapi-client';
import mqtt, { type IPublishPacket } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/redis/private-redis.js';
import { CLI } from '../helpers/cli.js';
import { interopDefault } from './helpers.js';

const Iot = interopDefault(IotModule);
const PK = 'a1Outside01';

/** The emulator as an outside client sees it: started from the command line, driven over the network. */
describe('fleetcast emulator from outside', () => {
  let child: ChildProcess;
  let port = 0;
  let subscriber: mqtt.MqttClient;
  const received: Array<{ topic: string; payload: string; packet: IPublishPacket }> = [];

  beforeAll(async () => {
    port = await freePort();
    const mqttPort = await freePort();
    child = spawn(process.execPath, [CLI, 'emulator', '--port', String(port), '--qps', '100', '--access-key', 'testid:testsecret', '--mqtt-port', String(mqttPort)]);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    while (!out.includes('listening')) await new Promise((resolve) => setTimeout(resolve, 50));
    subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { protocolVersion: 5, reconnectPeriod: 0 });
    subscriber.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), packet }));
    await subscriber.subscribeAsync([`/${PK}/dev1/user/get`, `/${PK}/dev2/user/get`], { qos: 1 });
  });
  afterAll(async () => {
    await subscriber.endAsync(true);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });

  const client = (secret: string): InstanceType<typeof Iot> =>
    new Iot(new Config({ accessKeyId: 'testid', accessKeySecret: secret, endpoint: `127.0.0.1:${port}`, protocol: 'http' }));
  const b64 = (text: string): string => Buffer.from(text).toString('base64');

  it('accepts a V3-signed SDK call and delivers it with its MQTT 5 properties', async () => {
    const answer = await client('testsecret').pub(
      new PubRequest({ productKey: PK, topicFullName: `/${PK}/dev1/user/get`, messageContent: b64('hello v3'), qos: 1, responseTopic: `/${PK}/dev1/user/reply`, correlationData: b64('c1'), userProp: [{ key: 'k', value: 'v' }] }),
    );
    expect(answer.body?.success).toBe(true);
    await waitFor(() => received.some((message) => message.payload === 'hello v3'));
    const message = received.find((entry) => entry.payload === 'hello v3');
    expect(message?.packet.qos).toBe(1);
    expect(message?.packet.properties?.responseTopic).toBe(`/${PK}/dev1/user/reply`);
    expect(Buffer.from(message?.packet.properties?.correlationData ?? []).toString()).toBe('c1');
    expect(message?.packet.properties?.userProperties).toEqual({ k: 'v' });
  });

  it('accepts a raw V1 call signed by hand and answers MessageId as bare digits above 2^53', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: signedV1Body(`/${PK}/dev2/user/get`, b64('hello v1')) })).text();
    const digits = /"MessageId":(\d+)[,}]/.exec(text)?.[1];
    expect(text).toContain('"Success":true');
    expect(BigInt(digits ?? '0')).toBeGreaterThan(2n ** 53n);
    await waitFor(() => received.some((message) => message.topic === `/${PK}/dev2/user/get` && message.payload === 'hello v1'));
  });

  it('refuses a wrong secret, bad base64 and a foreign topic with their codes', async () => {
    await expect(client('wrong').pub(new PubRequest({ productKey: PK, topicFullName: `/${PK}/dev1/user/get`, messageContent: 'aGk=' }))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    const bad64 = await client('testsecret').pub(new PubRequest({ productKey: PK, topicFullName: `/${PK}/dev1/user/get`, messageContent: 'not*base64' }));
    expect(bad64.body?.code).toBe('iot.messagebroker.MessageContentIsNotBase64Encode');
    const foreign = await client('testsecret').pub(new PubRequest({ productKey: PK, topicFullName: '/a1Other0001/dev1/user/get', messageContent: 'aGk=' }));
    expect(foreign.body?.code).toBe('iot.messagebroker.InvalidFormattedTopicName');
  });

  it('delivers BatchPub to each subscribed device', async () => {
    const answer = await client('testsecret').batchPub(new BatchPubRequest({ productKey: PK, deviceName: ['dev1', 'dev2'], topicShortName: 'get', messageContent: b64('batch'), qos: 1 }));
    expect(answer.body?.success).toBe(true);
    await waitFor(() => received.filter((message) => message.payload === 'batch').length === 2);
  });

  it('of 150 calls in one burst accepts exactly 100 and throttles 50', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const sdk = client('testsecret');
    const codes = await Promise.all(
      Array.from({ length: 150 }, () =>
        sdk.pub(new PubRequest({ productKey: PK, topicFullName: `/${PK}/dev9/user/get`, messageContent: 'aGk=' })).then(
          () => 'OK',
          (error: { code?: string }) => error.code ?? 'unknown',
        ),
      ),
    );
    expect(codes.filter((code) => code === 'OK')).toHaveLength(100);
    expect(codes.filter((code) => code === 'Throttling.User')).toHaveLength(50);
  });
});

function signedV1Body(topic: string, content: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const params: Record<string, string> = {
    AccessKeyId: 'testid',
    Action: 'Pub',
    Format: 'JSON',
    Version: '2018-01-20',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ProductKey: PK,
    TopicFullName: topic,
    MessageContent: content,
    Qos: '0',
  };
  const canonical = Object.keys(params).sort().map((key) => `${encode(key)}=${encode(params[key] ?? '')}`).join('&');
  const signature = createHmac('sha1', 'testsecret&').update(`POST&%2F&${encode(canonical)}`).digest('base64');
  return `${canonical}&Signature=${encode(signature)}`;
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
