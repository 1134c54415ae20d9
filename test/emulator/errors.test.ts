import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, parseAnswer, randomProductKey, rawV1, utcTimestamp } from './helpers.js';

function pubParams(pk: string, content = b64('hi')): Record<string, string> {
  return { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/dev1/user/get`, MessageContent: content };
}

describe('answers to raw V1 requests signed by hand', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({
      mqtt: false,
      pubBroadcastQps: 10,
      instanceId: 'iot-cn-test',
      devices: [
        { ProductKey: 'a1Known0001', DeviceName: 'dev1' },
        { ProductKey: 'a1Known0001', DeviceName: 'dev2' },
      ],
    });
  });
  afterAll(async () => {
    await emulator.close();
  });

  const known = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...pubParams('a1Known0001'),
    IotInstanceId: 'iot-cn-test',
    ...extra,
  });

  it('accepts a POST with MessageContent in the form body and a GET with everything in the query', async () => {
    const { MessageContent, ...rest } = known();
    const post = await rawV1({ port: emulator.port, params: rest, bodyParams: { MessageContent: MessageContent ?? '' } });
    expect(post.status).toBe(200);
    expect(parseAnswer(post.text)).toMatchObject({ Success: true });
    const get = await rawV1({ port: emulator.port, params: known(), method: 'GET' });
    expect(parseAnswer(get.text)).toMatchObject({ Success: true });
    expect(BigInt(parseAnswer(get.text).rawMessageId ?? '0')).toBeGreaterThan(2n ** 53n);
  });

  it('answers XML when Format=XML', async () => {
    const ok = await rawV1({ port: emulator.port, params: known(), format: 'XML' });
    expect(ok.contentType).toBe('text/xml;charset=utf-8');
    expect(ok.text).toMatch(/<PubResponse><RequestId>[0-9A-F-]{36}<\/RequestId><Success>true<\/Success><MessageId>\d{19}<\/MessageId><\/PubResponse>/);
    const bad = await rawV1({ port: emulator.port, params: known(), format: 'XML', secret: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Error><RequestId>');
    expect(bad.text).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  const gatewayCases: [string, Parameters<typeof rawV1>[0] | (() => Parameters<typeof rawV1>[0]), number, string][] = [
    ['wrong secret', { port: 0, params: {}, secret: 'wrong' }, 400, 'SignatureDoesNotMatch'],
    ['unknown key', { port: 0, params: {}, accessKeyId: 'ghost' }, 404, 'InvalidAccessKeyId.NotFound'],
    ['timestamp 16 minutes old', { port: 0, params: {}, timestamp: utcTimestamp(new Date(Date.now() - 16 * 60_000)) }, 400, 'InvalidTimeStamp.Expired'],
    ['timestamp 16 minutes ahead', { port: 0, params: {}, timestamp: utcTimestamp(new Date(Date.now() + 16 * 60_000)) }, 400, 'InvalidTimeStamp.Expired'],
    ['bad timestamp', { port: 0, params: {}, timestamp: 'yesterday' }, 400, 'InvalidTimeStamp.Format'],
  ];
  for (const [name, call, status, code] of gatewayCases) {
    it(`gateway error for ${name}: HTTP ${status} ${code}`, async () => {
      const spec = typeof call === 'function' ? call() : call;
      const answer = await rawV1({ ...spec, port: emulator.port, params: known() });
      expect(answer.status).toBe(status);
      const body = parseAnswer(answer.text);
      expect(body).toMatchObject({ Code: code, HostId: 'iot.cn-shanghai.aliyuncs.com' });
      expect(Object.keys(body).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
    });
  }

  it('a timestamp 14 minutes off is still accepted', async () => {
    const answer = await rawV1({ port: emulator.port, params: known(), timestamp: utcTimestamp(new Date(Date.now() - 14 * 60_000)) });
    expect(parseAnswer(answer.text)).toMatchObject({ Success: true });
  });

  it('a reused nonce is refused with SignatureNonceUsed', async () => {
    const nonce = randomUUID();
    const first = await rawV1({ port: emulator.port, params: known(), nonce });
    expect(parseAnswer(first.text)).toMatchObject({ Success: true });
    const again = await rawV1({ port: emulator.port, params: known(), nonce });
    expect(again.status).toBe(400);
    expect(parseAnswer(again.text)).toMatchObject({ Code: 'SignatureNonceUsed' });
  });

  it('an unknown Action is InvalidApi.NotFound (404)', async () => {
    const answer = await rawV1({ port: emulator.port, params: { ...known(), Action: 'Publish' } });
    expect(answer.status).toBe(404);
    expect(parseAnswer(answer.text)).toMatchObject({ Code: 'InvalidApi.NotFound' });
  });

  it('a missing TopicFullName is MissingParameter, Qos 2 is InvalidParameter', async () => {
    const { TopicFullName: _omit, ...noTopic } = known();
    const missing = await rawV1({ port: emulator.port, params: noTopic });
    expect(missing.status).toBe(400);
    expect(parseAnswer(missing.text)).toMatchObject({ Code: 'MissingParameter' });
    const qos = await rawV1({ port: emulator.port, params: known({ Qos: '2' }) });
    expect(parseAnswer(qos.text)).toMatchObject({ Code: 'InvalidParameter' });
  });

  const businessCases: [string, Record<string, string>, string][] = [
    ['bad base64', { MessageContent: 'not base64!' }, 'iot.messagebroker.MessageContentIsNotBase64Encode'],
    ['payload over 256 KB', { MessageContent: Buffer.alloc(256 * 1024 + 1).toString('base64') }, 'iot.messagebroker.MessageContentTooLarge'],
    ['topic of another product', { TopicFullName: '/a1Other0001/dev1/user/get' }, 'iot.messagebroker.InvalidFormattedTopicName'],
    ['topic over 128 bytes', { TopicFullName: `/a1Known0001/dev1/user/${'x'.repeat(120)}` }, 'iot.messagebroker.InvalidFormattedTopicName'],
    ['unknown product', { ProductKey: 'a1Nope00001', TopicFullName: '/a1Nope00001/dev1/user/get' }, 'iot.prod.NotExistedProduct'],
    ['unknown device', { TopicFullName: '/a1Known0001/dev9/user/get' }, 'iot.device.NotExistedDevice'],
    ['wrong instance', { IotInstanceId: 'iot-cn-other' }, 'iot.system.InstanceNotFound'],
  ];
  for (const [name, override, code] of businessCases) {
    it(`business error for ${name}: HTTP 200 ${code}`, async () => {
      const params = known(override);
      const { MessageContent, ...query } = params;
      const answer = await rawV1({ port: emulator.port, params: query, bodyParams: { MessageContent: MessageContent ?? '' } });
      expect(answer.status).toBe(200);
      const body = parseAnswer(answer.text);
      expect(body).toMatchObject({ Success: false, Code: code });
      expect(Object.keys(body).sort()).toEqual(['Code', 'ErrorMessage', 'RequestId', 'Success']);
    });
  }

  it('a missing IotInstanceId is refused when an instance is configured', async () => {
    const { IotInstanceId: _omit, ...params } = known();
    const answer = await rawV1({ port: emulator.port, params });
    expect(parseAnswer(answer.text)).toMatchObject({ Success: false, Code: 'iot.system.InstanceNotFound' });
  });

  it('BatchPub checks 1..100 unique names and answers without MessageId', async () => {
    const base = { Action: 'BatchPub', ProductKey: 'a1Known0001', TopicShortName: 'get', MessageContent: b64('b'), IotInstanceId: 'iot-cn-test' };
    const ok = await rawV1({ port: emulator.port, params: { ...base, 'DeviceName.1': 'dev1', 'DeviceName.2': 'dev2' } });
    expect(ok.text).not.toContain('MessageId');
    expect(parseAnswer(ok.text)).toMatchObject({ Success: true });
    const dup = await rawV1({ port: emulator.port, params: { ...base, 'DeviceName.1': 'dev1', 'DeviceName.2': 'dev1' } });
    expect(parseAnswer(dup.text)).toMatchObject({ Success: false, Code: 'iot.common.InvalidFormattedParameter' });
    const many: Record<string, string> = { ...base };
    for (let i = 1; i <= 101; i++) many[`DeviceName.${i}`] = `dev${i}x`;
    const tooMany = await rawV1({ port: emulator.port, params: many });
    expect(parseAnswer(tooMany.text)).toMatchObject({ Success: false, Code: 'iot.common.InvalidFormattedParameter' });
    const none = await rawV1({ port: emulator.port, params: base });
    expect(parseAnswer(none.text)).toMatchObject({ Code: 'MissingParameter' });
  });

  it('PubBroadcast refuses a payload over 64 KB and a non-broadcast topic', async () => {
    const base = { Action: 'PubBroadcast', ProductKey: 'a1Known0001', IotInstanceId: 'iot-cn-test' };
    const big = await rawV1({
      port: emulator.port,
      params: { ...base, TopicFullName: '/broadcast/a1Known0001/x' },
      bodyParams: { MessageContent: Buffer.alloc(64 * 1024 + 1).toString('base64') },
    });
    expect(parseAnswer(big.text)).toMatchObject({ Code: 'iot.messagebroker.MessageContentTooLarge' });
    const topic = await rawV1({ port: emulator.port, params: { ...base, TopicFullName: '/a1Known0001/dev1/user/get', MessageContent: b64('x') } });
    expect(parseAnswer(topic.text)).toMatchObject({ Code: 'iot.messagebroker.InvalidFormattedTopicName' });
  });
});

describe('per-device rate', () => {
  it('answers iot.messagebroker.RateLimit past deviceQps messages per second to one device', async () => {
    const emulator = await startEmulator({ mqtt: false, deviceQps: 5 });
    try {
      const pk = randomProductKey();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => rawV1({ port: emulator.port, params: pubParams(pk) })),
      );
      const codes = answers.map((a) => (parseAnswer(a.text).Code as string | undefined) ?? 'OK');
      expect(codes.filter((c) => c === 'OK')).toHaveLength(5);
      expect(codes.filter((c) => c === 'iot.messagebroker.RateLimit')).toHaveLength(3);
      const other = await rawV1({ port: emulator.port, params: { ...pubParams(pk), TopicFullName: `/${pk}/dev2/user/get` } });
      expect(parseAnswer(other.text)).toMatchObject({ Success: true });
    } finally {
      await emulator.close();
    }
  });
});
