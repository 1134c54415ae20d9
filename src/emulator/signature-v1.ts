import { createHmac } from 'node:crypto';
import { byCodeUnit, percentEncode } from './percent-encode.js';

/** The canonicalized query string of signature V1: every parameter but `Signature`, encoded, sorted by name. */
export function canonicalizeV1(params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()].filter((name) => name !== 'Signature').sort(byCodeUnit);
  return names.map((name) => `${percentEncode(name)}=${percentEncode(params.get(name) ?? '')}`).join('&');
}

/** `METHOD&%2F&percentEncode(canonicalized query)`. */
export function stringToSignV1(method: string, params: ReadonlyMap<string, string>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalizeV1(params))}`;
}

/** Base64 HMAC-SHA1 keyed with `secret&` over the V1 string to sign. */
export function signV1(method: string, params: ReadonlyMap<string, string>, secret: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSignV1(method, params), 'utf8').digest('base64');
}
