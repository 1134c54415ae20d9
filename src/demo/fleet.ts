import { FleetConnection, type FleetCounters, type FleetDevice } from './fleet-connection.js';

export type { FleetDevice } from './fleet-connection.js';

/** A fleet of simulated devices connected to a broker, counting what they receive. */
export interface Fleet {
  /** Devices whose own message reached them: on their topic, with a payload addressed to them (each counted once). */
  readonly received: number;
  /** Messages beyond the first that reached a device (delivery is at least once). */
  readonly duplicates: number;
  /** Messages on a device's topic addressed to another device. */
  readonly misaddressed: number;
  /** MQTT connections the devices share. */
  readonly connections: number;
  /** Times a connection was opened again after a reset. */
  readonly reconnects: number;
  close(): Promise<void>;
}

export interface FleetOptions {
  readonly url: string;
  readonly devices: readonly FleetDevice[];
  /** Devices whose subscriptions share one MQTT connection. @defaultValue 2000 */
  readonly devicesPerConnection?: number;
  /** Connections opened at the same time; the rest wait, so the broker's listen backlog never overflows. @defaultValue 4 */
  readonly openAtOnce?: number;
  /** Prefix of the MQTT client ids, `<prefix>-<n>`; unique per run, so runs sharing a broker do not take over each other's sessions. */
  readonly clientIdPrefix: string;
  /** How long one connection may take to be connected and subscribed, retries included. @defaultValue 60000 */
  readonly readyTimeoutMs?: number;
  /** The payload every device must get, when the campaign sends one notice to all (`demo --pack`). */
  readonly sharedNotice?: string;
  /** Called as devices become subscribed. */
  readonly onProgress?: (subscribed: number, total: number, connections: number) => void;
  /** Called before each connection opens; throws to stop (a limit of the machine was reached). */
  readonly checkLimits?: (subscribed: number) => void;
}

/** Why a fleet could not be connected, with how far it got. */
export class FleetConnectError extends Error {
  override readonly name = 'FleetConnectError';
  override readonly cause: Error;
  constructor(
    cause: Error,
    readonly subscribed: number,
    readonly connections: number,
  ) {
    super(cause.message, { cause });
    this.cause = cause;
  }
}

/**
 * Connects the fleet: devices share connections of `devicesPerConnection` subscriptions each, opened a few at a
 * time; resolves once the broker confirmed every device's subscription (SUBACK), so no message of a campaign
 * started afterwards can miss its device.
 */
export async function connectFleet(options: FleetOptions): Promise<Fleet> {
  const perConnection = options.devicesPerConnection ?? 2000;
  const counters: FleetCounters = { received: 0, duplicates: 0, misaddressed: 0, subscribed: 0, reconnects: 0 };
  const connections: FleetConnection[] = [];
  const fleet: Fleet = {
    get received() {
      return counters.received;
    },
    get duplicates() {
      return counters.duplicates;
    },
    get misaddressed() {
      return counters.misaddressed;
    },
    get reconnects() {
      return counters.reconnects;
    },
    connections: Math.ceil(options.devices.length / perConnection),
    close: async () => {
      await Promise.all(connections.map((connection) => connection.close()));
    },
  };
  const groups: FleetDevice[][] = [];
  for (let start = 0; start < options.devices.length; start += perConnection) groups.push(options.devices.slice(start, start + perConnection));
  let next = 0;
  const report = (): void => options.onProgress?.(counters.subscribed, options.devices.length, connections.length);
  const ticker = setInterval(report, 250);
  const openNext = async (): Promise<void> => {
    while (next < groups.length) {
      const index = next++;
      options.checkLimits?.(counters.subscribed);
      const connection = new FleetConnection(options.url, `${options.clientIdPrefix}-${index + 1}`, groups[index] ?? [], counters, 5, options.sharedNotice);
      connections.push(connection);
      await readyWithin(connection, options.readyTimeoutMs ?? 60_000);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.openAtOnce ?? 4, groups.length) }, openNext));
    report();
    return fleet;
  } catch (error) {
    next = groups.length;
    const cause = error instanceof Error ? error : new Error(String(error));
    const failed = new FleetConnectError(cause, counters.subscribed, connections.length);
    await fleet.close();
    throw failed;
  } finally {
    clearInterval(ticker);
  }
}

async function readyWithin(connection: FleetConnection, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const last = connection.lastError;
      reject(new Error(`not connected and subscribed within ${timeoutMs / 1000} s${last ? ` (last error: ${last.message})` : ''}`));
    }, timeoutMs);
  });
  try {
    await Promise.race([connection.ready(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `done()` holds or `timeoutMs` passes. */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
