import { FleetcastError } from '../errors/fleetcast-error.js';
import type { DeviceFaultShares, FaultShares } from './faults.js';

/** An AccessKey the emulator accepts. Keys with the same `accountId` share one quota (RAM users of one account). */
export interface EmulatorAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** Account the key belongs to. Default: the AccessKeyId itself, so each key is its own account. */
  accountId?: string;
}

/** A device known to the registry. */
export interface DeviceIdentity {
  ProductKey: string;
  DeviceName: string;
}

/** Options of the emulator. Every field is optional; defaults are given per field. */
export interface EmulatorOptions {
  /** Accepted AccessKeys. Default: one key `testid` / `testsecret`. */
  accessKeys?: readonly EmulatorAccessKey[];
  /** Pub calls per second per account (strict sliding second). Default 1600. */
  qps?: number;
  /** BatchPub calls per second per account. Default 50. */
  batchPubQps?: number;
  /** PubBroadcast calls per second per account, for broadcasts to a topic. Default 1. Without a topic: 1 per minute. */
  pubBroadcastQps?: number;
  /** Messages per second per device (`iot.messagebroker.RateLimit` over it); 0 turns the check off. Default 0. */
  deviceQps?: number;
  /**
   * Messages to devices per second per account, over Pub, BatchPub and PubBroadcast together (strict sliding
   * second); 0 turns the check off. Default 0. A Pub counts one message, a BatchPub one per listed device, a
   * PubBroadcast one per message it puts on the broker (one for a topic broadcast, one per registered device
   * without a topic). A call whose messages do not all fit is refused whole with `iot.messagebroker.RateLimit`
   * and delivers nothing; it still counts toward its API's call quota, which is checked first, as for `deviceQps`.
   * The cloud documents an account-wide cloud-to-device rate of 2,000 messages/s (limits page, 2019).
   */
  downlinkQps?: number;
  /** Device registry: when given, unknown products and devices are refused. Default: none, every device exists. */
  devices?: readonly DeviceIdentity[];
  /** When set, calls must carry this IotInstanceId. Default: none, any or no IotInstanceId is accepted. */
  instanceId?: string;
  /** Broker for delivery: `false` for none, a URL (`mqtt://host:port`) for an external MQTT 5 broker. Default: embedded. */
  mqtt?: false | string;
  /** Port of the embedded broker; 0 picks a free port. Default 0. Ignored unless the broker is embedded. */
  mqttPort?: number;
  /** Host the embedded broker listens on. Default: the HTTP host, else 127.0.0.1. */
  mqttHost?: string;
  /** Share of calls (0..1) answered with `Throttling.User` regardless of quota. Default 0. */
  faultThrottle?: number;
  /** Share of calls answered with HTTP 503 `ServiceUnavailable`. Default 0. */
  faultUnavailable?: number;
  /** Share of calls answered with the business error `iot.system.SystemException`. Default 0. */
  faultSystem?: number;
  /** Share of calls whose socket is destroyed instead of answered, after the call was processed and delivered. Default 0. */
  faultReset?: number;
  /** Share of calls never answered; the socket stays open until the client gives up. Default 0. */
  faultHang?: number;
  /** Share of calls answered with HTTP `faultStatus` and no body. Default 0. */
  faultEmpty?: number;
  /** Share of calls answered with HTTP `faultStatus` and an HTML page instead of JSON. Default 0. */
  faultNotJson?: number;
  /** Share of devices (0..1) answered `iot.messagebroker.OFFLINE` on every call; a hash of ProductKey and DeviceName picks them. Default 0. */
  faultOffline?: number;
  /** Share of devices (0..1) answered `iot.device.NotExistedDevice` on every call, picked like `faultOffline`. Default 0. */
  faultNotFound?: number;
  /** HTTP status (400-599) of the `faultEmpty` and `faultNotJson` answers. Default 502. */
  faultStatus?: number;
  /** Mean latency added before answering, uniform between 0.5x and 1.5x. Default 0. */
  latencyMs?: number;
  /** Seed of the fault and latency draws. Default: random. */
  seed?: number;
  /** Emit MessageId as a JSON string instead of a bare number. Default false. */
  quoteMessageId?: boolean;
  /** Keep a record of every call (`/_emulator/calls`). Default true. */
  recordCalls?: boolean;
  /** Most call records kept; later calls are counted but not recorded. Default 2,000,000. */
  maxRecordedCalls?: number;
  /** Allowed distance between the request's timestamp and the clock. Default 900,000 (15 minutes). */
  timestampToleranceMs?: number;
  /** Most signature nonces remembered (each for the timestamp tolerance). Default 1,000,000. */
  nonceCacheSize?: number;
  /** HostId in gateway errors. Default `iot.cn-shanghai.aliyuncs.com`. */
  hostId?: string;
}

