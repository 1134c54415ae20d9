import type { EndpointSettings } from './args.js';
import { setPriority } from 'node:os';
import type { CallRecord } from '../../src/emulator/index.js';
import { CLI, spawnNode, type Child } from './proc.js';

/** One call as the emulator's `GET /_emulator/calls` lists it. */
export type EmulatorCall = CallRecord;

export interface AccessKey {
  readonly id: string;
  readonly secret: string;
}

/**
 * A `fleetcast emulator` process of its own, as the bench and the tests that measure the cap on a busy machine use
 * it: the cloud's clock of arrivals does not stop when the workers use the CPU.
 */
export interface EmulatorProcess {
  readonly url: string;
  readonly child: Child;
  /** Calls answered with success so far. */
  accepted(): Promise<number>;
  /** Pub calls only, in arrival order. */
  calls(): Promise<EmulatorCall[]>;
  /** Calls of every action (Pub, BatchPub, PubBroadcast). */
  everyCall(): Promise<EmulatorCall[]>;
  stop(): Promise<void>;
}

export const QUOTA = 1600;
export const LATENCY_MS = 20;

export const DEFAULT_ENDPOINT: EndpointSettings = { qps: QUOTA, latencyMs: LATENCY_MS, faults: false };

const FAULTS = ['--fault-throttle', '0.05', '--fault-system', '0.03', '--fault-unavailable', '0.02', '--fault-reset', '0.01', '--seed', '7'];

/**
 * Starts the emulator with a strict sliding-second quota per account and ~20 ms latency (by default), no MQTT, and
 * `extraArgs` such as faults of its own.
 */
export async function startEmulatorProcess(keys: readonly AccessKey[], endpoint: EndpointSettings = DEFAULT_ENDPOINT, extraArgs: readonly string[] = []): Promise<EmulatorProcess> {
  const args = ['emulator', '--port', '0', '--qps', String(endpoint.qps), '--latency-ms', String(endpoint.latencyMs), '--no-mqtt', '--json'];
  if (endpoint.faults) args.push(...FAULTS);
  for (const key of keys) args.push('--access-key', `${key.id}:${key.secret}`);
  args.push(...extraArgs);
  const child = spawnNode(CLI, args, {});
  raisePriority(child.pid);
  const match = await child.waitFor(/"url":"([^"]+)"/, 20_000);
  const url = match[1] ?? '';
  return {
    url,
    child,
    accepted: async () => ((await getJson(`${url}/_emulator/stats`)) as { accepted: number }).accepted,
    calls: async () => ((await getJson(`${url}/_emulator/calls`)) as EmulatorCall[]).filter((call) => call.action === 'Pub'),
    everyCall: async () => (await getJson(`${url}/_emulator/calls`)) as EmulatorCall[],
    stop: async () => {
      await child.stop(5_000);
    },
  };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

/** Whether the emulator could be given a higher scheduling priority than the processes it measures. */
export let emulatorPriorityRaised = false;

/**
 * The emulator stands in for the cloud, whose clock of arrivals does not stop when our workers use the CPU; on a
 * 2-core machine shared with them it was descheduled for milliseconds at a time and then stamped a backlog of
 * calls at once. Raised where the bench may do so (root or CAP_SYS_NICE); the report says whether it was.
 */
function raisePriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, -10);
    emulatorPriorityRaised = true;
  } catch {
    emulatorPriorityRaised = false;
  }
}
