import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { cleanupPrefix, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';

const MOSQUITTO = { host: '127.0.0.1', port: 1883 };

function lastJson(result: CliResult): Record<string, unknown> {
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
}

/**
 * A TCP proxy in front of Mosquitto that resets real connections of the demo's fleet (client ids
 * `fleetcast-demo-…`): some right after their CONNECT, before the broker answers, and some in the middle
 * of their SUBSCRIBE packets. The emulator's own connection is passed through untouched.
 */
class ResettingProxy {
  resets = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #resetOnConnect: number;
  #resetMidSubscribe: number;

  constructor(plan: { onConnect: number; midSubscribe: number }) {
    this.#resetOnConnect = plan.onConnect;
    this.#resetMidSubscribe = plan.midSubscribe;
    this.#server = createServer((client) => this.#pipe(client));
  }

  async listen(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return `mqtt://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #pipe(client: Socket): void {
    const upstream = connect(MOSQUITTO.port, MOSQUITTO.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    let fleet: boolean | undefined;
    let sent = 0;
    client.on('data', (chunk: Buffer) => {
      fleet ??= chunk.includes('fleetcast-demo-');
      sent += chunk.length;
      if (fleet && sent === chunk.length && this.#resetOnConnect > 0) {
        this.#resetOnConnect--;
        return this.#reset(client, upstream);
      }
      upstream.write(chunk);
      if (fleet && sent > 8192 && sent - chunk.length <= 8192 && this.#resetMidSubscribe > 0) {
        this.#resetMidSubscribe--;
        this.#reset(client, upstream);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  }

  #reset(client: Socket, upstream: Socket): void {
    this.resets++;
    client.resetAndDestroy();
    upstream.destroy();
  }
}

describe('fleetcast demo at fleet scale', () => {
  const prefixes: string[] = [];
  const prefix = (): string => {
    const value = uniquePrefix();
    prefixes.push(value);
    return value;
  };
  afterAll(async () => {
    const redis = testRedis();
    for (const value of prefixes) await cleanupPrefix(redis, value);
    redis.disconnect();
  });

  it('20,000 devices on shared connections each receive their own message', async () => {
    const result = await runCli(['demo', '--devices', '20000', '--rate', '4000', '--json'], { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: prefix() }, 280_000);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(lastJson(result)).toMatchObject({ rows: 20000, sent: 20000, failed: 0, received: 20000, misaddressed: 0, devices: 20000, connections: 10, cap: 4000 });
  }, 300_000);

  it('connections reset while connecting and subscribing open again, and every device still receives its message (Mosquitto)', async () => {
    const proxy = new ResettingProxy({ onConnect: 2, midSubscribe: 2 });
    const url = await proxy.listen();
    try {
      const result = await runCli(['demo', '--devices', '4000', '--devices-per-connection', '1000', '--mqtt', url, '--rate', '4000'], {
        REDIS_URL: redisUrl(),
        FLEETCAST_PREFIX: prefix(),
      }, 170_000);

      expect(result.code, result.stderr).toBe(0);
      expect(proxy.resets).toBe(4);
      expect(result.stdout).toMatch(/4000 rows, 4000 sent, 0 failed, 4000 received by devices \(4 MQTT connections, [4-9] reconnects\)/);
      // The progress line goes to stderr, one stage after the other.
      expect(result.stderr).toContain('devices: 4000 of 4000 connected and subscribed (4 MQTT connections)');
      expect(result.stderr).toContain('campaign: 4000 of 4000 sent, 4000 received by devices');
    } finally {
      await proxy.close();
    }
  }, 180_000);

  it('out of open files, says so and how far it got, with exit 3', async () => {
    const args = ['demo', '--devices', '3000', '--devices-per-connection', '10', '--json'];
    const child = spawn('sh', ['-c', 'ulimit -n 150 && exec "$0" "$@"', process.execPath, CLI, ...args], {
      env: { ...process.env, REDIS_URL: redisUrl(), FLEETCAST_PREFIX: prefix() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];

    expect(code).toBe(3);
    const { error } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { error: { code: string; message: string } };
    expect(error.code).toBe('FC_MACHINE_LIMIT');
    expect(error.message).toMatch(/^open files: this process's open files limit \(150\) was reached; [\d,]+ of 3,000 devices were connected and subscribed on \d+ connections$/);
  });

  it('with more devices than the JavaScript heap can hold, says so before it runs out, with exit 3', async () => {
    const result = await runCli(['demo', '--devices', '200000', '--json'], {
      REDIS_URL: redisUrl(),
      FLEETCAST_PREFIX: prefix(),
      NODE_OPTIONS: '--max-old-space-size=80',
    });

    expect(result.code).toBe(3);
    const { error } = lastJson(result) as { error: { code: string; message: string } };
    expect(error.code).toBe('FC_MACHINE_LIMIT');
    expect(error.message).toMatch(/^memory: the JavaScript heap holds \d+ MB and the other [\d,]+ devices need about [\d,]+ MB more, over its limit of \d+ MB; [\d,]+ of 200,000 devices were connected and subscribed$/);
  });

  it('an MQTT broker that does not answer ends the demo with FC_MQTT_UNREACHABLE, exit 3', async () => {
    const result = await runCli(['demo', '--devices', '10', '--mqtt', 'mqtt://127.0.0.1:1', '--json'], { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: prefix() });

    expect(result.code).toBe(3);
    expect(lastJson(result)).toMatchObject({ error: { code: 'FC_MQTT_UNREACHABLE' } });
  });
});
