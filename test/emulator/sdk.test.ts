import { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiModule from '@alicloud/openapi-client';
import { RuntimeOptions } from '@alicloud/tea-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, interopDefault, PubRequest, randomProductKey, sdkClient } from './helpers.js';

const TWO_TO_53 = 2n ** 53n;

describe('official SDK against the emulator', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ mqtt: false });
  });
  afterAll(async () => {
    await emulator.close();
  });

  for (const mode of ['V3 (default)', 'V1 (signatureAlgorithm v2)'] as const) {
    it(`Pub succeeds with ${mode}, every parameter given`, async () => {
      const client = sdkClient(emulator.port, { v2: mode.startsWith('V1') });
      const pk = randomProductKey();
      const response = await client.pub(
        new PubRequest({
          productKey: pk,
          topicFullName: `/${pk}/dev1/user/get`,
          messageContent: b64('hello'),
          qos: 1,
          iotInstanceId: 'iot-cn-any',
          responseTopic: `/${pk}/dev1/user/reply`,
          correlationData: b64('corr'),
          userProp: [{ key: 'k1', value: 'v 1' }, { key: 'k2', value: 'ü*!' }],
        }),
      );
      expect(response.statusCode).toBe(200);
      expect(response.body?.success).toBe(true);
      expect(response.body?.requestId).toMatch(/^[0-9A-F-]{36}$/);
      const last = emulator.stats.calls().at(-1);
      expect(last).toMatchObject({ action: 'Pub', code: 'OK', accountId: 'testid', qos: 1, topic: `/${pk}/dev1/user/get` });
    });
  }

  it('a wrong secret is refused with SignatureDoesNotMatch in both modes', async () => {
    for (const v2 of [false, true]) {
      const client = sdkClient(emulator.port, { v2, accessKeySecret: 'wrong' });
      const pk = randomProductKey();
      await expect(
        client.pub(new PubRequest({ productKey: pk, topicFullName: `/${pk}/d/user/x`, messageContent: b64('x') })),
      ).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', data: { statusCode: 400 } });
    }
  });

  it('an unknown AccessKey is refused with InvalidAccessKeyId.NotFound (404)', async () => {
    const client = sdkClient(emulator.port, { accessKeyId: 'nobody' });
    await expect(
      client.pub(new PubRequest({ productKey: 'a1x', topicFullName: '/a1x/d/user/x', messageContent: b64('x') })),
    ).rejects.toMatchObject({ code: 'InvalidAccessKeyId.NotFound', data: { statusCode: 404 } });
  });

  it('answers MessageId as bare digits above 2^53 (raw text through callApi with bodyType string)', async () => {
    for (const signatureAlgorithm of [undefined, 'v2']) {
      const OpenApiClient = interopDefault(OpenApiModule);
      const client = new OpenApiClient(
        new Config({
          accessKeyId: 'testid',
          accessKeySecret: 'testsecret',
          endpoint: `127.0.0.1:${emulator.port}`,
          protocol: 'http',
          ...(signatureAlgorithm ? { signatureAlgorithm } : {}),
        }),
      );
      const pk = randomProductKey();
      const params = new Params({
        action: 'Pub',
        version: '2018-01-20',
        protocol: 'HTTP',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'string',
      });
      const request = new OpenApiRequest({
        query: { ProductKey: pk, TopicFullName: `/${pk}/d1/user/get` },
        body: { MessageContent: b64('raw') },
      });
      const result = (await client.callApi(params, request, new RuntimeOptions({}))) as { body: string };
      const match = /"MessageId":(\d+)[,}]/.exec(result.body);
      expect(match?.[1]).toBeDefined();
      expect(BigInt(match?.[1] ?? '0')).toBeGreaterThan(TWO_TO_53);
      const recorded = emulator.stats.calls().at(-1)?.messageId;
      expect(recorded).toBe(match?.[1]);
    }
  });

  it('issues unique MessageIds', async () => {
    const client = sdkClient(emulator.port);
    const pk = randomProductKey();
    const before = emulator.stats.recordedCount;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        client.pub(new PubRequest({ productKey: pk, topicFullName: `/${pk}/d1/user/get`, messageContent: b64('u') })),
      ),
    );
    const ids = emulator.stats.calls(before).map((call) => call.messageId);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  });
});

describe('MessageId quoting', () => {
  it('quotes the MessageId with quoteMessageId', async () => {
    const emulator = await startEmulator({ mqtt: false, quoteMessageId: true });
    try {
      const client = sdkClient(emulator.port);
      const pk = randomProductKey();
      const response = await client.pub(
        new PubRequest({ productKey: pk, topicFullName: `/${pk}/d1/user/get`, messageContent: b64('q') }),
      );
      // Quoted, the digits survive JSON.parse in the SDK.
      expect(response.body?.messageId).toBe(emulator.stats.calls().at(-1)?.messageId);
    } finally {
      await emulator.close();
    }
  });
});
