import { RETRY_CLASS_BY_CODE, failureClassOf, type FailureClass, type RetryClass } from '../pub/retry-table.js';

/** A failure Code with its class in the retry table and what to do about its rows (README, Troubleshooting by code). */
export interface FailureAdvice {
  readonly code: string;
  readonly rows: number;
  readonly retryClass: RetryClass;
  /** The abort class its rows count in; null for a systemic Code (it pauses the campaign and counts only as `failed`). */
  readonly failureClass: FailureClass | null;
  readonly todo: string;
}

/** Codes whose rows call for something more particular than their class says. */
const TODO_BY_CODE: Readonly<Record<string, string>> = {
  'iot.messagebroker.InvalidFormattedTopicName': 'fails the row; check the topic category in the console',
  'InvalidTimeStamp.Expired': "pauses the campaign; sync the worker's clock (NTP), then resume",
  ENOTFOUND: 'pauses the campaign; fix FLEETCAST_ENDPOINT / ALIBABA_CLOUD_REGION_ID, then resume',
  'iot.common.RamActionPermissionDeny': 'pauses the campaign; grant the RAM user iot:Pub, then resume',
  'Forbidden.RAM': 'pauses the campaign; grant the RAM user iot:Pub, then resume',
};

const TODO_BY_FAILURE_CLASS: Readonly<Record<FailureClass, string>> = {
  offline: 'the device is not connected; send again later with retry-failed or a failed-only report',
  'not-found': 'no such device or product in this instance; the failed-only report lists them',
  rejected: 'the row is wrong for the service; its ErrorMessage (in the report) says why: fix the file and submit the rows again',
  exhausted: 'still failing after every retry; check FLEETCAST_ENDPOINT and the network (or lower the cap when throttled), then retry-failed',
};

const SYSTEMIC_TODO = "pauses the campaign; fix the workers' setup (the ErrorMessage says what to check), restart them, then resume";

export function failureAdvice(code: string, rows: number): FailureAdvice {
  const retryClass = RETRY_CLASS_BY_CODE[code] ?? 'permanent';
  const failureClass = failureClassOf(code) ?? null;
  const todo = TODO_BY_CODE[code] ?? (failureClass === null ? SYSTEMIC_TODO : TODO_BY_FAILURE_CLASS[failureClass]);
  return { code, rows, retryClass, failureClass, todo };
}
