import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisClusterSetup } from '../../bench/lib/redis-cluster.js';
import { ROOT } from './grafana-files.js';

interface Service {
  image?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const services = (parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> }).services;
const NODES = ['redis-node-1', 'redis-node-2', 'redis-node-3', 'redis-node-4', 'redis-node-5', 'redis-node-6'];
const SCRIPT = 'docker/redis-cluster/create-cluster.sh';

/** Runs the profile's script as its service does, against local nodes. */
async function runScript(addresses: readonly string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('sh', [resolve(ROOT, SCRIPT)], {
    env: { ...process.env, REDIS_CLUSTER_NODES: addresses.join(','), REDIS_CLUSTER_REPLICAS: '1' },
    timeout: 60_000,
  });
  return stdout;
}

describe('docker compose --profile cluster', () => {
  let cluster: RedisClusterSetup | undefined;

  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('has six cluster nodes, a service that joins them with an existing script, and workers that use only the cluster', () => {
    const inProfile = Object.entries(services).filter(([, service]) => service.profiles?.includes('cluster'));
    expect(inProfile.map(([name]) => name).sort()).toEqual([...NODES, 'redis-cluster', 'worker-cluster'].sort());
    for (const name of NODES) expect(services[name]?.command).toEqual(expect.arrayContaining(['redis-server', '--cluster-enabled', 'yes']));

    const joiner = services['redis-cluster'];
    const nodes = NODES.map((name) => `${name}:6379`).join(',');
    expect(joiner?.environment).toMatchObject({ REDIS_CLUSTER_NODES: nodes, REDIS_CLUSTER_REPLICAS: '1' });
    expect(joiner?.volumes).toEqual([`./${SCRIPT}:/cluster/create-cluster.sh:ro`]);
    expect(existsSync(resolve(ROOT, SCRIPT))).toBe(true);
    expect(joiner?.command).toEqual(['sh', '/cluster/create-cluster.sh']);
    expect(Object.keys(joiner?.depends_on ?? {}).sort()).toEqual([...NODES].sort());

    const worker = services['worker-cluster'];
    expect(worker?.environment?.REDIS_CLUSTER_NODES).toBe(nodes);
    expect(worker?.environment).not.toHaveProperty('REDIS_URL');
    expect(worker?.depends_on?.['redis-cluster']).toEqual({ condition: 'service_completed_successfully' });
  });

  it("joins six nodes into 3 masters with a replica each with the profile's script, and leaves a running cluster alone", async () => {
    let output = '';
    cluster = await startRedisCluster({
      create: async (addresses) => {
        output = await runScript(addresses);
      },
    });
    expect(output).toContain('[OK] All 16384 slots covered.');
    expect(await cluster.masterPorts()).toHaveLength(3);
    expect(await runScript(cluster.nodes)).toContain('the cluster is up already');
  });
});