/** Options after defaults and validation. */
export interface ResolvedEmulatorOptions {
  accessKeys: readonly Required<EmulatorAccessKey>[];
  qps: number;
  batchPubQps: number;
  pubBroadcastQps: number;
  deviceQps: number;
  downlinkQps: number;
  devices: readonly DeviceIdentity[] | undefined;
  instanceId: string | undefined;
  mqtt: { kind: 'embedded'; port: number; host: string | undefined } | { kind: 'external'; url: string } | { kind: 'none' };
  faults: FaultShares;
  deviceFaults: DeviceFaultShares;
  faultStatus: number;
  latencyMs: number;
  seed: number;
  quoteMessageId: boolean;
  recordCalls: boolean;
  maxRecordedCalls: number;
  timestampToleranceMs: number;
  nonceCacheSize: number;
  hostId: string;
}

export const DEFAULT_ACCESS_KEY: Required<EmulatorAccessKey> = {
  accessKeyId: 'testid',
  accessKeySecret: 'testsecret',
  accountId: 'testid',
};

/** Applies defaults and checks every value; throws one `FC_BAD_CONFIG` error naming every bad value. */
export function resolveEmulatorOptions(input: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const problems: string[] = [];
  const count = (name: string, value: number | undefined, fallback: number, min: number): number =>
    checkInteger(problems, name, value, fallback, min);
  const share = (name: string, value: number | undefined): number => checkShare(problems, name, value);

  const faults: FaultShares = {
    throttle: share('faultThrottle', input.faultThrottle),
    unavailable: share('faultUnavailable', input.faultUnavailable),
    system: share('faultSystem', input.faultSystem),
    reset: share('faultReset', input.faultReset),
    hang: share('faultHang', input.faultHang),
    empty: share('faultEmpty', input.faultEmpty),
    notJson: share('faultNotJson', input.faultNotJson),
  };
  const shareSum = Object.values(faults).reduce((sum, v) => sum + v, 0);
  if (shareSum > 1) problems.push(`fault shares add up to ${shareSum}, more than 1`);
  const deviceFaults: DeviceFaultShares = {
    offline: share('faultOffline', input.faultOffline),
    notFound: share('faultNotFound', input.faultNotFound),
  };
  if (deviceFaults.offline + deviceFaults.notFound > 1) {
    problems.push(`faultOffline and faultNotFound add up to ${deviceFaults.offline + deviceFaults.notFound}, more than 1`);
  }

  const resolved: ResolvedEmulatorOptions = {
    accessKeys: resolveAccessKeys(problems, input.accessKeys),
    qps: count('qps', input.qps, 1600, 1),
    batchPubQps: count('batchPubQps', input.batchPubQps, 50, 1),
    pubBroadcastQps: count('pubBroadcastQps', input.pubBroadcastQps, 1, 1),
    deviceQps: count('deviceQps', input.deviceQps, 0, 0),
    downlinkQps: count('downlinkQps', input.downlinkQps, 0, 0),
    devices: resolveDevices(problems, input.devices),
    instanceId: resolveInstanceId(problems, input.instanceId),
    mqtt: resolveMqtt(problems, input),
    faults,
    deviceFaults,
    faultStatus: checkStatus(problems, input.faultStatus),
    latencyMs: checkNumber(problems, 'latencyMs', input.latencyMs, 0),
    seed: count('seed', input.seed, Math.floor(Math.random() * 2 ** 31), 0),
    quoteMessageId: input.quoteMessageId ?? false,
    recordCalls: input.recordCalls ?? true,
    maxRecordedCalls: count('maxRecordedCalls', input.maxRecordedCalls, 2_000_000, 0),
    timestampToleranceMs: count('timestampToleranceMs', input.timestampToleranceMs, 900_000, 0),
    nonceCacheSize: count('nonceCacheSize', input.nonceCacheSize, 1_000_000, 1),
    hostId: input.hostId ?? 'iot.cn-shanghai.aliyuncs.com',
  };
  if (problems.length > 0) {
    throw new FleetcastError('FC_BAD_CONFIG', `invalid emulator options: ${problems.join('; ')}`, {
      details: problems,
    });
  }
  return resolved;
}

