import { FleetcastError } from '../errors/fleetcast-error.js';
import { parseRedisTarget, type RedisTarget } from './redis-target.js';
import { Secret } from './secret.js';

/** Resolved configuration of one fleetcast process. Built once at start-up by {@link loadConfig}, then frozen. */
export interface FleetcastConfig {
  /**
   * Redis holding queues, campaigns and the shared limiter: env `REDIS_URL` (one node), or `REDIS_SENTINELS` with
   * `REDIS_SENTINEL_NAME` (the primary Sentinel names), or `REDIS_CLUSTER_NODES`; one of them.
   * @defaultValue one node at `redis://127.0.0.1:6379`
   */
  readonly redis: RedisTarget;
  /** Prefix of every Redis key fleetcast writes. Env `FLEETCAST_PREFIX`. @defaultValue `fleetcast` */
  readonly prefix: string;
  /** Env `ALIBABA_CLOUD_ACCESS_KEY_ID`. Needed by workers only. */
  readonly accessKeyId: string | undefined;
  /** Env `ALIBABA_CLOUD_ACCESS_KEY_SECRET`. Never printed, never stored in Redis. */
  readonly accessKeySecret: Secret | undefined;
  /** IoT Platform OpenAPI endpoint. Env `FLEETCAST_ENDPOINT`. @defaultValue `https://iot.${regionId}.aliyuncs.com` */
  readonly endpoint: URL;
  /** Env `ALIBABA_CLOUD_REGION_ID`. @defaultValue `cn-shanghai` */
  readonly regionId: string;
  /** Default `IotInstanceId` for rows that do not name one. Env `IOT_INSTANCE_ID`. */
  readonly iotInstanceId: string | undefined;
  /** Account cap in Pub calls per second, shared by every worker. Env `FLEETCAST_RATE`. @defaultValue 1600 */
  readonly rate: number;
  /**
   * Account cap in BatchPub calls per second (a quota of its own, used by `--pack`), seeding the shared value like
   * `rate`. Env `FLEETCAST_BATCHPUB_RATE`. @defaultValue 50
   */
  readonly batchPubRate: number;
  /**
   * With `--pack`: the share of packable rows sent by Pub anyway, so that both quotas work at once. `auto`:
   * rate ÷ (rate + 100 × batchPubRate), 24 % at the defaults. Env `FLEETCAST_PACK_PUB_SHARE`. @defaultValue auto
   */
  readonly packPubShare: 'auto' | number;
  /** Request signing: `v3` (ACS3-HMAC-SHA256, the SDK default) or `v1` (HMAC-SHA1). Env `FLEETCAST_SIGNATURE`. @defaultValue `v3` */
  readonly signature: 'v1' | 'v3';
  /** Per-call timeout in ms. Env `FLEETCAST_TIMEOUT_MS`. @defaultValue 10000 */
  readonly timeoutMs: number;
  /** A campaign pauses itself when more than this share of its final rows failed. Env `FLEETCAST_ABORT_FAILURE_RATIO`. @defaultValue 0.5 */
  readonly abortFailureRatio: number;
  /** ...once it has at least this many final rows (0: never). Env `FLEETCAST_ABORT_MIN_ROWS`. @defaultValue 100 */
  readonly abortMinimumRows: number;
  /** Lower the shared rate on throttling and probe back up (AIMD). Env `FLEETCAST_ADAPTIVE` (`on`/`off`). @defaultValue on */
  readonly adaptive: boolean;
  /**
   * Share of the cap kept unused for timing jitter: `auto` learns it from the endpoint's throttles (shared by every
   * worker of the account; needs `adaptive`), a number 0–0.2 fixes it. Env `FLEETCAST_GUARD`. @defaultValue auto
   */
  readonly guard: 'auto' | number;
  /** Workers print every failed call with its stack to stderr, stripped of the signed request. Env `FLEETCAST_DEBUG` (`1`/`0`). @defaultValue off */
  readonly debug: boolean;
}

export type ConfigOverrides = Partial<Record<'redisUrl' | 'prefix' | 'endpoint' | 'regionId' | 'iotInstanceId' | 'rate' | 'signature', string>>;

type Env = Readonly<Record<string, string | undefined>>;

const MAX_RATE = 100_000;

