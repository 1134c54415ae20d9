/**
 * Which failures are worth another attempt: one table, looked up by the service's Code (or a transport code).
 *
 * - `throttle`: the quota was full. Retried after a short pause; not a failure and not a counted retry.
 * - `transient`: the service or network failed this once. Retried with capped exponential backoff and jitter.
 * - `systemic`: nothing will succeed until someone acts (credentials, instance, account). Pauses the campaign.
 * - `permanent`: this row is wrong. Fails the row at once.
 */
export type RetryClass = 'throttle' | 'transient' | 'systemic' | 'permanent';

export const RETRY_CLASS_BY_CODE: Readonly<Record<string, RetryClass>> = {
  Throttling: 'throttle',
  'Throttling.User': 'throttle',
  'Throttling.Api': 'throttle',
  'iot.messagebroker.RateLimit': 'throttle',

  ServiceUnavailable: 'transient',
  InternalError: 'transient',
  'iot.system.SystemException': 'transient',
  'iot.messagebroker.PublishMessageException': 'transient',
  'iot.messagebroker.PublishMessageFailed': 'transient',
  'iot.messagebroker.TIMEOUT': 'transient',
  SignatureNonceUsed: 'transient',
  ECONNRESET: 'transient',
  ECONNREFUSED: 'transient',
  ECONNABORTED: 'transient',
  EPIPE: 'transient',
  ETIMEDOUT: 'transient',
  EHOSTUNREACH: 'transient',
  ENETUNREACH: 'transient',
  EAI_AGAIN: 'transient',
  RequestTimeout: 'transient',
  InvalidResponse: 'transient',

  SignatureDoesNotMatch: 'systemic',
  IncompleteSignature: 'systemic',
  'InvalidAccessKeyId.NotFound': 'systemic',
  'InvalidAccessKeyId.Inactive': 'systemic',
  'InvalidTimeStamp.Expired': 'systemic',
  'iot.system.InstanceNotFound': 'systemic',
  'iot.Sre.IotInstanceNotFound': 'systemic',
  'iot.system.UidNotFound': 'systemic',
  'Iot.system.BillIsOverDue': 'systemic',
  'iot.common.RamActionPermissionDeny': 'systemic',
  'Forbidden.RAM': 'systemic',
  'iot.common.APINotSupportedInInstance': 'systemic',
  'InvalidApi.NotFound': 'systemic',
  ENOTFOUND: 'systemic',
};

/**
 * What a failed row counts as for abort rules (`fleetcast submit --abort CLASS:PERCENT[:MIN]`), beside `failed`,
 * which every failed row counts as:
 * - `offline`: the device is not connected.
 * - `not-found`: the device or its product does not exist.
 * - `rejected`: any other permanent refusal of the row (topic, payload, permission).
 * - `exhausted`: the row failed after every transient retry (its last Code is a throttle or transient one).
 * Codes not named here take their class from the retry class: transient and throttle give `exhausted`, permanent
 * gives `rejected`; systemic refusals pause the campaign and count only as `failed`.
 */
export const FAILURE_CLASSES = ['offline', 'not-found', 'rejected', 'exhausted'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export const FAILURE_CLASS_BY_CODE: Readonly<Record<string, FailureClass>> = {
  'iot.messagebroker.OFFLINE': 'offline',
  'iot.messagebroker.HALFCONN': 'offline',
  'iot.device.NotExistedDevice': 'not-found',
  'iot.prod.NotExistedProduct': 'not-found',
};

/** The failure class of a failed row's last Code; undefined for a systemic one. */
export function failureClassOf(code: string): FailureClass | undefined {
  const named = FAILURE_CLASS_BY_CODE[code];
  if (named !== undefined) return named;
  const retryClass = RETRY_CLASS_BY_CODE[code] ?? 'permanent';
  if (retryClass === 'systemic') return undefined;
  return retryClass === 'permanent' ? 'rejected' : 'exhausted';
}

/**
 * Whether a refused `BatchPub` call was refused for what a row of it holds — the permanent refusals, which as a Pub
 * would fail that row as `offline`, `not-found` or `rejected` (an unknown device, a topic the product has not got, a
 * device offline) — rather than for the call as a whole (throttle, transient and systemic codes). The answer does not
 * say which row: BatchPub gives no result per device.
 */
export function refusesOneRow(code: string, httpStatus?: number): boolean {
  return retryClassOf(code, httpStatus) === 'permanent';
}

/** Every Code whose failure class is not `rejected` (the class of an unknown Code), with its class or '' (none). */
export function failureClassExceptions(): ReadonlyArray<readonly [string, FailureClass | '']> {
  const codes = new Set([...Object.keys(RETRY_CLASS_BY_CODE), ...Object.keys(FAILURE_CLASS_BY_CODE)]);
  const exceptions: Array<readonly [string, FailureClass | '']> = [];
  for (const code of codes) {
    const failureClass = failureClassOf(code) ?? '';
    if (failureClass !== 'rejected') exceptions.push([code, failureClass]);
  }
  return exceptions;
}

/** Backoff bounds in ms for the classes that are retried. */
export const BACKOFF_BOUNDS: Readonly<Record<'throttle' | 'transient', { readonly minMs: number; readonly maxMs: number }>> = {
  throttle: { minMs: 20, maxMs: 1000 },
  transient: { minMs: 200, maxMs: 5000 },
};

/** Attempts a row gets for transient failures inside one worker run, before its chunk is handed back to the queue. */
export const TRANSIENT_ATTEMPTS_PER_RUN = 5;

export function retryClassOf(code: string, httpStatus: number | undefined): RetryClass {
  const known = RETRY_CLASS_BY_CODE[code];
  if (known !== undefined) return known;
  if (httpStatus !== undefined && httpStatus >= 500) return 'transient';
  return 'permanent';
}

/** Capped exponential backoff with full jitter in the upper half: `attempt` counts from 1. */
export function backoffMs(retryClass: 'throttle' | 'transient', attempt: number, random: () => number = Math.random): number {
  const { minMs, maxMs } = BACKOFF_BOUNDS[retryClass];
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
