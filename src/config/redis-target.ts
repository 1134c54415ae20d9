import { Secret } from './secret.js';

/** One Redis address given as `host:port` or `redis[s]://[user:pass@]host:port`. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: Secret | undefined;
  readonly tls: boolean;
}

/**
 * Where fleetcast's Redis is: one node (`REDIS_URL`), or the current primary that Sentinel names
 * (`REDIS_SENTINELS` with `REDIS_SENTINEL_NAME`), or a Redis Cluster (`REDIS_CLUSTER_NODES`).
 */
export type RedisTarget =
  | { readonly kind: 'node'; readonly url: string }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisAddress[];
      /** The master name the sentinels monitor. */
      readonly name: string;
      /** `REDIS_SENTINEL_PASSWORD`: the sentinels' own password (the primary's comes from the entries). */
      readonly sentinelPassword: Secret | undefined;
    }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisAddress[] };

type Env = Readonly<Record<string, string | undefined>>;

/** The three ways to name Redis; setting more than one is a configuration error. */
export const REDIS_TARGET_VARIABLES = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const;

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** The Redis target from the environment (and `--redis-url`), or the problems found with it. */
export function parseRedisTarget(env: Env, urlOverride: string | undefined, problems: string[]): RedisTarget {
  const url = urlOverride ?? nonEmpty(env.REDIS_URL);
  const clusterNodes = nonEmpty(env.REDIS_CLUSTER_NODES);
  const sentinels = nonEmpty(env.REDIS_SENTINELS);
  const given = [url && 'REDIS_URL (or --redis-url)', clusterNodes && 'REDIS_CLUSTER_NODES', sentinels && 'REDIS_SENTINELS'].filter((name) => typeof name === 'string');
  if (given.length > 1) {
    problems.push(`set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS (got ${given.join(', ')})`);
    return { kind: 'node', url: DEFAULT_URL };
  }
  if (clusterNodes !== undefined) return { kind: 'cluster', nodes: parseAddresses(clusterNodes, 'REDIS_CLUSTER_NODES', problems) };
  if (sentinels !== undefined) {
    const name = nonEmpty(env.REDIS_SENTINEL_NAME);
    if (name === undefined) problems.push('REDIS_SENTINELS needs REDIS_SENTINEL_NAME, the master name the sentinels monitor (e.g. mymaster)');
    const password = nonEmpty(env.REDIS_SENTINEL_PASSWORD);
    return {
      kind: 'sentinel',
      sentinels: parseAddresses(sentinels, 'REDIS_SENTINELS', problems),
      name: name ?? '',
      sentinelPassword: password === undefined ? undefined : new Secret(password),
    };
  }
  const node = url ?? DEFAULT_URL;
  if (!/^rediss?:\/\//.test(node)) problems.push(`REDIS_URL must start with redis:// or rediss:// (got ${redacted(node)})`);
  return { kind: 'node', url: node };
}

/** `host:port,redis://user:pass@host:port,…`, each entry checked. */
function parseAddresses(list: string, variable: string, problems: string[]): RedisAddress[] {
  const addresses: RedisAddress[] = [];
  for (const entry of list.split(',').map((item) => item.trim()).filter((item) => item !== '')) {
    const address = parseAddress(entry);
    if (address === undefined) problems.push(`${variable} entries must be host:port or redis[s]://[user:pass@]host:port (got ${redacted(entry)})`);
    else addresses.push(address);
  }
  if (addresses.length === 0 && problems.length === 0) problems.push(`${variable} names no address`);
  return addresses;
}

function parseAddress(entry: string): RedisAddress | undefined {
  const withScheme = /^rediss?:\/\//.test(entry) ? entry : `redis://${entry}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  const port = Number(url.port);
  if (url.hostname === '' || !Number.isInteger(port) || port < 1 || port > 65535 || (url.pathname !== '' && url.pathname !== '/')) return undefined;
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : new Secret(decodeURIComponent(url.password)),
    tls: url.protocol === 'rediss:',
  };
}

/** The target as a person reads it, without any password. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'node') return redacted(target.url);
  if (target.kind === 'cluster') return `Redis Cluster ${target.nodes.map(addressText).join(',')}`;
  return `Sentinel ${target.sentinels.map(addressText).join(',')} (master ${target.name})`;
}

function addressText(address: RedisAddress): string {
  return `${address.host}:${address.port}`;
}

export function redacted(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
