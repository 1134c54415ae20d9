/**
 * RFC 3986 percent-encoding as Alibaba Cloud signatures use it: UTF-8, unreserved characters
 * `A-Z a-z 0-9 - _ . ~` kept, everything else `%XX` with upper-case hex (space is `%20`, `*` is `%2A`).
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Compares names by UTF-16 code units, the order `Array.prototype.sort` gives and the SDK relies on. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
