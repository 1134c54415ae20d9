import { startEmulatorProcess as startEmulator, type EmulatorProcess } from '../../bench/lib/emulator.js';
import { ACCESS_KEY } from './harness.js';

export type { EmulatorProcess } from '../../bench/lib/emulator.js';

/**
 * The bench's emulator process (bench/lib/emulator.ts) for the harness's key: a strict sliding-second quota of `qps`,
 * no added latency, no MQTT, and `extraArgs` such as faults. Tests that measure the cap while the machine is busy
 * use it: an emulator in the test's own process is descheduled for milliseconds at a time and then stamps a backlog
 * of calls at once.
 */
export function startEmulatorProcess(qps: number, extraArgs: readonly string[] = []): Promise<EmulatorProcess> {
  return startEmulator([{ id: ACCESS_KEY.accessKeyId, secret: ACCESS_KEY.accessKeySecret }], { qps, latencyMs: 0, faults: false }, extraArgs);
}
