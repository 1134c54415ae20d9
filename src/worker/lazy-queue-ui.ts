import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RedisClient } from '../redis/client.js';
import type { ErrorLog } from '../log/throttled-log.js';
import type { QueueUiAuth } from './queue-ui-auth.js';
import type { QueueUi } from './queue-ui.js';

/**
 * The queue UI, loaded and started on its first request: bull-board and Express took a third of a second of CPU
 * at every worker start, for a page few workers ever serve.
 */
export function lazyQueueUi(redis: RedisClient, prefix: string, auth: QueueUiAuth | undefined, log: (line: string) => void, errors: ErrorLog): QueueUi {
  let started: Promise<QueueUi> | undefined;
  let closed = false;
  const start = (): Promise<QueueUi> => {
    started ??= import('./queue-ui.js').then(({ startQueueUi }) => startQueueUi(redis, prefix, auth, log, errors));
    return started;
  };
  return {
    handle: (request: IncomingMessage, response: ServerResponse) => {
      if (closed) return void response.writeHead(503, { 'content-type': 'text/plain' }).end('the worker is stopping\n');
      start().then(
        (ui) => ui.handle(request, response),
        (error: unknown) => {
          log(`queue UI: ${error instanceof Error ? error.message : String(error)}`);
          response.writeHead(500, { 'content-type': 'text/plain' }).end('the queue UI did not start\n');
        },
      );
    },
    close: async () => {
      closed = true;
      await (await started?.catch(() => undefined))?.close();
    },
  };
}
