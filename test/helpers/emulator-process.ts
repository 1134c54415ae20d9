import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import type { CallRecord } from '../../src/emulator/index.js';
import { CLI } from './cli.js';
import { ACCESS_KEY } from './harness.js';

/** A `fleetcast emulator` process of its own, for tests that measure the cap while the machine is busy. */
export interface EmulatorProcess {
  readonly url: string;
  /** Calls answered with success so far. */
  accepted(): Promise<number>;
  /** Every recorded call in arrival order. */
  calls(): Promise<CallRecord[]>;
  stop(): Promise<void>;
}

/**
 * Starts the emulator (strict sliding-second quota of `qps`, no MQTT, and `extraArgs` such as faults) in its own process, at a higher scheduling
 * priority where the test may raise it. The cloud's clock of arrivals does not stop when our workers use the CPU:
 * an emulator that shares the test's process, and two cores with several Redis nodes and workers, is descheduled for
 * milliseconds at a time and then stamps a backlog of calls at once (the bench does the same: bench/lib/emulator.ts).
 */
export async function startEmulatorProcess(qps: number, extraArgs: readonly string[] = []): Promise<EmulatorProcess> {
  const key = `${ACCESS_KEY.accessKeyId}:${ACCESS_KEY.accessKeySecret}`;
  const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', '--qps', String(qps), '--no-mqtt', '--json', '--access-key', key, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    if (child.pid !== undefined) setPriority(child.pid, -10);
  } catch {
    // Not allowed here (neither root nor CAP_SYS_NICE): the emulator runs at the default priority.
  }
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${output}`)), 20_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /"url":"([^"]+)"/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${output}`)));
  });
  return {
    url,
    accepted: async () => ((await getJson(`${url}/_emulator/stats`)) as { accepted: number }).accepted,
    calls: async () => (await getJson(`${url}/_emulator/calls`)) as CallRecord[],
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}
