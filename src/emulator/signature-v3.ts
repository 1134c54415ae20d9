import { createHash, createHmac, type KeyObject } from 'node:crypto';
import { percentEncode } from './percent-encode.js';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** SHA-256 of an empty body, the `x-acs-content-sha256` of a request without one. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** What the canonical request of signature V3 is built from. */
export interface V3RequestParts {
  method: string;
  /** `/` for RPC APIs. */
  path: string;
  /** Decoded query parameters. */
  query: ReadonlyMap<string, string>;
  /** Header values by lower-case name; only those named in `signedHeaders` are used. */
  headers: ReadonlyMap<string, string>;
  /** Lower-case header names, in any order. */
  signedHeaders: readonly string[];
  /** Lower-case hex SHA-256 of the body. */
  hashedPayload: string;
}

/** The parts of an `Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…` header. */
export interface V3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Names sorted by UTF-16 code units, the default order of `sort`. */
export function canonicalQueryV3(query: ReadonlyMap<string, string>): string {
  let out = '';
  for (const name of [...query.keys()].sort()) {
    if (out !== '') out += '&';
    out += `${percentEncode(name)}=${percentEncode(query.get(name) ?? '')}`;
  }
  return out;
}

function canonicalHeaderNames(signedHeaders: readonly string[]): string[] {
  const names = new Set<string>();
  for (const name of signedHeaders) names.add(name.toLowerCase());
  return [...names].sort();
}

export function canonicalRequestV3(parts: V3RequestParts): string {
  const names = canonicalHeaderNames(parts.signedHeaders);
  let headerLines = '';
  for (const name of names) headerLines += `${name}:${(parts.headers.get(name) ?? '').trim()}\n`;
  const query = canonicalQueryV3(parts.query);
  return `${parts.method.toUpperCase()}\n${parts.path}\n${query}\n${headerLines}\n${names.join(';')}\n${parts.hashedPayload}`;
}

export function stringToSignV3(parts: V3RequestParts): string {
  return `${V3_ALGORITHM}\n${sha256Hex(canonicalRequestV3(parts))}`;
}

/** Lower-case hex HMAC-SHA256 keyed with the secret itself (no `&`). */
export function signV3(parts: V3RequestParts, secret: string | KeyObject): string {
  return createHmac('sha256', secret).update(stringToSignV3(parts), 'utf8').digest('hex');
}

/** Parses an ACS3-HMAC-SHA256 Authorization header; undefined when it is not one or is malformed. */
export function parseAuthorizationV3(header: string): V3Authorization | undefined {
  const prefix = `${V3_ALGORITHM} `;
  if (!header.startsWith(prefix)) return undefined;
  let accessKeyId = '';
  let signedHeaders = '';
  let signature = '';
  for (const item of header.slice(prefix.length).split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (name === 'Credential') accessKeyId = value;
    else if (name === 'SignedHeaders') signedHeaders = value;
    else if (name === 'Signature') signature = value;
  }
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { accessKeyId, signedHeaders: signedHeaders.split(';').filter(Boolean), signature };
}