function checkInteger(problems: string[], name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    problems.push(`${name} must be an integer >= ${min} (got ${String(value)})`);
    return fallback;
  }
  return value;
}

function checkNumber(problems: string[], name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    problems.push(`${name} must be a number >= 0 (got ${String(value)})`);
    return fallback;
  }
  return value;
}

function checkStatus(problems: string[], value: number | undefined): number {
  if (value === undefined) return 502;
  if (!Number.isInteger(value) || value < 400 || value > 599) {
    problems.push(`faultStatus must be an HTTP error status from 400 to 599 (got ${String(value)})`);
    return 502;
  }
  return value;
}

function checkShare(problems: string[], name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    problems.push(`${name} must be a share between 0 and 1 (got ${String(value)})`);
    return 0;
  }
  return value;
}

function resolveAccessKeys(
  problems: string[],
  keys: readonly EmulatorAccessKey[] | undefined,
): Required<EmulatorAccessKey>[] {
  if (keys === undefined) return [DEFAULT_ACCESS_KEY];
  if (keys.length === 0) problems.push('accessKeys must hold at least one key');
  const seen = new Set<string>();
  const resolved: Required<EmulatorAccessKey>[] = [];
  for (const key of keys) {
    if (!key.accessKeyId || !key.accessKeySecret) {
      problems.push(`access key "${key.accessKeyId}" needs both an id and a secret`);
      continue;
    }
    if (seen.has(key.accessKeyId)) problems.push(`access key "${key.accessKeyId}" is given twice`);
    seen.add(key.accessKeyId);
    resolved.push({ ...key, accountId: key.accountId ?? key.accessKeyId });
  }
  return resolved;
}

function resolveDevices(
  problems: string[],
  devices: readonly DeviceIdentity[] | undefined,
): readonly DeviceIdentity[] | undefined {
  if (devices === undefined) return undefined;
  devices.forEach((device, index) => {
    if (!device.ProductKey || !device.DeviceName) problems.push(`devices[${index}] needs ProductKey and DeviceName`);
  });
  return devices;
}

function resolveInstanceId(problems: string[], instanceId: string | undefined): string | undefined {
  if (instanceId !== undefined && instanceId.trim() === '') problems.push('instanceId must not be empty');
  return instanceId;
}

function resolveMqtt(problems: string[], input: EmulatorOptions): ResolvedEmulatorOptions['mqtt'] {
  if (input.mqtt === false) return { kind: 'none' };
  if (typeof input.mqtt === 'string') {
    if (!/^(mqtts?|tcp|tls|wss?):\/\/[^/]+/.test(input.mqtt)) {
      problems.push(`mqtt must be a broker URL such as mqtt://127.0.0.1:1883 (got "${input.mqtt}")`);
    }
    return { kind: 'external', url: input.mqtt };
  }
  const port = checkInteger(problems, 'mqttPort', input.mqttPort, 0, 0);
  if (port > 65535) problems.push(`mqttPort must be at most 65535 (got ${port})`);
  return { kind: 'embedded', port, host: input.mqttHost };
}
