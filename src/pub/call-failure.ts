import { redactCallText } from './redact.js';
import { UnreadableAnswerError } from './unreadable-answer.js';

/**
 * What fleetcast keeps of a failed call, and shows: the Code (the service's, or the network error's), one short
 * sentence in plain words that says what to check, and the service's RequestId and HTTP status when an answer came.
 * It never holds the request URL, its query, headers, signature, nonce, AccessKeyId or secret.
 */
export interface CallFailure {
  readonly code: string;
  readonly message: string;
  readonly requestId?: string;
  readonly httpStatus?: number;
}

/** What the words of a failure may name: the endpoint (its host only), the call timeout, and values never to show. */
export interface CallSetting {
  readonly endpoint?: URL;
  readonly timeoutMs?: number;
  /** The AccessKeyId and secret: removed from any text that passes through. */
  readonly secrets?: readonly string[];
}

const MAX_SERVICE_TEXT = 200;
const CHECK_ENDPOINT = 'check FLEETCAST_ENDPOINT';

/** Service codes whose fix lies with the worker's setup, and what to check. */
const HINT_BY_CODE: Readonly<Record<string, string>> = {
  SignatureDoesNotMatch: 'check the AccessKey secret (ALIBABA_CLOUD_ACCESS_KEY_SECRET)',
  IncompleteSignature: 'check the AccessKey secret (ALIBABA_CLOUD_ACCESS_KEY_SECRET)',
  InvalidSignatureMethod: 'check FLEETCAST_SIGNATURE',
  'InvalidAccessKeyId.NotFound': 'check the AccessKey id (ALIBABA_CLOUD_ACCESS_KEY_ID)',
  'InvalidAccessKeyId.Inactive': 'enable the AccessKey in the console, or use another (ALIBABA_CLOUD_ACCESS_KEY_ID)',
  'InvalidTimeStamp.Expired': "check the worker's clock (sync it with NTP)",
  'InvalidTimeStamp.Format': "check the worker's clock (sync it with NTP)",
  'InvalidApi.NotFound': `${CHECK_ENDPOINT} or ALIBABA_CLOUD_REGION_ID`,
  'iot.system.InstanceNotFound': 'check IOT_INSTANCE_ID or the IotInstanceId column',
  'iot.Sre.IotInstanceNotFound': 'check IOT_INSTANCE_ID or the IotInstanceId column',
  'iot.common.RamActionPermissionDeny': 'grant the RAM user iot:Pub',
  'Forbidden.RAM': 'grant the RAM user iot:Pub',
};

