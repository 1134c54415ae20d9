import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { freePort } from '../../src/redis/private-redis.js';
import { PortTakenError, stopChild, until, waitForOwnServer, withClient } from './local-redis.js';

const SLOT_COUNT = 16384;

/** A Redis Cluster of redis-server processes on free loopback ports, without persistence; stop() ends them all. */
export interface RedisClusterSetup {
  /** Every node, masters first: `127.0.0.1:port`. */
  readonly nodes: readonly string[];
  /** `REDIS_CLUSTER_NODES` for fleetcast: the nodes joined by commas. */
  readonly clusterNodes: string;
  /** Ports of the current masters (asks the cluster: CLUSTER NODES on a live node); masters flagged failing are left out. */
  masterPorts(): Promise<number[]>;
  /** Port of the master that serves `key` now (CLUSTER KEYSLOT + CLUSTER SLOTS on a live node). */
  masterOfKey(key: string): Promise<number>;
  /** SIGKILL of the node on `port`. */
  kill(port: number): void;
  /** Resolves when every slot is served by a live master again and cluster_state is ok on the live nodes (after kill of a master, its replica was promoted). */
  waitForFailover(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** @defaultValue 3 */
  readonly masters?: number;
  /** @defaultValue 1 */
  readonly replicasPerMaster?: number;
  /** Joins the started nodes (`127.0.0.1:port`, …) into a cluster. @defaultValue `redis-cli --cluster create` */
  readonly create?: (addresses: readonly string[]) => Promise<void>;
}

/**
 * Starts `masters` masters with `replicasPerMaster` replicas each and waits until every node reports
 * cluster_state:ok and every replica is in sync with its master, so that a failover right after start keeps the data.
 */
export async function startRedisCluster(options: ClusterOptions = {}): Promise<RedisClusterSetup> {
  // Tests running side by side may be handed the same free port: start again on other ports, never join another's node.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 3) throw error;
    }
  }
}

