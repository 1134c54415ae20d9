import { createConnection } from 'node:net';
import { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisClusterSetup } from '../../bench/lib/redis-cluster.js';

const KEYS = 'abcdefghijklmnopqrst'.split('').map((tag) => `{${tag}}x`);

describe('a Redis Cluster started for a test', () => {
  let setup: RedisClusterSetup | undefined;
  const clients: Cluster[] = [];

  afterEach(async () => {
    clients.forEach((client) => client.disconnect());
    clients.length = 0;
    await setup?.stop();
    setup = undefined;
  });

  it('spreads keys over its masters and keeps every key written before a master is killed: its replica takes over', { timeout: 60_000 }, async () => {
    const cluster = await startRedisCluster();
    setup = cluster;
    expect(cluster.nodes).toHaveLength(6);
    expect(cluster.clusterNodes).toBe(cluster.nodes.join(','));
    const masters = await cluster.masterPorts();
    expect(masters).toHaveLength(3);
    expect(cluster.nodes.slice(0, 3).map(portOf).sort()).toEqual([...masters].sort());

    const writer = connect(cluster);
    await Promise.all(KEYS.map((key) => writer.set(key, `value of ${key}`)));
    // WAIT counts the replicas that acknowledged this connection's writes: one per master.
    const acknowledged = await Promise.all(writer.nodes('master').map((node) => node.call('WAIT', 1, 1000)));
    expect(acknowledged).toEqual([1, 1, 1]);
    const owners = await Promise.all(KEYS.map((key) => cluster.masterOfKey(key)));
    expect(new Set(owners).size).toBeGreaterThan(1);
    owners.forEach((owner) => expect(masters).toContain(owner));
    writer.disconnect();

    const killed = owners[0] ?? 0;
    cluster.kill(killed);
    await cluster.waitForFailover(30_000);
    const mastersAfter = await cluster.masterPorts();
    expect(mastersAfter).toHaveLength(3);
    expect(mastersAfter).not.toContain(killed);
    expect(await cluster.masterOfKey(KEYS[0] ?? '')).not.toBe(killed);

    const reader = connect(cluster);
    const values = await Promise.all(KEYS.map((key) => reader.get(key)));
    expect(values).toEqual(KEYS.map((key) => `value of ${key}`));
  });

  it('ends every node on stop, the killed ones too', { timeout: 60_000 }, async () => {
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
    setup = cluster;
    expect(cluster.nodes).toHaveLength(3);
    cluster.kill(portOf(cluster.nodes[0] ?? ''));
    await cluster.stop();
    const answering = await Promise.all(cluster.nodes.map((node) => accepts(portOf(node))));
    expect(answering).toEqual([false, false, false]);
  });

  function connect(cluster: RedisClusterSetup): Cluster {
    const client = new Cluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: portOf(node) })));
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  }
});

function portOf(node: string): number {
  return Number(node.split(':')[1]);
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
