import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { CampaignStore } from '../../src/queue/campaign-store.js';
import type { CampaignRecord } from '../../src/queue/campaign-record.js';
import { writeSimpleCampaign } from './campaigns.js';
import { runCli, startWorkerProcess, type WorkerProcess } from './cli.js';
import { cleanupPrefix, redisUrl, testRedis, uniquePrefix } from './redis.js';

export const ACCESS_KEY = { accessKeyId: 'harness', accessKeySecret: 'harness-secret-4d2e' };

/** One test's world: its own key prefix, an emulator, worker processes, a temp folder; all torn down by close(). */
export class Harness {
  readonly prefix = uniquePrefix();
  readonly redis: Redis = testRedis();
  readonly store = new CampaignStore(this.redis, this.prefix);
  readonly dir = mkdtempSync(join(tmpdir(), 'fleetcast-test-'));
  readonly workers: WorkerProcess[] = [];
  emulator: RunningEmulator | undefined;
  redisUrl = redisUrl();

  /** Starts an emulator (on `port` when given, to stand in for one that was closed: workers keep its URL). */
  async startEmulator(options: EmulatorOptions & { port?: number } = {}): Promise<RunningEmulator> {
    this.emulator = await startEmulator({ port: 0, mqtt: false, accessKeys: [ACCESS_KEY], ...options });
    return this.emulator;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      REDIS_URL: this.redisUrl,
      FLEETCAST_PREFIX: this.prefix,
      FLEETCAST_ENDPOINT: this.emulator?.url ?? 'http://127.0.0.1:1',
      ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.accessKeySecret,
      ...extra,
    };
  }

  async startWorkers(count: number, extra: Record<string, string> = {}, args: readonly string[] = []): Promise<WorkerProcess[]> {
    const started = await Promise.all(Array.from({ length: count }, () => startWorkerProcess(this.env(extra), args)));
    this.workers.push(...started);
    return started;
  }

  /** Writes a simple campaign of `rows` rows (see writeSimpleCampaign), devices tagged `name`, to `<name>.csv` here. */
  simpleCampaignFile(rows: number, name: string): string {
    const file = join(this.dir, `${name}.csv`);
    writeSimpleCampaign(file, rows, name);
    return file;
  }

  /** Submits a simple campaign of `rows` rows (see writeSimpleCampaign) as `name`, with `args`; fails unless it exits 0. */
  async submitSimple(rows: number, args: readonly string[], name: string): Promise<void> {
    const file = join(this.dir, `${name}.csv`);
    writeSimpleCampaign(file, rows);
    const result = await runCli(['submit', file, '--name', name, ...args], this.env());
    if (result.code !== 0) throw new Error(`submit ${name} exited ${result.code}: ${result.stderr}`);
  }

  async campaign(id: string): Promise<CampaignRecord> {
    return this.store.require(id);
  }

  /** Waits until the campaign satisfies `done`, polling every 100 ms. */
  async waitForCampaign(id: string, done: (record: CampaignRecord) => boolean, timeoutMs: number): Promise<CampaignRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.store.get(id);
      if (record !== undefined && done(record)) return record;
      if (Date.now() > deadline) throw new Error(`campaign ${id} did not get there in ${timeoutMs} ms: ${JSON.stringify(record)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  acceptedTimes(): number[] {
    return (this.emulator?.stats.calls() ?? []).filter((call) => call.code === 'OK').map((call) => call.t);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop().catch(() => undefined)));
    await this.emulator?.close();
    await cleanupPrefix(this.redis, this.prefix).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    await this.redis.quit().catch(() => undefined);
  }
}

export function finished(record: CampaignRecord): boolean {
  return record.state === 'finished' || (record.state === 'cancelled' && record.done >= record.rows);
}
