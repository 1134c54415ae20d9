import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** A client response: `req` is the request it answers (still holding the socket when the body ends). */
type ClientResponse = IncomingMessage & { readonly req?: { readonly socket: Socket | null } };

interface Httpx {
  request(url: unknown, options: unknown): Promise<ClientResponse>;
  [patched]?: true;
}

const patched = Symbol('fleetcast.readTimerCleared');
const READ_TIMER_DESCRIPTION = 'TIMER::READ_TIMER';

/**
 * The SDK's transport (`httpx`, as `@alicloud/tea-typescript` loads it) arms a read timer per request and clears
 * it only when the body is read through `httpx.read`; the SDK reads bodies with `@alicloud/tea-util` instead.
 * Every request then stays reachable from its timer for the whole read timeout (10 s by default), and the heap
 * and its collection pauses grow until the worker misses its limiter tokens (figures: docs/BENCHMARKS.md,
 * "Figures behind the code"). This clears the timer once the answer has been read.
 */
export function clearReadTimersAfterAnswers(): void {
  const httpx = sdkHttpx();
  if (httpx[patched] === true) return;
  const request = httpx.request.bind(httpx);
  httpx.request = async (url, options) => {
    const response = await request(url, options);
    response.once('end', () => clearReadTimer(response.req?.socket ?? null));
    return response;
  };
  httpx[patched] = true;
}

function sdkHttpx(): Httpx {
  const fromHere = createRequire(import.meta.url);
  const tea = fromHere.resolve('@alicloud/tea-typescript');
  return createRequire(tea)('httpx') as Httpx;
}

let readTimerKey: symbol | undefined;

function clearReadTimer(socket: Socket | null): void {
  if (socket === null) return;
  readTimerKey ??= Object.getOwnPropertySymbols(socket).find((key) => key.description === READ_TIMER_DESCRIPTION);
  if (readTimerKey === undefined) return;
  const holder = socket as unknown as Record<symbol, NodeJS.Timeout | null | undefined>;
  clearTimeout(holder[readTimerKey] ?? undefined);
  holder[readTimerKey] = null;
}
