import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { describeCallFailure, serviceRefusal } from '../../src/pub/call-failure.js';
import { parseAnswer } from '../../src/pub/pub-client.js';
import { redactCallText } from '../../src/pub/redact.js';
import { retryClassOf } from '../../src/pub/retry-table.js';
import { UnreadableAnswerError } from '../../src/pub/unreadable-answer.js';

const AK = 'unit-key-0001';
const SECRET = 'unit-secret-9a8b7c';
const SETTING = { endpoint: new URL('https://iot.cn-shanghai.aliyuncs.com'), timeoutMs: 10_000, secrets: [AK, SECRET] };
const V1_TAIL =
  'POST https://iot.cn-shanghai.aliyuncs.com/?Action=Pub&Format=json&Version=2018-01-20&Timestamp=2026-12-04T21%3A54%3A10Z' +
  `&SignatureNonce=595cadf5bc1f55c8c2c62713236e4ee2&ProductKey=a1XX&TopicFullName=%2Fa1XX%2Fd%2Fuser%2Fx&Qos=0&AccessKeyId=${AK}` +
  '&Signature=az1gd7QE2phy7D%2FXFtBnimcg7r8%3D failed.';
const LEAKS = [AK, SECRET, 'Signature=', 'SignatureNonce', 'Signature%3D', 'Authorization', 'AccessKeyId=', '?', 'TopicFullName', 'a1XX'];

function expectClean(text: string): void {
  for (const leak of LEAKS) expect(text).not.toContain(leak);
  expect(text).not.toMatch(/\n/);
}

