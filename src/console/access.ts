import { randomBytes, timingSafeEqual } from 'node:crypto';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { queueUiAuthFrom, type QueueUiAuth } from '../worker/queue-ui-auth.js';

/**
 * The console's credentials: the queue UI's rule (`FLEETCAST_UI_USER` / `FLEETCAST_UI_PASSWORD`, required when
 * the bind address is not loopback), with the console's own flag in the message.
 */
export function consoleAuthFrom(env: NodeJS.ProcessEnv, host: string): QueueUiAuth | undefined {
  try {
    return queueUiAuthFrom(env, host);
  } catch (error) {
    if (!(error instanceof FleetcastError)) throw error;
    throw new FleetcastError(
      'FC_BAD_CONFIG',
      `the console on ${host} is reachable from other hosts: set FLEETCAST_UI_USER and FLEETCAST_UI_PASSWORD, or bind --host 127.0.0.1`,
      { cause: error },
    );
  }
}

/**
 * One token per console process, put in every action's form: another site can make a browser send a POST, but
 * cannot read the page, so it cannot know the token.
 */
export class CsrfToken {
  readonly value = randomBytes(24).toString('base64url');

  accepts(given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const expected = Buffer.from(this.value);
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

/** Whether a request comes from the console's own pages, as far as the browser says (Sec-Fetch-Site, Origin). */
export function sameOrigin(origin: string | undefined, host: string | undefined, fetchSite: string | undefined): boolean {
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return false;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether a request without credentials names the console by a loopback name: a page of another site whose name
 * was made to resolve to 127.0.0.1 (DNS rebinding) would send its own name as Host, and is refused.
 */
export function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return LOOPBACK_NAMES.has(name ?? '');
}
