import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { ThrottledLog } from '../log/throttled-log.js';
import type { CampaignStore } from '../queue/campaign-store.js';
import { writeReport } from '../report/report.js';
import { basicAuth } from '../worker/queue-ui.js';
import type { QueueUiAuth } from '../worker/queue-ui-auth.js';
import { CsrfToken, loopbackHost, sameOrigin } from './access.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import type { ConsoleViews } from './campaign-summary.js';
import { ConsoleReader } from './console-reader.js';
import type { SafeHtml } from './html.js';
import { act, doneFlash, isAction } from './campaign-actions.js';
import { campaignLive, campaignRest } from './pages/campaign-page.js';
import { campaignHref, campaignsLive } from './pages/campaigns-page.js';
import { schedulesLive, workersLive } from './pages/fleet-pages.js';
import { page, type Flash, type PageParts } from './pages/layout.js';
import { RateSampler } from './rate-sampler.js';

export interface ConsoleOptions {
  readonly store: CampaignStore;
  readonly views: ConsoleViews;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Required beyond loopback (see consoleAuthFrom). */
  readonly auth: QueueUiAuth | undefined;
  /** No actions on the pages, and their POSTs refused. */
  readonly readOnly: boolean;
  readonly log: (line: string) => void;
}

export interface RunningConsole {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // `no-referrer` would make browsers send `Origin: null` with the action forms, which the origin check refuses.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const STATUS_BY_CODE: Readonly<Partial<Record<string, number>>> = {
  FC_CAMPAIGN_NOT_FOUND: 404,
  FC_BAD_USAGE: 409,
  FC_FILE_UNREADABLE: 409,
  FC_REDIS_UNREACHABLE: 503,
};

/** Serves the console: campaigns, one campaign with its actions, schedules, workers and the account cap. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { store, readOnly, log } = options;
  // A Redis outage would fail every poll and every request: one line a minute says so.
  const errors = new ThrottledLog(log);
  const rates = new RateSampler(store, { onError: (error) => errors.report('console counters', 'rate sampling', error) });
  const reader = new ConsoleReader(store, options.views, rates);
  const csrf = new CsrfToken();
  const app = express();
  app.disable('x-powered-by');
  app.use((_request, response, next) => {
    response.set(SECURITY_HEADERS);
    next();
  });
  if (options.auth !== undefined) app.use(basicAuth(options.auth));
  else {
    app.use((request, response, next) => {
      if (loopbackHost(request.get('host'))) return void next();
      response.status(403).type('text/plain').send('the console answers to 127.0.0.1 or localhost only (set FLEETCAST_UI_USER and FLEETCAST_UI_PASSWORD to serve it under another name)\n');
    });
  }

  app.get('/assets/console.css', (_request, response) => void response.type('text/css').send(CONSOLE_CSS));
  app.get('/assets/console.js', (_request, response) => void response.type('text/javascript').send(CONSOLE_JS));

  const send = (request: Request, response: Response, parts: Omit<PageParts, 'readOnly' | 'liveUrl'>, status = 200): void => {
    const liveUrl = `${request.path}?live=1`;
    response.status(status).type('html').send(request.query.live === undefined ? page({ ...parts, readOnly, liveUrl }) : parts.live.text);
  };

  app.get('/', async (request, response) => {
    send(request, response, { title: 'Campaigns', section: 'campaigns', live: campaignsLive(await reader.campaigns()) });
  });
  app.get('/schedules', async (request, response) => {
    send(request, response, { title: 'Schedules', section: 'schedules', live: schedulesLive(await reader.schedules()) });
  });
  app.get('/workers', async (request, response) => {
    send(request, response, { title: 'Workers and cap', section: 'workers', live: workersLive(await reader.workers(), Date.now()) });
  });

  const campaignPage = async (request: Request, response: Response, id: string, flash: Flash | undefined, status = 200): Promise<void> => {
    const detail = await reader.campaign(id);
    const live = campaignLive(detail, readOnly ? null : csrf.value, Date.now());
    const rest: SafeHtml | undefined = request.query.live === undefined ? campaignRest(id, await reader.file(id)) : undefined;
    send(request, response, { title: detail.summary.name, section: 'campaigns', live, rest, flash }, status);
  };

  app.get('/campaigns/:id', async (request, response) => {
    await campaignPage(request, response, request.params.id, doneFlash(request));
  });

  app.get('/campaigns/:id/report.csv', async (request, response) => {
    const id = request.params.id;
    const failedOnly = request.query['failed-only'] !== undefined;
    const dir = await mkdtemp(join(tmpdir(), 'fleetcast-console-'));
    const path = join(dir, 'report.csv');
    try {
      await writeReport(store, id, path, { failedOnly });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    response.download(path, `${id}.${failedOnly ? 'failed' : 'report'}.csv`, () => void rm(dir, { recursive: true, force: true }));
  });

  app.post('/campaigns/:id/:action', express.urlencoded({ extended: false, limit: '4kb' }), async (request, response) => {
    const { id, action } = request.params;
    if (readOnly) return void response.status(403).type('text/plain').send('the console is read-only (--read-only)\n');
    if (!isAction(action)) return void response.status(404).type('text/plain').send('no such action\n');
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!sameOrigin(request.get('origin'), request.get('host'), request.get('sec-fetch-site')) || !csrf.accepts(body.csrf)) {
      return void response.status(403).type('text/plain').send('the form is out of date or came from another site: reload the page and try again\n');
    }
    try {
      const rows = await act(store, id, action);
      log(`console: ${action} ${id}${rows === undefined ? '' : ` (${rows} rows)`}`);
      response.redirect(303, `${campaignHref(id)}?did=${action}${rows === undefined ? '' : `&rows=${rows}`}`);
    } catch (error) {
      if (!(error instanceof FleetcastError) || error.code === 'FC_CAMPAIGN_NOT_FOUND') throw error;
      await campaignPage(request, response, id, { kind: 'error', text: error.message }, STATUS_BY_CODE[error.code] ?? 500);
    }
  });

  app.get('/api/campaigns', async (_request, response) => {
    response.json({ campaigns: (await reader.campaigns()).map(({ summary, rateNow, limit }) => ({ ...summary, rateNow, limit })) });
  });
  app.get('/api/campaigns/:id', async (request, response) => {
    response.json(await reader.campaign(request.params.id));
  });

  app.use((_request: Request, response: Response) => void response.status(404).type('text/plain').send('not found\n'));
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const code = error instanceof FleetcastError ? error.code : 'FC_INTERNAL';
    if (code === 'FC_INTERNAL') errors.report('console request', `${request.method} ${request.path}`, error);
    response.status(STATUS_BY_CODE[code] ?? 500).type('text/plain').send(`${code}: ${error instanceof FleetcastError ? error.message : 'an internal error'}\n`);
  });

  const server = await listen(app, options.port, options.host);
  rates.start();
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: async () => {
      rates.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await reader.close();
    },
  };
}

async function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error === undefined ? resolve(server) : reject(error)));
  });
}
