import type { Secret } from '../config/secret.js';
import type { PubMessage } from '../types/pub-message.js';
import { batchPubCall, batchPubRequest, type BatchPubMessage, type BatchPubResult } from './batch-pub.js';
import { debugDetailOf, describeCallFailure, isServiceCode, serviceRefusal, unreadableAnswer, type CallFailure, type CallSetting } from './call-failure.js';
import type { PubRefused, PubResult } from './pub-result.js';
import { clearReadTimersAfterAnswers } from './read-timer.js';
import { Config, IotClient, OpenApiRequest, Params, RuntimeOptions, type IotClientInstance } from './sdk.js';
import { keepStatusOfUnreadableAnswers } from './unreadable-answer.js';

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
  /** Told of every refused call, with the stack of what the SDK threw stripped of the request (for `FLEETCAST_DEBUG`). */
  readonly onFailure?: (refusal: PubRefused, detail: string) => void;
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
  readonly #batchPubParams: Params;
  readonly #runtime: RuntimeOptions;
  readonly #setting: CallSetting;
  readonly #onFailure: PubClientOptions['onFailure'];

  constructor(options: PubClientOptions) {
    clearReadTimersAfterAnswers();
    keepStatusOfUnreadableAnswers();
    this.#setting = {
      endpoint: options.endpoint,
      timeoutMs: options.timeoutMs,
      secrets: [options.accessKeyId, options.accessKeySecret.reveal()],
    };
    this.#onFailure = options.onFailure;
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
    this.#params = callParams('Pub');
    this.#batchPubParams = callParams('BatchPub');
    this.#runtime = new RuntimeOptions({ readTimeout: options.timeoutMs, connectTimeout: options.timeoutMs });
  }

  async pub(message: PubMessage): Promise<PubResult> {
    return this.#call(this.#params, new OpenApiRequest({ query: pubQuery(message), body: { MessageContent: message.messageContent } }), parseAnswer);
  }

  /** Sends one message to 1–100 devices of one product with `BatchPub`; refusals and failures read as for `pub`. */
  async batchPub(message: BatchPubMessage): Promise<BatchPubResult> {
    const { query, body } = batchPubCall(batchPubRequest(message));
    return this.#call(this.#batchPubParams, new OpenApiRequest({ query, body }), parseBatchPubAnswer);
  }

  /** One call, its answer read as raw text by `parse`; a failure to call reads as a refusal. */
  async #call<T extends PubResult | BatchPubResult>(params: Params, request: OpenApiRequest, parse: (body: string, httpStatus: number | undefined, setting: CallSetting) => T): Promise<T | PubRefused> {
    try {
      const response = (await this.#client.callApi(params, request, this.#runtime)) as { body?: unknown; statusCode?: number };
      const result = parse(typeof response.body === 'string' ? response.body : '', response.statusCode, this.#setting);
      if (!result.ok) this.#onFailure?.(result, `answered with HTTP ${response.statusCode ?? '?'}`);
      return result;
    } catch (error) {
      const refusal = refusalOf(error, this.#setting);
      // The detail costs a stack walk and redaction: only with a listener (FLEETCAST_DEBUG).
      if (this.#onFailure !== undefined) this.#onFailure(refusal, debugDetailOf(error, this.#setting));
      return refusal;
    }
  }
}

/** What the SDK's `…WithOptions` methods pass for an action, but with the answer kept as raw text. */
function callParams(action: 'Pub' | 'BatchPub'): Params {
  return new Params({
    action,
    version: '2018-01-20',
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'string',
  });
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
export function parseAnswer(body: string, httpStatus: number | undefined, setting: CallSetting = {}): PubResult {
  const requestId = REQUEST_ID.exec(body)?.[1] ?? '';
  if (SUCCESS_TRUE.test(body)) {
    const messageId = MESSAGE_ID.exec(body)?.[1];
    if (messageId !== undefined) return { ok: true, messageId, requestId };
    return refused({ code: 'InvalidResponse', message: `HTTP ${httpStatus ?? '?'} success without a MessageId`, requestId, ...status(httpStatus) });
  }
  let parsed: { Code?: unknown; ErrorMessage?: unknown; Message?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return refused(unreadableAnswer(httpStatus, body.length, undefined, setting));
  }
  const text = parsed.ErrorMessage ?? parsed.Message;
  if (!isServiceCode(parsed.Code)) {
    const message = `HTTP ${httpStatus ?? '?'} answer with neither Success nor a Code — check FLEETCAST_ENDPOINT, or a proxy in between`;
    return refused({ code: 'InvalidResponse', message, requestId, ...status(httpStatus) });
  }
  return refused(serviceRefusal(parsed.Code, typeof text === 'string' ? text : '', requestId, httpStatus, setting));
}

/** Reads an HTTP 2xx answer to BatchPub: success (no MessageId), or a business error read as for Pub. */
export function parseBatchPubAnswer(body: string, httpStatus: number | undefined, setting: CallSetting = {}): BatchPubResult {
  if (SUCCESS_TRUE.test(body)) return { ok: true, requestId: REQUEST_ID.exec(body)?.[1] ?? '' };
  return parseAnswer(body, httpStatus, setting);
}

/**
 * Turns what the SDK throws (gateway errors with HTTP 4xx/5xx, transport errors, timeouts) into a refusal whose
 * message is a short sentence without the signed request the SDK appends to its own error text.
 */
export function refusalOf(error: unknown, setting: CallSetting = {}): PubRefused {
  return refused(describeCallFailure(error, setting));
}

function refused(failure: CallFailure): PubRefused {
  return { ok: false, code: failure.code, message: failure.message, requestId: failure.requestId ?? '', httpStatus: failure.httpStatus };
}

function status(httpStatus: number | undefined): { httpStatus?: number } {
  return httpStatus === undefined ? {} : { httpStatus };
}