interface SdkFailure {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly statusCode?: unknown;
  readonly hostname?: unknown;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Turns whatever a call threw (service refusals with HTTP 4xx/5xx, network errors, timeouts, bodies that are not JSON). */
export function describeCallFailure(error: unknown, setting: CallSetting = {}): CallFailure {
  if (error instanceof UnreadableAnswerError) return unreadableAnswer(error.httpStatus, error.bodyLength, error.contentType, setting);
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SdkFailure;
  if (failure.data !== undefined && typeof failure.data === 'object') return gatewayRefusal(failure, setting);
  if (failure.name === 'RequestTimeoutError') return timeout(String(failure.message), setting);
  if (typeof failure.code === 'string' && /^(?:CERT_|ERR_TLS_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)[A-Z_]*$/.test(failure.code)) {
    // The code the retry table has always seen: node's own E… codes as they are, the others as InvalidResponse.
    const code = /^E[A-Z_]+$/.test(failure.code) ? failure.code : 'InvalidResponse';
    return { code, message: `the TLS certificate of ${hostOf(setting)} is not accepted (${failure.code}) — ${CHECK_ENDPOINT}` };
  }
  if (typeof failure.code === 'string' && /^E[A-Z_]+$/.test(failure.code)) return networkFailure(failure.code, failure, setting);
  if (failure.name === 'SyntaxError') return unreadableAnswer(undefined, 1, undefined, setting);
  const text = shortened(redactCallText(firstLine(failure.message ?? error), setting.secrets), 120);
  return { code: 'InvalidResponse', message: `the call to ${hostOf(setting)} failed: ${text || 'no reason given'}` };
}

/**
 * A refusal in the service's words: its Code, its own ErrorMessage (stripped of anything that looks like a signed
 * request) and, for codes the worker's setup must fix, what to check.
 */
export function serviceRefusal(code: string, text: string, requestId: string | undefined, httpStatus: number | undefined, setting: CallSetting = {}): CallFailure {
  const said = shortened(redactCallText(text, setting.secrets), MAX_SERVICE_TEXT);
  const hint = HINT_BY_CODE[code];
  const base = said === '' ? `the service refused the call without a message${httpStatus === undefined ? '' : ` (HTTP ${httpStatus})`}` : said;
  const message = hint === undefined ? base : `${base.replace(/[.\s]+$/, '')} — ${hint}`;
  return withAnswer({ code, message }, requestId, httpStatus);
}

/** An answer that is not what the API sends: an HTTP status with no body, or a body that is not JSON. */
export function unreadableAnswer(httpStatus: number | undefined, bodyLength: number, contentType: string | undefined, setting: CallSetting = {}): CallFailure {
  const status = httpStatus === undefined ? 'an answer' : `HTTP ${httpStatus}`;
  const type = contentType === undefined ? '' : /^[\w.+-]+\/[\w.+-]+/.exec(contentType)?.[0];
  const what = bodyLength === 0 ? `${status} without a body` : `${status} with a body that is not JSON${type ? ` (${type})` : ''}`;
  return withAnswer({ code: 'InvalidResponse', message: `${what} from ${hostOf(setting)} — ${CHECK_ENDPOINT}, or a proxy in between` }, undefined, httpStatus);
}

function gatewayRefusal(failure: SdkFailure, setting: CallSetting): CallFailure {
  const data = failure.data ?? {};
  const status = numberOf(data.statusCode) ?? numberOf(failure.statusCode);
  const requestId = stringOf(data.RequestId) ?? stringOf(data.requestId);
  const code = stringOf(failure.code) ?? stringOf(data.Code) ?? stringOf(data.code);
  if (code === undefined || code === 'undefined' || !isServiceCode(code)) {
    const message = `HTTP ${status ?? '?'} answer without a Code from ${hostOf(setting)} — ${CHECK_ENDPOINT}, or a proxy in between`;
    return withAnswer({ code: 'InvalidResponse', message }, requestId, status);
  }
  const text = stringOf(data.Message) ?? stringOf(data.message) ?? stringOf(data.ErrorMessage) ?? '';
  return serviceRefusal(code, text, requestId, status, setting);
}

/**
 * The SDK's connect timeout is the socket's idle timeout, so it also fires when a connected endpoint does not answer:
 * its two timeouts cannot tell a slow connect from a slow answer, and the message does not try to.
 */
function timeout(text: string, setting: CallSetting): CallFailure {
  const ms = setting.timeoutMs === undefined ? /Timeout(?:\(|:\s*)(\d+)/.exec(text)?.[1] : String(setting.timeoutMs);
  const within = ms === undefined ? 'in time' : `within ${ms} ms`;
  return { code: 'RequestTimeout', message: `no answer from ${hostOf(setting)} ${within} — check the network and FLEETCAST_ENDPOINT, or raise FLEETCAST_TIMEOUT_MS` };
}

function networkFailure(code: string, failure: SdkFailure, setting: CallSetting): CallFailure {
  const host = hostOf(setting);
  const name = setting.endpoint?.hostname ?? (typeof failure.hostname === 'string' ? failure.hostname : host);
  switch (code) {
    case 'ENOTFOUND':
      return { code, message: `cannot resolve ${name} — ${CHECK_ENDPOINT} or ALIBABA_CLOUD_REGION_ID` };
    case 'EAI_AGAIN':
      return { code, message: `cannot resolve ${name} for now (no answer from DNS) — check the worker's DNS and network` };
    case 'ECONNREFUSED':
      return { code, message: `${host} refused the connection — ${CHECK_ENDPOINT} (host and port)` };
    case 'ECONNRESET':
      return { code, message: `the connection to ${host} was reset before the answer came — check the network or a proxy in between` };
    case 'EPIPE':
    case 'ECONNABORTED':
      return { code, message: `the connection to ${host} was closed while sending — check the network or a proxy in between` };
    case 'ETIMEDOUT':
      return { code, message: `connecting to ${host} timed out — check the network and FLEETCAST_ENDPOINT` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code, message: `${host} cannot be reached from this worker — check the network route and FLEETCAST_ENDPOINT` };
    default:
      return { code, message: `network error talking to ${host} — check the network and FLEETCAST_ENDPOINT` };
  }
}

/** For `FLEETCAST_DEBUG`: the error's name and stack, each line stripped as the messages are. */
export function debugDetailOf(error: unknown, setting: CallSetting = {}): string {
  if (!(error instanceof Error)) return redactCallText(String(error), setting.secrets);
  const lines = (error.stack ?? `${error.name}: ${error.message}`).split('\n');
  return lines.map((line) => redactCallText(line, setting.secrets)).filter((line) => line !== '').join('\n    ');
}

/** A Code as the service writes them (it becomes a metrics label, so nothing else passes). */
export function isServiceCode(value: unknown): value is string {
  return typeof value === 'string' && /^[\w.:-]{1,100}$/.test(value);
}

/** Host and port of the endpoint, never more of its URL. */
function hostOf(setting: CallSetting): string {
  return setting.endpoint?.host || 'the endpoint';
}

function withAnswer(failure: CallFailure, requestId: string | undefined, httpStatus: number | undefined): CallFailure {
  return {
    ...failure,
    ...(requestId === undefined || !/^[\w-]{1,100}$/.test(requestId) ? {} : { requestId }),
    ...(httpStatus === undefined ? {} : { httpStatus }),
  };
}

function firstLine(value: unknown): string {
  return String(value).split('\n', 1)[0] ?? '';
}

function shortened(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
