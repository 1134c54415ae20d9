const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;
const SUB_DELIMS = /[!'()*]/;
const SUB_DELIMS_ALL = /[!'()*]/g;

/**
 * RFC 3986 percent-encoding as Alibaba Cloud signatures use it: UTF-8, unreserved characters
 * `A-Z a-z 0-9 - _ . ~` kept, everything else `%XX` with upper-case hex (space is `%20`, `*` is `%2A`).
 */
export function percentEncode(value: string): string {
  if (UNRESERVED.test(value)) return value;
  const encoded = encodeURIComponent(value);
  return SUB_DELIMS.test(encoded)
    ? encoded.replace(SUB_DELIMS_ALL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : encoded;
}

/**
 * `percentEncode(percentEncode(value))`, cheaply: the inner result holds only unreserved characters
 * and `%XX`, so the outer pass only turns `%` into `%25`.
 */
export function percentEncodeTwice(value: string): string {
  const once = percentEncode(value);
  return once.includes('%') ? once.replaceAll('%', '%25') : once;
}
