import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { b64, parseAnswer, PubRequest, randomProductKey, rawV1, sdkClient } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = `${ROOT}dist/workers/emulator.js`;

function run(args: string[]): { child: ChildProcessWithoutNullStreams; lines: AsyncIterator<string> } {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -p tsconfig.json first`);
  const child = spawn(process.execPath, [MAIN, 'emulator', ...args], { cwd: ROOT });
  return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('emulator CLI', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('prints where it listens, serves a V3 SDK call and prints a JSON summary on SIGTERM', async () => {
    const started = run(['--port', '0', '--json', '--qps', '50']);
    child = started.child;
    const ready = JSON.parse((await started.lines.next()).value as string) as { url: string; port: number; mqttUrl: string };
    expect(ready.port).toBeGreaterThan(0);
    expect(ready.url).toBe(`http://127.0.0.1:${ready.port}`);
    expect(ready.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);

    const pk = randomProductKey();
    const response = await sdkClient(ready.port).pub(
      new PubRequest({ productKey: pk, topicFullName: `/${pk}/d1/user/get`, messageContent: b64('cli') }),
    );
    expect(response.body?.success).toBe(true);

    const exited = exitOf(child);
    child.kill('SIGTERM');
    const summary = JSON.parse((await started.lines.next()).value as string) as Record<string, unknown>;
    expect(summary).toMatchObject({ total: 1, accepted: 1, delivered: 1, byAction: { Pub: { OK: 1 } } });
    expect(await exited).toBe(0);
  });

  it('--downlink-qps bounds the messages of a call per account: a BatchPub of more devices is refused whole', async () => {
    const started = run(['--port', '0', '--json', '--no-mqtt', '--downlink-qps', '2']);
    child = started.child;
    const ready = JSON.parse((await started.lines.next()).value as string) as { port: number };
    const pk = randomProductKey();
    const batchPub = async (devices: string[]): Promise<unknown> => {
      const names = Object.fromEntries(devices.map((device, i) => [`DeviceName.${i + 1}`, device]));
      const params = { Action: 'BatchPub', ProductKey: pk, TopicShortName: 'get', MessageContent: b64('cli'), ...names };
      return parseAnswer((await rawV1({ port: ready.port, params })).text).Code ?? 'OK';
    };
    expect(await batchPub(['dev1', 'dev2', 'dev3'])).toBe('iot.messagebroker.RateLimit');
    expect(await batchPub(['dev1', 'dev2'])).toBe('OK');
  });

  it('refuses bad values with one message naming each, exit 2', async () => {
    const started = run(['--port', 'abc', '--qps', '-5', '--fault-reset', '2', '--access-key', 'nosecret', '--mqtt', 'http://x', '--downlink-qps', '-1']);
    child = started.child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(child)).toBe(2);
    for (const name of ['--port', 'qps', 'faultReset', '--access-key', 'mqtt must be a broker URL', 'downlinkQps']) expect(stderr).toContain(name);
  });
});
