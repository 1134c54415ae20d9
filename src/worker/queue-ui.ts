import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import { duplicateClient, type RedisClient } from '../redis/client.js';
import { processErrorLog, type ErrorLog } from '../log/throttled-log.js';
import { activeCampaignsKey } from '../queue/keys.js';
import { campaignQueue } from '../queue/queues.js';
import { QUEUE_UI_PATH, type QueueUiAuth } from './queue-ui-auth.js';

/** The queue UI (bull-board, read-only) of the active campaigns' queues. */
export interface QueueUi {
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void;
  close(): Promise<void>;
}

const REFRESH_MS = 3_000;

export async function startQueueUi(
  redis: RedisClient,
  prefix: string,
  auth: QueueUiAuth | undefined,
  log: (line: string) => void,
  errors: ErrorLog = processErrorLog,
): Promise<QueueUi> {
  const connection = duplicateClient(redis);
  connection.on('error', (error) => errors.report('redis connection', 'queue UI', error));
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_UI_PATH);
  // @bull-board/express 9.10.1 declares its adapter against its own copy of @bull-board/api; the shape is the same.
  const board = createBullBoard({ queues: [], serverAdapter: serverAdapter as unknown as IServerAdapter, options: { uiConfig: { boardTitle: 'fleetcast' } } });
  const queues = new Map<string, Queue>();
  const refresh = async (): Promise<void> => {
    const active = new Set(await connection.smembers(activeCampaignsKey(prefix)));
    if (active.size === queues.size && [...active].every((id) => queues.has(id))) return;
    // A queue that fails to close is dropped all the same; the UI no longer shows it.
    for (const [id, queue] of queues) if (!active.has(id)) void queue.close().catch(() => undefined);
    for (const id of queues.keys()) if (!active.has(id)) queues.delete(id);
    for (const id of [...active].sort()) if (!queues.has(id)) queues.set(id, campaignQueue(connection, prefix, id));
    board.replaceQueues([...queues.values()].map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })));
  };
  const onError = (error: unknown): void => log(`queue UI: ${error instanceof Error ? error.message : String(error)}`);
  await refresh().catch(onError);
  const timer = setInterval(() => void refresh().catch(onError), REFRESH_MS);
  const app = express();
  app.disable('x-powered-by');
  if (auth !== undefined) app.use(basicAuth(auth));
  app.use(QUEUE_UI_PATH, serverAdapter.getRouter() as express.Router);
  return {
    handle: (request, response) => void app(request, response),
    close: async () => {
      clearInterval(timer);
      // Shutting down: the shared connection is closed next, whatever a queue answers.
      await Promise.all([...queues.values()].map((queue) => queue.close().catch(() => undefined)));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

export function basicAuth(auth: QueueUiAuth) {
  const expected = digest(`${auth.user}:${auth.password}`);
  return (request: Request, response: Response, next: NextFunction): void => {
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
    if (timingSafeEqual(digest(given), expected)) {
      next();
      return;
    }
    response.set('WWW-Authenticate', 'Basic realm="fleetcast queues", charset="UTF-8"').status(401).type('text/plain').send('authentication required\n');
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
