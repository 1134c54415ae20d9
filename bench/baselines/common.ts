import IotModule, { PubRequest } from '@alicloud/iot20180120';
import { Config } from '@alicloud/openapi-client';
import type { BenchRow } from '../lib/campaign-file.js';

/** The CommonJS SDK's client class sits on `.default` under Node's ESM loader. */
const IotClient = IotModule.default;
type Client = InstanceType<typeof IotClient>;

/** Settings every baseline process reads from its environment. */
export interface BaselineEnv {
  readonly endpoint: URL;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly queue: string;
  readonly rows: number;
}

export function readEnv(): BaselineEnv {
  const env = process.env;
  return {
    endpoint: new URL(env.FLEETCAST_ENDPOINT ?? 'http://127.0.0.1:8787'),
    accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
    accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: env.BENCH_PREFIX ?? 'fcbench',
    queue: env.BENCH_QUEUE ?? 'baseline',
    rows: Number(env.BENCH_ROWS ?? 0),
  };
}

/** The official SDK client, V3 signing (its default), pointed at the endpoint. */
export function sdkClient(env: BaselineEnv): Client {
  return new IotClient(
    new Config({
      accessKeyId: env.accessKeyId,
      accessKeySecret: env.accessKeySecret,
      endpoint: env.endpoint.host,
      protocol: env.endpoint.protocol.replace(':', ''),
      regionId: 'cn-shanghai',
    }),
  );
}

const durations: number[] = [];

/** One Pub call; returns `OK` or the error code. Its duration is recorded. */
export async function pubOnce(client: Client, row: BenchRow): Promise<string> {
  const started = performance.now();
  try {
    const response = await client.pub(new PubRequest({ ...row, qos: 0 }));
    return response.body?.success === true ? 'OK' : (response.body?.code ?? 'Unknown');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : 'NetworkError';
  } finally {
    durations.push(performance.now() - started);
  }
}

/** Announces readiness; on SIGTERM prints every call duration (ms) as one line and exits. */
export function reportOnSigterm(onStop: () => Promise<void> = () => Promise.resolve()): void {
  process.once('SIGTERM', () => {
    void onStop()
      .catch(() => undefined)
      .finally(() => {
        const line = `LATENCIES ${JSON.stringify(durations.map((ms) => Math.round(ms * 100) / 100))}\n`;
        process.stdout.write(line, () => process.exit(0));
      });
  });
  process.stderr.write('baseline ready\n');
}

/** Job data of one row in the BullMQ baselines. */
export type RowJob = BenchRow;