async function startOnFreePorts(options: ClusterOptions): Promise<RedisClusterSetup> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const nodeCount = masters * (1 + replicasPerMaster);
  const dir = mkdtempSync(join(tmpdir(), 'fleetcast-cluster-'));
  const children = new Map<number, ChildProcess>();
  const killed = new Set<number>();
  const stop = async (): Promise<void> => {
    await Promise.all([...children.values()].map((child) => stopChild(child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The cluster bus listens on port + 10000 unless told otherwise: past 65535 for a high port, or taken.
    const ports = await distinctFreePorts(nodeCount * 2);
    const dataPorts = ports.slice(0, nodeCount);
    dataPorts.forEach((port, index) => children.set(port, startNode(dir, port, ports[nodeCount + index] ?? 0)));
    await Promise.all([...children].map(([port, child]) => waitForOwnServer(port, child)));
    const addresses = dataPorts.map((port) => `127.0.0.1:${port}`);
    await (options.create ?? ((nodes) => createCluster(nodes, replicasPerMaster)))(addresses);
    await waitForCluster(dataPorts, masters * replicasPerMaster);
    const masterPortsNow = await masterPortsOf(dataPorts);
    const nodePorts = [...masterPortsNow, ...dataPorts.filter((port) => !masterPortsNow.includes(port))];
    const nodes = nodePorts.map((port) => `127.0.0.1:${port}`);
    const livePorts = (): number[] => dataPorts.filter((port) => !killed.has(port));
    return {
      nodes,
      clusterNodes: nodes.join(','),
      masterPorts: () => masterPortsOf(livePorts()),
      masterOfKey: (key) => onFirstAnswering(livePorts(), (redis) => masterOfKey(redis, key)),
      kill: (port) => {
        killed.add(port);
        children.get(port)?.kill('SIGKILL');
      },
      waitForFailover: (timeoutMs) =>
        until(() => servedByLiveMasters(livePorts()), timeoutMs, 'every slot served by a live master and cluster_state:ok on the live nodes'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startNode(dir: string, port: number, busPort: number): ChildProcess {
  const child = spawn(
    'redis-server',
    [
      '--port', String(port),
      '--cluster-port', String(busPort),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--dbfilename', `dump-${port}.rdb`,
      '--logfile', join(dir, `node-${port}.log`),
      '--cluster-enabled', 'yes',
      '--cluster-config-file', join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout', '1000',
      // A replica whose link is old still takes over: the test kills masters, it does not partition them.
      '--cluster-replica-validity-factor', '0',
      // Redis waits 5 s before a first diskless sync by default: a replica promoted before it would be empty.
      '--repl-diskless-sync-delay', '0',
    ],
    { stdio: 'ignore' },
  );
  child.on('error', () => undefined);
  return child;
}

/** freePort() closes its probe before the next call opens one: two calls may name the same port. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function createCluster(addresses: readonly string[], replicasPerMaster: number): Promise<void> {
  const args = ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'];
  try {
    await promisify(execFile)('redis-cli', args, { timeout: 30_000 });
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    throw new Error(`redis-cli --cluster create failed (exit ${String(failed.code)}):\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

async function waitForCluster(ports: readonly number[], replicaCount: number): Promise<void> {
  await until(
    async () => {
      const states = await Promise.all(ports.map((port) => withClient(port, nodeState)));
      const replicas = states.filter((state) => state.role === 'slave');
      return states.every((state) => state.clusterOk && state.knownNodes === ports.length) && replicas.length === replicaCount && replicas.every((state) => state.linkUp);
    },
    30_000,
    'cluster_state:ok on every node and every replica in sync',
  );
}

async function nodeState(redis: Redis): Promise<{ clusterOk: boolean; knownNodes: number; role: string; linkUp: boolean }> {
  const cluster = String(await redis.call('CLUSTER', 'INFO'));
  const replication = await redis.info('replication');
  return {
    clusterOk: cluster.includes('cluster_state:ok'),
    knownNodes: Number(/cluster_known_nodes:(\d+)/.exec(cluster)?.[1]),
    role: /role:(\w+)/.exec(replication)?.[1] ?? '',
    linkUp: replication.includes('master_link_status:up'),
  };
}

async function masterPortsOf(livePorts: readonly number[]): Promise<number[]> {
  const lines = await onFirstAnswering(livePorts, async (redis) => String(await redis.call('CLUSTER', 'NODES')).trim().split('\n'));
  return lines
    .map((line) => line.split(' '))
    .filter(([, , flags]) => flags !== undefined && flags.split(',').includes('master') && !/fail/.test(flags))
    .map(([, address]) => portOf(address ?? ''))
    .sort((a, b) => a - b);
}

/** `127.0.0.1:7000@17000,hostname` → 7000. */
function portOf(address: string): number {
  return Number(/:(\d+)/.exec(address)?.[1]);
}

type SlotRange = [number, number, [string, number, ...unknown[]], ...unknown[]];

async function masterOfKey(redis: Redis, key: string): Promise<number> {
  const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
  const ranges = (await redis.call('CLUSTER', 'SLOTS')) as SlotRange[];
  const range = ranges.find(([first, last]) => first <= slot && slot <= last);
  if (range === undefined) throw new Error(`no master serves slot ${slot} of ${key}`);
  return Number(range[2][1]);
}

async function servedByLiveMasters(livePorts: readonly number[]): Promise<boolean> {
  const views = await Promise.all(
    livePorts.map((port) =>
      withClient(port, async (redis) => ({
        clusterOk: String(await redis.call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
        ranges: (await redis.call('CLUSTER', 'SLOTS')) as SlotRange[],
      })),
    ),
  );
  return views.every(({ clusterOk, ranges }) => {
    const served = ranges.filter(([, , master]) => livePorts.includes(Number(master[1])));
    return clusterOk && served.reduce((sum, [first, last]) => sum + last - first + 1, 0) === SLOT_COUNT;
  });
}

async function onFirstAnswering<T>(ports: readonly number[], ask: (redis: Redis) => Promise<T>): Promise<T> {
  let lastError: unknown = new Error('no live node');
  for (const port of ports) {
    try {
      return await withClient(port, ask);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
