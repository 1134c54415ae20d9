import type { IncomingMessage } from 'node:http';

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
  const query = toMap(new URLSearchParams(rawQuery));
  const all = new Map(query);
  if (body.length > 0 && isFormContentType(contentType)) {
    for (const [name, value] of new URLSearchParams(body.toString('utf8'))) all.set(name, value);
  }
  return { query, all };
}

function isFormContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function toMap(search: URLSearchParams): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of search) map.set(name, value);
  return map;
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
