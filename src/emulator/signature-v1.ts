import { createHmac, type KeyObject } from 'node:crypto';
import { percentEncode, percentEncodeTwice } from './percent-encode.js';

/** Parameter names but `Signature`, sorted by UTF-16 code units (the default order of `sort`). */
function signedNames(params: ReadonlyMap<string, string>): string[] {
  const names: string[] = [];
  for (const name of params.keys()) if (name !== 'Signature') names.push(name);
  return names.sort();
}

/** The canonicalized query string of signature V1: every parameter but `Signature`, encoded, sorted by name. */
export function canonicalizeV1(params: ReadonlyMap<string, string>): string {
  return signedNames(params)
    .map((name) => `${percentEncode(name)}=${percentEncode(params.get(name) ?? '')}`)
    .join('&');
}

/** `METHOD&%2F&percentEncode(canonicalized query)`. */
export function stringToSignV1(method: string, params: ReadonlyMap<string, string>): string {
  // The canonicalized query encoded a second time: `=` is `%3D`, `&` is `%26`, `%` is `%25`.
  let encoded = '';
  for (const name of signedNames(params)) {
    if (encoded !== '') encoded += '%26';
    encoded += `${percentEncodeTwice(name)}%3D${percentEncodeTwice(params.get(name) ?? '')}`;
  }
  return `${method.toUpperCase()}&%2F&${encoded}`;
}

/** Base64 HMAC-SHA1 keyed with `secret&` over the V1 string to sign; a prepared key is `secret&` already. */
export function signV1(method: string, params: ReadonlyMap<string, string>, secret: string | KeyObject): string {
  const key = typeof secret === 'string' ? `${secret}&` : secret;
  return createHmac('sha1', key).update(stringToSignV1(method, params), 'utf8').digest('base64');
}
