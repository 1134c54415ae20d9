import { Cluster, Redis } from 'ioredis';
import type { DispatchFigures, DispatchWorst } from '../lib/figures.js';
import { startRedisCluster, type RedisClusterSetup } from '../lib/redis-cluster.js';
import { redisCpuUs, type DispatchTarget } from '../lib/redis.js';

/** The cluster fleetcast's dispatch is compared on: three masters with one replica each, as a deployment would run. */
export const CLUSTER_SHAPE = { masters: 3, replicasPerMaster: 1 } as const;

/** The figures compared between the single node and the cluster. */
export const COMPARED_FIELDS = ['utilization', 'throttled', 'maxPer1s', 'cpuUsPerMessage', 'redisCpuUsPerMessage'] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

/** fleetcast's dispatch on the single node and on a Redis Cluster, repetitions alternating (medians over them). */
export interface ClusterComparison {
  masters: number;
  replicasPerMaster: number;
  /** Nodes whose `INFO cpu` is summed into the cluster's redisCpuUsPerMessage (masters and replicas). */
  nodes: number;
  single?: DispatchFigures;
  cluster?: DispatchFigures;
  singleWorst?: DispatchWorst;
  clusterWorst?: DispatchWorst;
  /** cluster ÷ single of each compared median (null when the single node's figure is 0). */
  ratio?: Record<ComparedField, number | null>;
}

/** A running Redis Cluster as a dispatch target; close() disconnects and stops every node. */
export interface ClusterTarget extends DispatchTarget {
  readonly setup: RedisClusterSetup;
  /** CPU µs of each node (order of setup.nodes) between the last two cpuUs() calls: a dispatch run's span. */
  lastSpanByNode(): number[];
  close(): Promise<void>;
}

const running = new Set<RedisClusterSetup>();

/** SIGKILL of every node of the clusters still running (used when the bench itself is interrupted or fails). */
export function killClusterNodes(): void {
  for (const setup of running) for (const node of setup.nodes) setup.kill(Number(node.slice(node.lastIndexOf(':') + 1)));
  running.clear();
}

export async function openClusterTarget(): Promise<ClusterTarget> {
  const setup = await startRedisCluster(CLUSTER_SHAPE);
  running.add(setup);
  const addresses = setup.nodes.map((node) => ({ host: node.slice(0, node.lastIndexOf(':')), port: Number(node.slice(node.lastIndexOf(':') + 1)) }));
  const client = new Cluster(addresses, { redisOptions: { maxRetriesPerRequest: null } });
  const nodeClients = addresses.map((address) => new Redis({ ...address, maxRetriesPerRequest: null }));
  for (const redis of [client, ...nodeClients]) redis.on('error', () => undefined);
  const readings: number[][] = [];
  const cpuUs = async (): Promise<number> => {
    const byNode = await Promise.all(nodeClients.map((redis) => redisCpuUs(redis)));
    readings.push(byNode);
    if (readings.length > 2) readings.shift();
    return byNode.reduce((sum, us) => sum + us, 0);
  };
  return {
    setup,
    // REDIS_URL and REDIS_SENTINELS emptied: fleetcast refuses more than one way to name Redis.
    env: { REDIS_CLUSTER_NODES: setup.clusterNodes, REDIS_URL: '', REDIS_SENTINELS: '' },
    client,
    cpuUs,
    lastSpanByNode: () => (readings[1] ?? []).map((us, index) => us - (readings[0]?.[index] ?? us)),
    close: async () => {
      await Promise.all([client, ...nodeClients].map((redis) => redis.quit().catch(() => redis.disconnect())));
      await setup.stop();
      running.delete(setup);
    },
  };
}

export function clusterRatio(single: DispatchFigures, cluster: DispatchFigures): Record<ComparedField, number | null> {
  const entries = COMPARED_FIELDS.map((field) => [field, single[field] === 0 ? null : cluster[field] / single[field]] as const);
  return Object.fromEntries(entries) as Record<ComparedField, number | null>;
}
