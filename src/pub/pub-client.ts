import type { Secret } from '../config/secret.js';
import type { PubMessage } from '../types/pub-message.js';
import type { PubRefused, PubResult } from './pub-result.js';
import { clearReadTimersAfterAnswers } from './read-timer.js';
import { Config, IotClient, OpenApiRequest, Params, RuntimeOptions, type IotClientInstance } from './sdk.js';

/** Where and how to call `Pub`. */
export interface PubClientOptions {
  readonly endpoint: URL;
  readonly regionId: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: Secret;
  /** `v3` = ACS3-HMAC-SHA256 (the SDK default), `v1` = HMAC-SHA1 RPC signing. */
  readonly signature: 'v1' | 'v3';
  /** Connect and read timeout per call, ms. */
  readonly timeoutMs: number;
}

const MESSAGE_ID = /"MessageId"\s*:\s*"?(\d+)/;
const REQUEST_ID = /"RequestId"\s*:\s*"([^"]*)"/;
const SUCCESS_TRUE = /"Success"\s*:\s*true/;

/**
 * Calls `Pub` through the official SDK (`@alicloud/iot20180120`), reading the answer as raw text: the SDK's own
 * JSON parsing rounds MessageIds above 2^53, so the digits are taken from the text itself.
 */
export class PubClient {
  readonly #client: IotClientInstance;
  readonly #params: Params;
  readonly #runtime: RuntimeOptions;

  constructor(options: PubClientOptions) {
    clearReadTimersAfterAnswers();
    this.#client = new IotClient(
      new Config({
        accessKeyId: options.accessKeyId,
        accessKeySecret: options.accessKeySecret.reveal(),
        endpoint: options.endpoint.host,
        protocol: options.endpoint.protocol.replace(':', ''),
        regionId: options.regionId,
        readTimeout: options.timeoutMs,
        connectTimeout: options.timeoutMs,
        ...(options.signature === 'v1' ? { signatureAlgorithm: 'v2' } : {}),
      }),
    );
    this.#params = new Params({
      action: 'Pub',
      version: '2018-01-20',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'string',
    });
    this.#runtime = new RuntimeOptions({ readTimeout: options.timeoutMs, connectTimeout: options.timeoutMs });
  }

  async pub(message: PubMessage): Promise<PubResult> {
    const request = new OpenApiRequest({ query: pubQuery(message), body: { MessageContent: message.messageContent } });
    try {
      const response = (await this.#client.callApi(this.#params, request, this.#runtime)) as { body?: unknown; statusCode?: number };
      return parseAnswer(typeof response.body === 'string' ? response.body : '', response.statusCode);
    } catch (error) {
      return refusalOf(error);
    }
  }
}

/** The query parameters the SDK's own `pubWithOptions` would send, with UserProp flattened the same way. */
export function pubQuery(message: PubMessage): Record<string, string> {
  const query: Record<string, string> = {
    ProductKey: message.productKey,
    TopicFullName: message.topicFullName,
    Qos: String(message.qos),
  };
  if (message.iotInstanceId !== undefined) query.IotInstanceId = message.iotInstanceId;
  if (message.responseTopic !== undefined) query.ResponseTopic = message.responseTopic;
  if (message.correlationData !== undefined) query.CorrelationData = message.correlationData;
  message.userProps?.forEach(([key, value], index) => {
    query[`UserProp.${index + 1}.Key`] = key;
    query[`UserProp.${index + 1}.Value`] = value;
  });
  return query;
}

/** Reads an HTTP 2xx answer: success with MessageId, or a business error (`Success:false`, Code, ErrorMessage). */
export function parseAnswer(body: string, httpStatus: number | undefined): PubResult {
  const requestId = REQUEST_ID.exec(body)?.[1] ?? '';
  if (SUCCESS_TRUE.test(body)) {
    const messageId = MESSAGE_ID.exec(body)?.[1];
    if (messageId !== undefined) return { ok: true, messageId, requestId };
    return refused('InvalidResponse', 'success without a MessageId', requestId, httpStatus);
  }
  try {
    const parsed = JSON.parse(body) as { Code?: unknown; ErrorMessage?: unknown; Message?: unknown };
    const code = typeof parsed.Code === 'string' && parsed.Code !== '' ? parsed.Code : 'InvalidResponse';
    const text = parsed.ErrorMessage ?? parsed.Message;
    return refused(code, typeof text === 'string' ? text : '', requestId, httpStatus);
  } catch {
    return refused('InvalidResponse', `unreadable answer: ${body.slice(0, 120)}`, requestId, httpStatus);
  }
}

interface SdkFailure {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly statusCode?: unknown;
  readonly data?: { readonly RequestId?: unknown; readonly Message?: unknown; readonly statusCode?: unknown };
}

/** Turns what the SDK throws (gateway errors with HTTP 4xx/5xx, transport errors, timeouts) into a refusal. */
export function refusalOf(error: unknown): PubRefused {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SdkFailure;
  const status = typeof failure.statusCode === 'number' ? failure.statusCode : undefined;
  const requestId = typeof failure.data?.RequestId === 'string' ? failure.data.RequestId : '';
  if (failure.data !== undefined && typeof failure.code === 'string' && failure.code !== 'undefined') {
    const text = typeof failure.data.Message === 'string' ? failure.data.Message : String(failure.message);
    return refused(failure.code, text, requestId, status);
  }
  if (failure.name === 'RequestTimeoutError') return refused('RequestTimeout', String(failure.message), '', undefined);
  if (typeof failure.code === 'string' && /^E[A-Z_]+$/.test(failure.code)) {
    return refused(failure.code, String(failure.message), '', undefined);
  }
  if (failure.name === 'SyntaxError') return refused('InvalidResponse', 'unreadable error answer', requestId, status);
  return refused('InvalidResponse', String(failure.message ?? error), requestId, status);
}

function refused(code: string, message: string, requestId: string, httpStatus: number | undefined): PubRefused {
  return { ok: false, code, message, requestId, httpStatus };
}
