import { CLI, spawnNode, type Child } from './proc.js';

/** One call as the emulator's `GET /_emulator/calls` lists it (only the fields the bench reads). */
export interface EmulatorCall {
  readonly t: number;
  readonly action: string;
  readonly accountId: string;
  readonly code: string;
}

export interface AccessKey {
  readonly id: string;
  readonly secret: string;
}

/** A `fleetcast emulator` process. */
export interface EmulatorProcess {
  readonly url: string;
  readonly child: Child;
  accepted(): Promise<number>;
  calls(): Promise<EmulatorCall[]>;
  stop(): Promise<void>;
}

export const QUOTA = 1600;
export const LATENCY_MS = 20;

/** Starts the emulator with a strict sliding-second quota per account and ~20 ms latency, no MQTT. */
export async function startEmulatorProcess(keys: readonly AccessKey[]): Promise<EmulatorProcess> {
  const args = ['emulator', '--port', '0', '--qps', String(QUOTA), '--latency-ms', String(LATENCY_MS), '--no-mqtt', '--json'];
  for (const key of keys) args.push('--access-key', `${key.id}:${key.secret}`);
  const child = spawnNode(CLI, args, {});
  const match = await child.waitFor(/"url":"([^"]+)"/, 20_000);
  const url = match[1] ?? '';
  return {
    url,
    child,
    accepted: async () => ((await getJson(`${url}/_emulator/stats`)) as { accepted: number }).accepted,
    calls: async () => ((await getJson(`${url}/_emulator/calls`)) as EmulatorCall[]).filter((call) => call.action === 'Pub'),
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
