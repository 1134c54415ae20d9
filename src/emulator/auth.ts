import { createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { EmulatorAnswerError, gatewayError } from './error-codes.js';
import { NonceCache } from './nonce-cache.js';
import type { EmulatorAccessKey } from './options.js';
import type { CallParams } from './params.js';
import type { ResponseFormat } from './responses.js';
import { signV1 } from './signature-v1.js';
import { parseAuthorizationV3, sha256Hex, signV3, type V3Authorization } from './signature-v3.js';

/** How a call is signed and what it asks for, read before any check. */
export interface CallEnvelope {
  signing: 'V1' | 'V3';
  action: string;
  version: string;
  format: ResponseFormat;
  v3?: V3Authorization;
}

/** A call whose signature, timestamp and nonce passed. */
export interface AuthenticatedCall extends CallEnvelope {
  accessKeyId: string;
  accountId: string;
}

export interface SignedRequest {
  method: string;
  headers: IncomingHttpHeaders;
  params: CallParams;
  body: Buffer;
}

const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export function readEnvelope(request: SignedRequest): CallEnvelope {
  const authorization = header(request.headers, 'authorization');
  const formatParam = request.params.all.get('Format')?.toUpperCase();
  if (authorization !== undefined) {
    const v3 = parseAuthorizationV3(authorization);
    return {
      signing: 'V3',
      action: header(request.headers, 'x-acs-action') ?? request.params.all.get('Action') ?? '',
      version: header(request.headers, 'x-acs-version') ?? request.params.all.get('Version') ?? '',
      format: formatParam === 'XML' ? 'XML' : 'JSON',
      ...(v3 ? { v3 } : {}),
    };
  }
  return {
    signing: 'V1',
    action: request.params.all.get('Action') ?? '',
    version: request.params.all.get('Version') ?? '',
    // The API's default format is XML; the SDK always asks for JSON.
    format: formatParam === 'JSON' ? 'JSON' : 'XML',
  };
}

/** An access key with its HMAC keys imported once. */
interface PreparedKey {
  accessKeyId: string;
  accountId: string;
  /** `secret&`, the V1 key. */
  v1: KeyObject;
  /** The secret itself, the V3 key. */
  v3: KeyObject;
}

function prepareKey(key: Required<EmulatorAccessKey>): PreparedKey {
  return {
    accessKeyId: key.accessKeyId,
    accountId: key.accountId,
    v1: createSecretKey(Buffer.from(`${key.accessKeySecret}&`, 'utf8')),
    v3: createSecretKey(Buffer.from(key.accessKeySecret, 'utf8')),
  };
}

/** Checks signatures V1 and V3, the timestamp window and nonce reuse. Throws gateway errors. */
export class Authenticator {
  readonly #keys: Map<string, PreparedKey>;
  readonly #nonces: NonceCache;
  /** The last timestamp text parsed and its time: calls within a second carry the same text. */
  #lastTimestamp = '';
  #lastTime = NaN;

  readonly #toleranceMs: number;

  constructor(keys: readonly Required<EmulatorAccessKey>[], toleranceMs: number, nonceCacheSize: number) {
    this.#toleranceMs = toleranceMs;
    this.#keys = new Map(keys.map((key) => [key.accessKeyId, prepareKey(key)]));
    this.#nonces = new NonceCache(toleranceMs, nonceCacheSize);
  }

  authenticate(request: SignedRequest, envelope: CallEnvelope, now = Date.now()): AuthenticatedCall {
    const checked = envelope.signing === 'V3' ? this.#checkV3(request, envelope, now) : this.#checkV1(request, now);
    if (!this.#nonces.remember(`${checked.key.accessKeyId}\n${checked.nonce}`, now)) {
      throw new EmulatorAnswerError(gatewayError('SignatureNonceUsed'));
    }
    const call: AuthenticatedCall = {
      signing: envelope.signing,
      action: envelope.action,
      version: envelope.version,
      format: envelope.format,
      accessKeyId: checked.key.accessKeyId,
      accountId: checked.key.accountId,
    };
    if (envelope.v3) call.v3 = envelope.v3;
    return call;
  }

  #checkV1(request: SignedRequest, now: number): { key: PreparedKey; nonce: string } {
    const params = request.params.all;
    const signature = requireParam(params, 'Signature');
    const key = this.#findKey(requireParam(params, 'AccessKeyId'));
    const method = params.get('SignatureMethod');
    if (method !== 'HMAC-SHA1') throw new EmulatorAnswerError(gatewayError('InvalidSignatureMethod'));
    this.#checkTime(requireParam(params, 'Timestamp'), now);
    const nonce = requireParam(params, 'SignatureNonce');
    const expected = signV1(request.method, params, key.v1);
    if (!sameText(expected, signature)) throw new EmulatorAnswerError(gatewayError('SignatureDoesNotMatch'));
    return { key, nonce };
  }

  #checkV3(
    request: SignedRequest,
    envelope: CallEnvelope,
    now: number,
  ): { key: PreparedKey; nonce: string } {
    const auth = envelope.v3;
    if (!auth) throw new EmulatorAnswerError(gatewayError('IncompleteSignature'));
    const key = this.#findKey(auth.accessKeyId);
    const date = header(request.headers, 'x-acs-date');
    if (date === undefined) throw new EmulatorAnswerError(gatewayError('MissingParameter', 'x-acs-date is mandatory.'));
    this.#checkTime(date, now);
    const nonce = header(request.headers, 'x-acs-signature-nonce');
    if (!nonce) throw new EmulatorAnswerError(gatewayError('MissingParameter', 'x-acs-signature-nonce is mandatory.'));
    const hashedPayload = header(request.headers, 'x-acs-content-sha256') ?? '';
    if (hashedPayload !== sha256Hex(request.body)) {
      throw new EmulatorAnswerError(
        gatewayError('SignatureDoesNotMatch', 'x-acs-content-sha256 does not match the request body.'),
      );
    }
    const headers = new Map<string, string>();
    for (const name of auth.signedHeaders) headers.set(name.toLowerCase(), header(request.headers, name) ?? '');
    const expected = signV3(
      {
        method: request.method,
        path: '/',
        query: request.params.query,
        headers,
        signedHeaders: auth.signedHeaders,
        hashedPayload,
      },
      key.v3,
    );
    if (!sameText(expected, auth.signature)) throw new EmulatorAnswerError(gatewayError('SignatureDoesNotMatch'));
    return { key, nonce };
  }

  #findKey(accessKeyId: string): PreparedKey {
    const key = this.#keys.get(accessKeyId);
    if (!key) throw new EmulatorAnswerError(gatewayError('InvalidAccessKeyId.NotFound'));
    return key;
  }

  #checkTime(timestamp: string, now: number): void {
    if (timestamp !== this.#lastTimestamp) {
      this.#lastTime = TIMESTAMP_PATTERN.test(timestamp) ? Date.parse(timestamp) : NaN;
      this.#lastTimestamp = timestamp;
    }
    const time = this.#lastTime;
    if (Number.isNaN(time)) throw new EmulatorAnswerError(gatewayError('InvalidTimeStamp.Format'));
    if (Math.abs(now - time) > this.#toleranceMs) throw new EmulatorAnswerError(gatewayError('InvalidTimeStamp.Expired'));
  }
}

function requireParam(params: ReadonlyMap<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') {
    throw new EmulatorAnswerError(
      gatewayError('MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
    );
  }
  return value;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