/** Reads the environment, applies flag overrides, checks every value, and names every bad one in a single error. */
export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}): FleetcastConfig {
  const problems: string[] = [];
  const pick = (key: keyof ConfigOverrides, envName: string): string | undefined =>
    nonEmpty(overrides[key]) ?? nonEmpty(env[envName]);

  const redis = parseRedisTarget(env, nonEmpty(overrides.redisUrl), problems);

  const prefix = pick('prefix', 'FLEETCAST_PREFIX') ?? 'fleetcast';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) problems.push(`FLEETCAST_PREFIX must be 1-64 of A-Z a-z 0-9 _ . - (got "${prefix}")`);

  const regionId = pick('regionId', 'ALIBABA_CLOUD_REGION_ID') ?? 'cn-shanghai';
  if (!/^[a-z0-9-]{2,40}$/.test(regionId)) problems.push(`ALIBABA_CLOUD_REGION_ID is not a region id (got "${regionId}")`);

  const endpoint = parseEndpoint(pick('endpoint', 'FLEETCAST_ENDPOINT') ?? `https://iot.${regionId}.aliyuncs.com`, problems);
  const rate = parseNumber(pick('rate', 'FLEETCAST_RATE') ?? '1600', 'FLEETCAST_RATE', 1, MAX_RATE, problems);
  const batchPubRate = parseNumber(nonEmpty(env.FLEETCAST_BATCHPUB_RATE) ?? '50', 'FLEETCAST_BATCHPUB_RATE', 1, MAX_RATE, problems);
  const packShareText = nonEmpty(env.FLEETCAST_PACK_PUB_SHARE) ?? 'auto';
  const packPubShare = packShareText === 'auto' ? 'auto' : Number(packShareText);
  if (packPubShare !== 'auto' && !(packPubShare >= 0 && packPubShare <= 1)) problems.push(`FLEETCAST_PACK_PUB_SHARE must be auto or a share from 0 to 1 (got "${packShareText}")`);
  const timeoutMs = parseNumber(nonEmpty(env.FLEETCAST_TIMEOUT_MS) ?? '10000', 'FLEETCAST_TIMEOUT_MS', 100, 600_000, problems);

  const abortFailureRatio = parseNumber(nonEmpty(env.FLEETCAST_ABORT_FAILURE_RATIO) ?? '0.5', 'FLEETCAST_ABORT_FAILURE_RATIO', 0, 1, problems);
  const abortMinimumRows = parseNumber(nonEmpty(env.FLEETCAST_ABORT_MIN_ROWS) ?? '100', 'FLEETCAST_ABORT_MIN_ROWS', 0, 1e12, problems);
  const adaptive = nonEmpty(env.FLEETCAST_ADAPTIVE) ?? 'on';
  if (adaptive !== 'on' && adaptive !== 'off') problems.push(`FLEETCAST_ADAPTIVE must be on or off (got "${adaptive}")`);

  const guardText = nonEmpty(env.FLEETCAST_GUARD) ?? 'auto';
  const guard = guardText === 'auto' ? 'auto' : Number(guardText);
  if (guard !== 'auto' && !(guard >= 0 && guard <= 0.2)) problems.push(`FLEETCAST_GUARD must be auto or a share from 0 to 0.2 (got "${guardText}")`);

  const debug = nonEmpty(env.FLEETCAST_DEBUG) ?? '0';
  if (debug !== '0' && debug !== '1') problems.push(`FLEETCAST_DEBUG must be 1 or 0 (got "${debug}")`);

  const signature = pick('signature', 'FLEETCAST_SIGNATURE') ?? 'v3';
  if (signature !== 'v1' && signature !== 'v3') problems.push(`FLEETCAST_SIGNATURE must be v1 or v3 (got "${signature}")`);

  const accessKeyId = nonEmpty(env.ALIBABA_CLOUD_ACCESS_KEY_ID);
  const secretValue = nonEmpty(env.ALIBABA_CLOUD_ACCESS_KEY_SECRET);
  if (accessKeyId !== undefined && !/^[A-Za-z0-9_.-]{1,128}$/.test(accessKeyId)) {
    problems.push('ALIBABA_CLOUD_ACCESS_KEY_ID holds characters an AccessKey id never has');
  }
  if ((accessKeyId === undefined) !== (secretValue === undefined)) {
    problems.push('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set together');
  }

  if (problems.length > 0) {
    throw new FleetcastError('FC_BAD_CONFIG', `invalid configuration: ${problems.join('; ')}`, { details: problems });
  }
  return Object.freeze({
    redis,
    prefix,
    accessKeyId,
    accessKeySecret: secretValue === undefined ? undefined : new Secret(secretValue),
    endpoint: endpoint ?? new URL('https://invalid'),
    regionId,
    iotInstanceId: pick('iotInstanceId', 'IOT_INSTANCE_ID'),
    rate,
    batchPubRate,
    packPubShare,
    signature: signature === 'v1' ? 'v1' : 'v3',
    timeoutMs,
    abortFailureRatio,
    abortMinimumRows,
    adaptive: adaptive !== 'off',
    guard,
    debug: debug === '1',
  });
}

/** The credentials a worker needs; fails with one clear message when they are missing. */
export function requireCredentials(config: FleetcastConfig): { accessKeyId: string; accessKeySecret: Secret } {
  if (config.accessKeyId === undefined || config.accessKeySecret === undefined) {
    throw new FleetcastError(
      'FC_BAD_CONFIG',
      'invalid configuration: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set for a worker',
    );
  }
  return { accessKeyId: config.accessKeyId, accessKeySecret: config.accessKeySecret };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseEndpoint(text: string, problems: string[]): URL | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    if (url.pathname !== '/' || url.search !== '' || url.username !== '') throw new Error('extra parts');
    return url;
  } catch {
    problems.push(`FLEETCAST_ENDPOINT must be an http:// or https:// URL with only a host and port (got "${text}")`);
    return undefined;
  }
}

function parseNumber(text: string, name: string, min: number, max: number, problems: string[]): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    problems.push(`${name} must be a number from ${min} to ${max} (got "${text}")`);
    return Math.max(min, 1);
  }
  return value;
}

/** A Redis URL may carry a password: show it without one. */
