import { describe, expect, it } from 'vitest';
import { BACKOFF_BOUNDS, RETRY_CLASS_BY_CODE, backoffMs, retryClassOf } from '../../src/pub/retry-table.js';

describe('retry table', () => {
  it.each([
    ['Throttling', 400, 'throttle'],
    ['Throttling.User', 400, 'throttle'],
    ['Throttling.Api', 400, 'throttle'],
    ['iot.messagebroker.RateLimit', 200, 'throttle'],
    ['ServiceUnavailable', 503, 'transient'],
    ['InternalError', 500, 'transient'],
    ['iot.system.SystemException', 200, 'transient'],
    ['ECONNRESET', undefined, 'transient'],
    ['RequestTimeout', undefined, 'transient'],
    ['SignatureDoesNotMatch', 400, 'systemic'],
    ['InvalidAccessKeyId.NotFound', 404, 'systemic'],
    ['iot.system.InstanceNotFound', 200, 'systemic'],
    ['iot.messagebroker.InvalidFormattedTopicName', 200, 'permanent'],
    ['iot.messagebroker.MessageContentIsNotBase64Encode', 200, 'permanent'],
    ['SomethingNew', 502, 'transient'],
    ['SomethingNew', 400, 'permanent'],
  ] as const)('%s (HTTP %s) is %s', (code, status, expected) => {
    expect(retryClassOf(code, status)).toBe(expected);
  });

  it('lists every throttling and transient code of the delivery contract', () => {
    for (const code of ['Throttling', 'Throttling.User', 'Throttling.Api', 'iot.messagebroker.RateLimit']) expect(RETRY_CLASS_BY_CODE[code]).toBe('throttle');
    for (const code of ['ServiceUnavailable', 'InternalError', 'iot.system.SystemException']) expect(RETRY_CLASS_BY_CODE[code]).toBe('transient');
  });

  it('backs off exponentially with jitter in the upper half, capped', () => {
    const { minMs, maxMs } = BACKOFF_BOUNDS.transient;
    expect(backoffMs('transient', 1, () => 0)).toBe(minMs / 2);
    expect(backoffMs('transient', 1, () => 1)).toBe(minMs);
    expect(backoffMs('transient', 3, () => 1)).toBe(minMs * 4);
    expect(backoffMs('transient', 30, () => 1)).toBe(maxMs);
    expect(backoffMs('transient', 30, () => 0)).toBe(maxMs / 2);
  });
});
