import { FleetcastError } from '../errors/fleetcast-error.js';

/** Where the queue UI is served on the worker's HTTP port. */
export const QUEUE_UI_PATH = '/queues';

/** Basic-auth credentials of the queue UI. */
export interface QueueUiAuth {
  readonly user: string;
  readonly password: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

/**
 * The UI's credentials from `FLEETCAST_UI_USER` / `FLEETCAST_UI_PASSWORD`. Required when the port is reachable
 * from other hosts (the bind address is not loopback); optional on loopback.
 */
export function queueUiAuthFrom(env: NodeJS.ProcessEnv, host: string): QueueUiAuth | undefined {
  const user = env.FLEETCAST_UI_USER ?? '';
  const password = env.FLEETCAST_UI_PASSWORD ?? '';
  if (user !== '' && password !== '') return { user, password };
  if (LOOPBACK.has(host)) return undefined;
  throw new FleetcastError(
    'FC_BAD_CONFIG',
    `the queue UI on ${host} is reachable from other hosts: set FLEETCAST_UI_USER and FLEETCAST_UI_PASSWORD, or bind --metrics-host 127.0.0.1`,
  );
}