describe('errors a user reads', () => {
  it('a DNS failure says which host did not resolve and what to check, without the signed URL', () => {
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND iot.cn-shanghai.aliyuncs.com${V1_TAIL}`), { code: 'ENOTFOUND', hostname: 'iot.cn-shanghai.aliyuncs.com' });
    const failure = describeCallFailure(error, SETTING);
    expect(failure).toEqual({ code: 'ENOTFOUND', message: 'cannot resolve iot.cn-shanghai.aliyuncs.com — check FLEETCAST_ENDPOINT or ALIBABA_CLOUD_REGION_ID' });
    expectClean(`${failure.code}: ${failure.message}`);
  });

  it('network codes keep their code, so the retry table treats them as before', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'ENOTFOUND']) {
      const failure = describeCallFailure(Object.assign(new Error(`boom${V1_TAIL}`), { code }), SETTING);
      expect(failure.code).toBe(code);
      expect(failure.message).toContain('iot.cn-shanghai.aliyuncs.com');
      expect(failure.message).toMatch(/check /);
      expectClean(failure.message);
    }
    expect(retryClassOf('ECONNRESET', undefined)).toBe('transient');
    expect(retryClassOf('ENOTFOUND', undefined)).toBe('systemic');
  });

  it('a TLS certificate the worker does not accept says so, with the code the retry table has always seen', () => {
    const expired = describeCallFailure(Object.assign(new Error(`certificate has expired${V1_TAIL}`), { code: 'CERT_HAS_EXPIRED' }), SETTING);
    expect(expired).toEqual({
      code: 'InvalidResponse',
      message: 'the TLS certificate of iot.cn-shanghai.aliyuncs.com is not accepted (CERT_HAS_EXPIRED) — check FLEETCAST_ENDPOINT',
    });
    const altName = describeCallFailure(Object.assign(new Error(`Hostname/IP does not match${V1_TAIL}`), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), SETTING);
    expect(altName.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(altName.message).toContain('TLS certificate');
  });

  it('a timeout names the limit and FLEETCAST_TIMEOUT_MS', () => {
    const expected = {
      code: 'RequestTimeout',
      message: 'no answer from iot.cn-shanghai.aliyuncs.com within 10000 ms — check the network and FLEETCAST_ENDPOINT, or raise FLEETCAST_TIMEOUT_MS',
    };
    for (const text of [`ReadTimeout(10000). ${V1_TAIL}`, `ConnectTimeout: Connect ${V1_TAIL}`, 'ReadTimeout: 10000. POST /?Action=Pub failed.']) {
      expect(describeCallFailure(Object.assign(new Error(text), { name: 'RequestTimeoutError' }), SETTING)).toEqual(expected);
    }
    const unknownLimit = describeCallFailure(Object.assign(new Error(`ReadTimeout(700). ${V1_TAIL}`), { name: 'RequestTimeoutError' }), {});
    expect(unknownLimit.message).toBe('no answer from the endpoint within 700 ms — check the network and FLEETCAST_ENDPOINT, or raise FLEETCAST_TIMEOUT_MS');
  });

  it('a service refusal keeps its Code, its own message and RequestId, and says what to check for credentials and clock', () => {
    const error = Object.assign(new Error('SignatureDoesNotMatch: code: 400, Specified signature is not matched with our calculation.'), {
      code: 'SignatureDoesNotMatch',
      statusCode: 400,
      data: {
        RequestId: 'BB71E443-4447-4024-A000-EDE09922891E',
        Code: 'SignatureDoesNotMatch',
        Message: `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D${AK}%26Action%3DPub`,
        statusCode: 400,
      },
    });
    expect(describeCallFailure(error, SETTING)).toEqual({
      code: 'SignatureDoesNotMatch',
      message: 'Specified signature is not matched with our calculation — check the AccessKey secret (ALIBABA_CLOUD_ACCESS_KEY_SECRET)',
      requestId: 'BB71E443-4447-4024-A000-EDE09922891E',
      httpStatus: 400,
    });
    expect(serviceRefusal('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.', 'r', 400).message).toBe(
      "Specified time stamp or date value is expired — check the worker's clock (sync it with NTP)",
    );
    expect(serviceRefusal('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 'r', 404).message).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
    expect(serviceRefusal('iot.device.NotExistedDevice', 'The device does not exist.', 'r', 200).message).toBe('The device does not exist.');
  });

  it('an HTTP error without a body, or with one that is not JSON, says so with its status', () => {
    expect(describeCallFailure(new UnreadableAnswerError(502, undefined, 0), SETTING)).toEqual({
      code: 'InvalidResponse',
      message: 'HTTP 502 without a body from iot.cn-shanghai.aliyuncs.com — check FLEETCAST_ENDPOINT, or a proxy in between',
      httpStatus: 502,
    });
    expect(describeCallFailure(new UnreadableAnswerError(403, 'text/html; charset=utf-8', 40), SETTING).message).toBe(
      'HTTP 403 with a body that is not JSON (text/html) from iot.cn-shanghai.aliyuncs.com — check FLEETCAST_ENDPOINT, or a proxy in between',
    );
  });

  it('an answer whose Code is not a Code is an InvalidResponse, so no odd text becomes a metrics label', () => {
    const answer = parseAnswer(`{"Success":false,"Code":"x?AccessKeyId=${AK}","ErrorMessage":"no"}`, 200, SETTING);
    expect(answer).toMatchObject({ ok: false, code: 'InvalidResponse', httpStatus: 200 });
    expectClean(JSON.stringify(answer));
  });

  it('text from anywhere loses URLs with a query, signatures, nonces, Authorization and the configured key', () => {
    const v3 =
      'Authorization: ACS3-HMAC-SHA256 Credential=unit-key-0001,SignedHeaders=host;x-acs-action,Signature=06563a9e1b43 ' +
      'x-acs-signature-nonce: 3156853299f313e2 and http://10.0.0.1:8080/?ProductKey=a1XX&Qos=0 then ' +
      `${encodeURIComponent(SECRET)} and ${SECRET} and AccessKeyId%3D${AK}`;
    const clean = redactCallText(v3, [AK, SECRET]);
    expectClean(clean);
    expect(clean).toContain('http://10.0.0.1:8080');
    expect(redactCallText(`socket hang up${V1_TAIL}`)).toBe('socket hang up');
  });
});

describe('FLEETCAST_DEBUG', () => {
  it('is off unless set to 1, and any other value is named as bad configuration', () => {
    expect(loadConfig({}).debug).toBe(false);
    expect(loadConfig({ FLEETCAST_DEBUG: '1' }).debug).toBe(true);
    expect(loadConfig({ FLEETCAST_DEBUG: '0' }).debug).toBe(false);
    expect(() => loadConfig({ FLEETCAST_DEBUG: 'yes' })).toThrow(/FLEETCAST_DEBUG must be 1 or 0/);
  });
});
