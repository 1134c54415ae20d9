import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AccountQuotas, DeviceQuotas, DownlinkQuotas } from './account-quotas.js';
import { handleAdminRoute } from './admin-routes.js';
import { ApiHandler } from './api-handler.js';
import { createEmbeddedBroker, createExternalBroker, createNullBroker, type MessageBroker } from './broker.js';
import { CallLog, type EmulatorStats } from './call-log.js';
import { DeviceRegistry } from './device-registry.js';
import { gatewayError } from './error-codes.js';
import { FaultPlan } from './faults.js';
import { newRequestId } from './message-id.js';
import { resolveEmulatorOptions, type EmulatorOptions, type ResolvedEmulatorOptions } from './options.js';
import { renderError } from './responses.js';

/** An emulator whose HTTP server is built but not listening. */
export interface Emulator {
  /** The HTTP server; call `listen` on it, or use `startEmulator`. */
  readonly server: Server;
  readonly stats: EmulatorStats;
  /** URL devices connect to, when there is a broker. */
  readonly mqttUrl: string | undefined;
  readonly options: ResolvedEmulatorOptions;
  /** Stops the HTTP server (dropping open connections, hung calls included) and the broker. */
  close(): Promise<void>;
}

/** A listening emulator. */
export interface RunningEmulator {
  url: string;
  port: number;
  mqttUrl?: string;
  stats: EmulatorStats;
  close(): Promise<void>;
}

/** Builds the emulator and its broker (an embedded broker does listen on its MQTT port); the HTTP server does not listen. */
export async function createEmulator(options: EmulatorOptions = {}, httpHost = '127.0.0.1'): Promise<Emulator> {
  const resolved = resolveEmulatorOptions(options);
  const broker = await openBroker(resolved, httpHost);
  const startedAt = performance.now();
  const clock = (): number => performance.now() - startedAt;
  const log = new CallLog(resolved.recordCalls, resolved.maxRecordedCalls, clock);
  const quotas = new AccountQuotas(resolved);
  const deviceQuotas = new DeviceQuotas(resolved.deviceQps);
  const downlinkQuotas = new DownlinkQuotas(resolved.downlinkQps);
  const api = new ApiHandler({
    options: resolved,
    broker,
    log,
    faults: new FaultPlan(resolved.faults, resolved.latencyMs, resolved.seed),
    registry: resolved.devices ? new DeviceRegistry(resolved.devices) : undefined,
    quotas,
    deviceQuotas,
    downlinkQuotas,
    clock,
  });
  const onReset = (): void => {
    log.reset();
    quotas.clear();
    deviceQuotas.clear();
    downlinkQuotas.clear();
  };
  const server = createServer((req, res) => {
    route(req, res, api, log, onReset, resolved).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"Code":"InternalError"}');
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return {
    server,
    stats: log,
    mqttUrl: broker.url,
    options: resolved,
    close: async () => {
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.close();
    },
  };
}

/** Builds the emulator and listens (`port` 0, the default, picks a free port; host default 127.0.0.1). */
export async function startEmulator(
  options: EmulatorOptions & { port?: number; host?: string } = {},
): Promise<RunningEmulator> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const emulator = await createEmulator(rest, host);
  try {
    await new Promise<void>((resolve, reject) => {
      emulator.server.once('error', reject);
      emulator.server.listen(port, host, () => resolve());
    });
  } catch (error) {
    await emulator.close();
    throw error;
  }
  const bound = (emulator.server.address() as AddressInfo).port;
  const running: RunningEmulator = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    stats: emulator.stats,
    close: () => emulator.close(),
  };
  if (emulator.mqttUrl !== undefined) running.mqttUrl = emulator.mqttUrl;
  return running;
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  api: ApiHandler,
  log: CallLog,
  onReset: () => void,
  options: ResolvedEmulatorOptions,
): Promise<void> {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  if (path === '/') return api.handle(req, res);
  if (await handleAdminRoute(req, res, log, onReset)) return;
  req.resume();
  const answer = renderError(gatewayError('InvalidApi.NotFound'), {
    action: 'Error',
    requestId: newRequestId(),
    hostId: options.hostId,
    format: 'JSON',
  });
  res.writeHead(answer.status, { 'content-type': answer.contentType });
  res.end(answer.body);
}

function openBroker(options: ResolvedEmulatorOptions, httpHost: string): Promise<MessageBroker> {
  switch (options.mqtt.kind) {
    case 'none':
      return Promise.resolve(createNullBroker());
    case 'external':
      return createExternalBroker(options.mqtt.url);
    case 'embedded':
      return createEmbeddedBroker(options.mqtt.port, options.mqtt.host ?? httpHost);
  }
}
