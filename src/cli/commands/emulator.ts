import type { Command } from 'commander';
import { tuneGarbageCollectionForManyRequests } from '../../runtime/gc-tuning.js';
import { FleetcastError, coerceError } from '../../errors/fleetcast-error.js';
import type * as EmulatorModule from '../../emulator/index.js';
import type { EmulatorAccessKey, EmulatorOptions, RunningEmulator } from '../../emulator/index.js';

/** The emulator (HTTP server, MQTT broker) loads only when this command runs. */
const emulatorModule = (): Promise<typeof EmulatorModule> => import('../../emulator/index.js');

/** Raw values of the `emulator` command's flags, as commander gives them. */
interface EmulatorFlags {
  port: string;
  host: string;
  qps?: string;
  batchQps?: string;
  broadcastQps?: string;
  accessKey: string[];
  mqttPort?: string;
  mqtt?: string | false;
  devices?: string;
  instanceId?: string;
  deviceQps?: string;
  downlinkQps?: string;
  faultThrottle?: string;
  faultSystem?: string;
  faultUnavailable?: string;
  faultReset?: string;
  faultHang?: string;
  faultEmpty?: string;
  faultNotJson?: string;
  faultStatus?: string;
  faultOffline?: string;
  faultNotFound?: string;
  latencyMs?: string;
  seed?: string;
  quoteMessageId?: boolean;
  recordCalls: boolean;
  maxRecordedCalls?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds `fleetcast emulator`: a local IoT Platform endpoint for Pub, BatchPub and PubBroadcast. */
export function registerEmulatorCommand(program: Command): Command {
  return program
    .command('emulator')
    .description('run the local IoT Platform emulator (Pub, BatchPub, PubBroadcast over HTTP, delivery over MQTT)')
    .option('--port <port>', 'HTTP port (0 picks a free port)', '8787')
    .option('--host <host>', 'HTTP host', '127.0.0.1')
    .option('--qps <n>', 'Pub calls per second per account (default 1600)')
    .option('--batch-qps <n>', 'BatchPub calls per second per account (default 50)')
    .option('--broadcast-qps <n>', 'PubBroadcast calls per second per account (default 1)')
    .option('--access-key <id:secret[:account]>', 'accepted AccessKey, repeatable (default testid:testsecret)', collect, [])
    .option('--mqtt-port <port>', 'port of the embedded MQTT broker (default: a free port)')
    .option('--mqtt <url>', 'deliver to an external MQTT 5 broker instead, e.g. mqtt://127.0.0.1:1883')
    .option('--no-mqtt', 'deliver nowhere')
    .option('--devices <file>', 'device registry: JSON array or CSV of ProductKey, DeviceName')
    .option('--instance-id <id>', 'require this IotInstanceId')
    .option('--device-qps <n>', 'messages per second per device (iot.messagebroker.RateLimit over it)')
    .option('--downlink-qps <n>', 'messages to devices per second per account over all APIs, a BatchPub counting one per device (iot.messagebroker.RateLimit over it; default 0, off)')
    .option('--fault-throttle <share>', 'share of calls answered Throttling.User')
    .option('--fault-system <share>', 'share of calls answered iot.system.SystemException')
    .option('--fault-unavailable <share>', 'share of calls answered HTTP 503 ServiceUnavailable')
    .option('--fault-reset <share>', 'share of calls whose connection is reset after delivery')
    .option('--fault-hang <share>', 'share of calls never answered')
    .option('--fault-empty <share>', 'share of calls answered with --fault-status and no body')
    .option('--fault-not-json <share>', 'share of calls answered with --fault-status and an HTML page')
    .option('--fault-offline <share>', 'share of devices (0-1, or 30%) answered iot.messagebroker.OFFLINE on every call, picked by name')
    .option('--fault-not-found <share>', 'share of devices (0-1, or 10%) answered iot.device.NotExistedDevice on every call, picked by name')
    .option('--fault-status <code>', 'HTTP status of --fault-empty and --fault-not-json answers (default 502)')
    .option('--latency-ms <ms>', 'mean added latency (uniform 0.5x..1.5x)')
    .option('--seed <n>', 'seed of the fault and latency draws')
    .option('--quote-message-id', 'emit MessageId as a JSON string')
    .option('--no-record-calls', 'keep counters only, no per-call record')
    .option('--max-recorded-calls <n>', 'most calls kept in the call record (default 2000000)')
    .option('--json', 'machine-readable output')
    .action(async (flags: EmulatorFlags) => {
      await runEmulatorCommand(flags);
    });
}

async function runEmulatorCommand(flags: EmulatorFlags): Promise<void> {
  tuneGarbageCollectionForManyRequests();
  let running: RunningEmulator;
  try {
    const { options, port } = await optionsFromFlags(flags);
    running = await (await emulatorModule()).startEmulator({ ...options, port, host: flags.host });
  } catch (error) {
    exitWithError(error);
  }
  if (flags.json) {
    console.log(JSON.stringify({ url: running.url, port: running.port, mqttUrl: running.mqttUrl ?? null }));
  } else {
    console.log(`fleetcast emulator listening on ${running.url}${running.mqttUrl ? ` (MQTT ${running.mqttUrl})` : ''}`);
  }
  const stop = (): void => {
    const summary = running.stats.summary();
    process.stdout.write(`${JSON.stringify(summary)}\n`, () => {
      void running.close().finally(() => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function exitWithError(error: unknown): never {
  const err = coerceError(error);
  if (err instanceof FleetcastError) {
    console.error(`fleetcast emulator: ${err.message}`);
    process.exit(err.exitCode);
  }
  const code = (err as NodeJS.ErrnoException).code;
  console.error(`fleetcast emulator: ${err.message}`);
  process.exit(code === 'EADDRINUSE' || code === 'EACCES' ? 2 : 3);
}

/** Turns flags into validated options; every bad value is named in one error. */
async function optionsFromFlags(flags: EmulatorFlags): Promise<{ options: EmulatorOptions; port: number }> {
  const problems: string[] = [];
  const number = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      problems.push(`${flag} must be a number (got "${raw}")`);
      return undefined;
    }
    return value;
  };
  const share = (flag: string, raw: string | undefined): number | undefined => {
    const percent = raw?.trim().endsWith('%') === true;
    const value = number(flag, percent ? raw?.trim().slice(0, -1) : raw);
    return value !== undefined && percent ? value / 100 : value;
  };
  const port = number('--port', flags.port) ?? 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port must be 0..65535 (got "${flags.port}")`);
  const options: EmulatorOptions = {
    qps: number('--qps', flags.qps),
    batchPubQps: number('--batch-qps', flags.batchQps),
    pubBroadcastQps: number('--broadcast-qps', flags.broadcastQps),
    deviceQps: number('--device-qps', flags.deviceQps),
    downlinkQps: number('--downlink-qps', flags.downlinkQps),
    mqttPort: number('--mqtt-port', flags.mqttPort),
    faultThrottle: number('--fault-throttle', flags.faultThrottle),
    faultSystem: number('--fault-system', flags.faultSystem),
    faultUnavailable: number('--fault-unavailable', flags.faultUnavailable),
    faultReset: number('--fault-reset', flags.faultReset),
    faultHang: number('--fault-hang', flags.faultHang),
    faultEmpty: number('--fault-empty', flags.faultEmpty),
    faultNotJson: number('--fault-not-json', flags.faultNotJson),
    faultStatus: number('--fault-status', flags.faultStatus),
    faultOffline: share('--fault-offline', flags.faultOffline),
    faultNotFound: share('--fault-not-found', flags.faultNotFound),
    latencyMs: number('--latency-ms', flags.latencyMs),
    seed: number('--seed', flags.seed),
    maxRecordedCalls: number('--max-recorded-calls', flags.maxRecordedCalls),
    quoteMessageId: flags.quoteMessageId ?? false,
    recordCalls: flags.recordCalls,
    instanceId: flags.instanceId,
  };
  if (flags.mqtt !== undefined) options.mqtt = flags.mqtt;
  if (flags.accessKey.length > 0) options.accessKeys = parseAccessKeys(flags.accessKey, problems);
  if (flags.devices !== undefined) {
    try {
      options.devices = await (await emulatorModule()).loadDeviceFile(flags.devices);
    } catch (error) {
      problems.push(`--devices: ${coerceError(error).message}`);
    }
  }
  try {
    (await emulatorModule()).resolveEmulatorOptions(options);
  } catch (error) {
    if (error instanceof FleetcastError) problems.push(...error.details);
    else throw error;
  }
  if (problems.length > 0) {
    throw new FleetcastError('FC_BAD_USAGE', `invalid options:\n  ${problems.join('\n  ')}`, { details: problems });
  }
  return { options, port };
}

function parseAccessKeys(values: readonly string[], problems: string[]): EmulatorAccessKey[] {
  const keys: EmulatorAccessKey[] = [];
  for (const value of values) {
    const [accessKeyId, accessKeySecret, accountId, ...extra] = value.split(':');
    if (!accessKeyId || !accessKeySecret || extra.length > 0 || accountId === '') {
      problems.push(`--access-key must be ID:SECRET or ID:SECRET:ACCOUNT (got "${value}")`);
      continue;
    }
    keys.push(accountId === undefined ? { accessKeyId, accessKeySecret } : { accessKeyId, accessKeySecret, accountId });
  }
  return keys;
}
