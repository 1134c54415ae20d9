import { createHmac, randomUUID } from 'node:crypto';
import IotModule, { PubRequest } from '@alicloud/iot20180120';
import { Config } from '@alicloud/openapi-client';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';

/** The CommonJS SDK's class sits on `.default` under Node's ESM loader, and is the default itself under vitest. */
export function interopDefault<T>(module: { default: T }): T {
  return (module as { default?: T }).default ?? (module as unknown as T);
}

const IotClient = interopDefault(IotModule);

export function sdkClient(
  port: number,
  options: { v2?: boolean; accessKeyId?: string; accessKeySecret?: string; readTimeout?: number } = {},
): InstanceType<typeof IotModule.default> {
  return new IotClient(
    new Config({
      accessKeyId: options.accessKeyId ?? 'testid',
      accessKeySecret: options.accessKeySecret ?? 'testsecret',
      endpoint: `127.0.0.1:${port}`,
      protocol: 'http',
      ...(options.readTimeout ? { readTimeout: options.readTimeout } : {}),
      ...(options.v2 ? { signatureAlgorithm: 'v2' } : {}),
    }),
  );
}

export { PubRequest };

export function randomProductKey(): string {
  return `a1${randomUUID().replace(/-/g, '').slice(0, 9)}`;
}

export function b64(text: string | Buffer): string {
  return Buffer.from(text).toString('base64');
}

/** RFC 3986 encoding written out here, apart from the emulator's own. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function utcTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface RawV1Call {
  port: number;
  params: Record<string, string>;
  accessKeyId?: string;
  secret?: string;
  method?: 'GET' | 'POST';
  /** Parameters moved to the form body (still signed). */
  bodyParams?: Record<string, string>;
  timestamp?: string;
  nonce?: string;
  format?: string;
}

/** Signs a V1 request by hand (HMAC-SHA1 over the sorted, encoded union of query and body) and sends it. */
export async function rawV1(call: RawV1Call): Promise<{ status: number; text: string; contentType: string }> {
  const method = call.method ?? 'POST';
  const query: Record<string, string> = {
    Format: call.format ?? 'JSON',
    Version: '2018-01-20',
    AccessKeyId: call.accessKeyId ?? 'testid',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: call.nonce ?? randomUUID(),
    Timestamp: call.timestamp ?? utcTimestamp(),
    ...call.params,
  };
  const body = call.bodyParams ?? {};
  const all = { ...query, ...body };
  const canonical = Object.keys(all)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(all[k] ?? '')}`)
    .join('&');
  const stringToSign = `${method}&${rfc3986('/')}&${rfc3986(canonical)}`;
  query.Signature = createHmac('sha1', `${call.secret ?? 'testsecret'}&`).update(stringToSign).digest('base64');
  const qs = Object.entries(query)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const hasBody = Object.keys(body).length > 0;
  const response = await fetch(`http://127.0.0.1:${call.port}/?${qs}`, {
    method,
    ...(hasBody
      ? {
          body: new URLSearchParams(body).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }
      : {}),
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

/** Parses a JSON answer; MessageId digits are read from the raw text. */
export function parseAnswer(text: string): Record<string, unknown> & { rawMessageId?: string } {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const match = /"MessageId":"?(\d+)/.exec(text);
  return match?.[1] ? { ...parsed, rawMessageId: match[1] } : parsed;
}

export interface Subscriber {
  client: MqttClient;
  messages: IPublishPacket[];
  waitFor(count: number, timeoutMs?: number): Promise<IPublishPacket[]>;
  end(): Promise<void>;
}

export async function subscribe(url: string, topic: string, protocolVersion: 4 | 5 = 5): Promise<Subscriber> {
  const client = await mqtt.connectAsync(url, { protocolVersion, clientId: `t-${randomUUID()}`, reconnectPeriod: 0 });
  const messages: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => messages.push(packet));
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    client,
    messages,
    waitFor: async (count, timeoutMs = 3000) => {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return messages;
    },
    end: async () => {
      await client.endAsync(true);
    },
  };
}
