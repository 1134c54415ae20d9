import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/redis/private-redis.js';
import { stopChild, until, waitForPing } from '../../bench/lib/local-redis.js';

export const SENTINEL_MASTER = 'fcmaster';

/** A primary, its replica and three sentinels on free loopback ports, without persistence; stop() ends them all. */
export interface SentinelSetup {
  readonly primaryPort: number;
  readonly replicaPort: number;
  readonly sentinelPorts: readonly number[];
  /** `REDIS_SENTINELS` for fleetcast. */
  readonly sentinels: string;
  /** Kills the current primary with SIGKILL. */
  killPrimary(): void;
  /** Resolves when the sentinels name the replica as the primary. */
  waitForFailover(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the setup and waits until every sentinel monitors the primary and knows its replica and the other
 * sentinels, so that a failover can start as soon as the primary is gone (down after 1 s).
 */
export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetcast-sentinel-'));
  const children: ChildProcess[] = [];
  const node = (args: readonly string[]): ChildProcess => {
    const child = spawn('redis-server', [...args], { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  const data = (port: number): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`];
  const [primaryPort, replicaPort, ...sentinelPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  if (primaryPort === undefined || replicaPort === undefined) throw new Error('no free port');
  // Redis waits 5 s before a first diskless sync by default: a replica promoted before it would be empty.
  const primary = node([...data(primaryPort), '--repl-diskless-sync-delay', '0']);
  await waitForPing(primaryPort);
  node([...data(replicaPort), '--replicaof', '127.0.0.1', String(primaryPort)]);
  await waitForPing(replicaPort);
  await waitForReplicaInSync(replicaPort);
  for (const port of sentinelPorts) {
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    node([file, '--sentinel']);
  }
  await Promise.all(sentinelPorts.map((port) => waitForSentinel(port)));
  return {
    primaryPort,
    replicaPort,
    sentinelPorts,
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    killPrimary: () => primary.kill('SIGKILL'),
    waitForFailover: async (timeoutMs) => {
      await until(async () => (await masterPort(sentinelPorts[0] ?? 0)) === replicaPort, timeoutMs, 'the sentinels promote the replica');
    },
    stop: async () => {
      await Promise.all(children.map((child) => stopChild(child)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function masterPort(sentinelPort: number): Promise<number | undefined> {
  const sentinel = client(sentinelPort);
  try {
    const reply = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER)) as [string, string] | null;
    return reply === null ? undefined : Number(reply[1]);
  } finally {
    sentinel.disconnect();
  }
}

/** A sentinel ready for a failover: it sees the replica and two other sentinels. */
async function waitForSentinel(port: number): Promise<void> {
  await until(
    async () => {
      const sentinel = client(port);
      try {
        const info = (await sentinel.call('SENTINEL', 'master', SENTINEL_MASTER)) as string[];
        const field = (name: string): number => Number(info[info.indexOf(name) + 1]);
        return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2;
      } finally {
        sentinel.disconnect();
      }
    },
    15_000,
    `sentinel ${port} sees the replica and the other sentinels`,
  );
}

async function waitForReplicaInSync(port: number): Promise<void> {
  await until(
    async () => {
      const replica = client(port);
      try {
        return (await replica.info('replication')).includes('master_link_status:up');
      } finally {
        replica.disconnect();
      }
    },
    15_000,
    `the replica on ${port} in sync with its primary`,
  );
}

function client(port: number): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  return redis;
}
