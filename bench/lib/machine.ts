import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { ROOT } from './proc.js';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGb: number;
  node: string;
  redis: string;
  /** True when Redis was a private redis-server started for the bench. */
  privateRedis: boolean;
  packages: Record<string, string>;
  /** `git describe --always --dirty` of the code measured. */
  commit: string;
  loadAverageAtStart: number[];
}

const PACKAGES = ['bullmq', 'bottleneck', 'ioredis', '@alicloud/iot20180120', '@alicloud/openapi-client', 'csv-parse', 'prom-client'];

export function describeMachine(redisVersion: string, privateRedis: boolean): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    redis: redisVersion,
    privateRedis,
    packages: Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(name)])),
    commit: gitDescribe(),
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

function gitDescribe(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
