import { describe, expect, it } from 'vitest';
import { newRequestId, RequestIdGenerator } from '../../src/emulator/message-id.js';
import { NonceCache } from '../../src/emulator/nonce-cache.js';
import { parseCallParams, parseForm } from '../../src/emulator/params.js';
import { percentEncode, percentEncodeTwice } from '../../src/emulator/percent-encode.js';
import { canonicalizeV1, stringToSignV1 } from '../../src/emulator/signature-v1.js';
import { parseAuthorizationV3 } from '../../src/emulator/signature-v3.js';

function viaUrlSearchParams(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) map.set(name, value);
  return map;
}

function viaParseForm(text: string): Map<string, string> {
  const map = new Map<string, string>();
  parseForm(text, map);
  return map;
}

describe('form parsing', () => {
  const samples = [
    '',
    'a=1',
    'a=1&b=2&a=3',
    'Timestamp=2024-01-01T00%3A00%3A00Z&TopicFullName=%2Fpk%2Fdev%2Fuser%2Fget',
    'k=v+1&plus=%2B&space=%20&star=*&bang=!&u=%C3%BC%E4%B8%AD',
    '&&a=&=b&c&d==e&',
    'bad=%E0%A4%A&pct=%&half=%4',
    'x=%zz&y=100%25',
  ];
  for (const sample of samples) {
    it(`decodes ${JSON.stringify(sample)} as URLSearchParams does`, () => {
      expect([...viaParseForm(sample)]).toEqual([...viaUrlSearchParams(sample)]);
    });
  }

  it('merges the form body over the query and keeps the query apart', () => {
    const params = parseCallParams('a=1&b=2', Buffer.from('b=3&c=4'), 'application/x-www-form-urlencoded; charset=UTF-8');
    expect([...params.query]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(Object.fromEntries(params.all)).toEqual({ a: '1', b: '3', c: '4' });
  });

  it('ignores a body that is not form-encoded', () => {
    const params = parseCallParams('a=1', Buffer.from('{"b":2}'), 'application/json');
    expect(Object.fromEntries(params.all)).toEqual({ a: '1' });
  });
});

describe('percent-encoding', () => {
  it('encodes twice like two passes of percentEncode', () => {
    for (const value of ['plain-._~', 'a b', '/pk/dev/user/get', 'ü*!()\'', '2024-01-01T00:00:00Z', 'a+b=c&d', '%41']) {
      expect(percentEncodeTwice(value)).toBe(percentEncode(percentEncode(value)));
    }
  });

  it('builds the V1 string to sign from the canonical query encoded once more', () => {
    const params = new Map([
      ['Zeta', 'z z'],
      ['alpha', '/a/b'],
      ['Alpha', 'ü*'],
      ['Signature', 'ignored'],
    ]);
    expect(stringToSignV1('post', params)).toBe(`POST&${percentEncode('/')}&${percentEncode(canonicalizeV1(params))}`);
  });
});

describe('V3 Authorization header', () => {
  it('reads Credential, SignedHeaders and Signature; a later duplicate wins', () => {
    expect(
      parseAuthorizationV3('ACS3-HMAC-SHA256 Credential=ak, SignedHeaders=host;x-acs-date ,Signature=old,Signature=abc'),
    ).toEqual({ accessKeyId: 'ak', signedHeaders: ['host', 'x-acs-date'], signature: 'abc' });
  });

  it('refuses other schemes and missing fields', () => {
    expect(parseAuthorizationV3('Bearer x')).toBeUndefined();
    expect(parseAuthorizationV3('ACS3-HMAC-SHA256 Credential=ak,Signature=abc')).toBeUndefined();
  });
});

describe('nonce cache', () => {
  it('refuses a nonce seen within the TTL and accepts it again after', () => {
    const cache = new NonceCache(1000, 100);
    expect(cache.remember('n1', 0)).toBe(true);
    expect(cache.remember('n1', 1000)).toBe(false);
    expect(cache.remember('n1', 1001)).toBe(true);
    expect(cache.remember('n1', 2000)).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('forgets expired nonces and keeps at most maxEntries (plus the newest)', () => {
    const cache = new NonceCache(10_000, 3);
    for (let i = 0; i < 10; i++) expect(cache.remember(`n${i}`, i)).toBe(true);
    expect(cache.size).toBe(4);
    expect(cache.remember('n9', 20)).toBe(false);
    expect(cache.remember('n0', 20)).toBe(true);
    const expiring = new NonceCache(100, 1_000_000);
    for (let i = 0; i < 10_000; i++) expiring.remember(`k${i}`, i);
    expect(expiring.size).toBe(101);
  });

  it('a nonce remembered again after expiry is not dropped by its older entry', () => {
    const cache = new NonceCache(10, 100);
    cache.remember('a', 0);
    cache.remember('a', 11);
    cache.remember('b', 15);
    expect(cache.remember('a', 16)).toBe(false);
  });
});

describe('RequestId', () => {
  it('is an upper-case version 4 UUID, unique per call', () => {
    const ids = new Set<string>();
    const generator = new RequestIdGenerator();
    for (let i = 0; i < 10_000; i++) ids.add(generator.next());
    expect(ids.size).toBe(10_000);
    for (const id of [...ids].slice(0, 50).concat(newRequestId())) {
      expect(id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    }
  });

  it('two generators do not share a prefix', () => {
    expect(new RequestIdGenerator().next().slice(0, 23)).not.toBe(new RequestIdGenerator().next().slice(0, 23));
  });
});
