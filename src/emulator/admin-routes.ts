import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallLog } from './call-log.js';
import { renderMetrics } from './metrics.js';

const CALLS_PAGE = 10_000;

/** The emulator's own endpoints: metrics, stats, the call record and reset. Returns false for other paths. */
export async function handleAdminRoute(
  req: IncomingMessage,
  res: ServerResponse,
  log: CallLog,
  onReset: () => void,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  switch (route) {
    case 'GET /metrics':
      sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', renderMetrics(log));
      return true;
    case 'GET /_emulator/stats':
      sendText(res, 200, 'application/json', JSON.stringify(log.summary()));
      return true;
    case 'GET /_emulator/calls':
      await streamCalls(res, log, readIndex(url, 'from', 0), readIndex(url, 'limit', Number.POSITIVE_INFINITY));
      return true;
    case 'POST /_emulator/reset':
      req.resume();
      onReset();
      sendText(res, 200, 'application/json', '{"reset":true}');
      return true;
    default:
      return false;
  }
}

function readIndex(url: URL, name: string, fallback: number): number {
  const value = Number(url.searchParams.get(name) ?? NaN);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}

function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes the records page by page so that millions of calls never sit in memory as one string. */
async function streamCalls(res: ServerResponse, log: CallLog, from: number, limit: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  const end = Math.min(log.recordedCount, from + limit);
  res.write('[');
  for (let index = from; index < end; index += CALLS_PAGE) {
    const page = log.calls(index, Math.min(CALLS_PAGE, end - index));
    const text = (index > from ? ',' : '') + page.map((record) => JSON.stringify(record)).join(',');
    if (!res.write(text)) await new Promise<void>((resolve) => res.once('drain', resolve));
  }
  res.end(']');
}
