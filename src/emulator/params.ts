import type { IncomingMessage } from 'node:http';
import { unescape } from 'node:querystring';

/** Parameters of one call: the query string and a form-encoded body, merged (body wins on a clash). */
export interface CallParams {
  query: Map<string, string>;
  all: Map<string, string>;
}

/** Largest request body read: a 256 KB payload in base64, form-encoded, with room to spare. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseCallParams(rawQuery: string, body: Buffer, contentType: string | undefined): CallParams {
  const query = new Map<string, string>();
  parseForm(rawQuery, query);
  if (body.length === 0 || !isFormContentType(contentType)) return { query, all: query };
  const all = new Map(query);
  parseForm(body.toString('utf8'), all);
  return { query, all };
}

/**
 * Adds the pairs of an `application/x-www-form-urlencoded` string to `into` (a later name wins), decoding
 * as `URLSearchParams` does: `+` is a space, `%XX` a UTF-8 byte, malformed escapes are kept as they are.
 */
export function parseForm(text: string, into: Map<string, string>): void {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      if (eq < 0 || eq > end) into.set(decodeFormPart(text.slice(start, end)), '');
      else into.set(decodeFormPart(text.slice(start, eq)), decodeFormPart(text.slice(eq + 1, end)));
    }
    start = end + 1;
  }
}

function decodeFormPart(part: string): string {
  const plain = part.includes('+') ? part.replaceAll('+', ' ') : part;
  if (!plain.includes('%')) return plain;
  try {
    return decodeURIComponent(plain);
  } catch {
    return unescape(plain);
  }
}

function isFormContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** Values of a repeat list `Name.1`, `Name.2`, … in index order; gaps are skipped. */
export function repeatList(params: ReadonlyMap<string, string>, name: string): string[] {
  const prefix = `${name}.`;
  const indexed: [number, string][] = [];
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const index = Number(key.slice(prefix.length));
    if (Number.isInteger(index) && index >= 1) indexed.push([index, value]);
  }
  return indexed.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** A list of objects `Name.N.Field`: one record per N, in index order. */
export function repeatRecords(params: ReadonlyMap<string, string>, name: string): Map<string, string>[] {
  const prefix = `${name}.`;
  const byIndex = new Map<number, Map<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    if (dot <= 0) continue;
    const index = Number(rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 1) continue;
    let record = byIndex.get(index);
    if (!record) byIndex.set(index, (record = new Map<string, string>()));
    record.set(rest.slice(dot + 1), value);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, record]) => record);
}
