import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { FleetcastError } from '../errors/fleetcast-error.js';
import type { FleetConnectError } from './fleet.js';

/** Share of the JavaScript heap limit the fleet may fill, leaving the rest to the campaign and the worker. */
const HEAP_SHARE = 0.85;
/** Memory the machine must keep available beyond what the fleet is expected to take. */
const MIN_FREE_BYTES = 128 * 1024 * 1024;
/**
 * Heap a device takes: its subscription in the fleet and, with the embedded broker, in aedes (measured 1.2 KB at
 * 100,000 devices and 1.6 KB at 20,000, after GC), with room for garbage not yet collected.
 */
const BYTES_PER_DEVICE = 2048;

const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024).toLocaleString('en-US')} MB`;
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Throws `FC_MACHINE_LIMIT` when the devices still to connect would not fit: in the JavaScript heap (past its
 * limit V8 ends the process at once, with no chance to say why) or in the machine's available memory.
 */
export function checkMemory(subscribed: number, total: number): void {
  const heap = getHeapStatistics();
  const ahead = (total - subscribed) * BYTES_PER_DEVICE;
  const reached = `${count(subscribed)} of ${count(total)} devices were connected and subscribed`;
  if (heap.used_heap_size + ahead > heap.heap_size_limit * HEAP_SHARE) {
    throw new FleetcastError(
      'FC_MACHINE_LIMIT',
      `memory: the JavaScript heap holds ${mb(heap.used_heap_size)} and the other ${count(total - subscribed)} devices need about ${mb(ahead)} more, over its limit of ${mb(heap.heap_size_limit)}; ${reached}`,
      { details: ['give Node more heap (NODE_OPTIONS=--max-old-space-size=MB) or run fewer --devices'] },
    );
  }
  if (freemem() < MIN_FREE_BYTES + ahead) {
    throw new FleetcastError('FC_MACHINE_LIMIT', `memory: the machine has ${mb(freemem())} available and the other ${count(total - subscribed)} devices need about ${mb(ahead)}; ${reached}`, {
      details: ['free memory or run fewer --devices'],
    });
  }
}

/** The error a fleet that could not connect ends the demo with: a limit of the machine, or a broker that does not answer. */
export function fleetError(error: FleetConnectError, total: number, url: string): FleetcastError {
  if (error.cause instanceof FleetcastError) return error.cause;
  const code = (error.cause as Error & { code?: string }).code;
  const reached = `${count(error.subscribed)} of ${count(total)} devices were connected and subscribed on ${count(error.connections)} connections`;
  if (code === 'EMFILE' || code === 'ENFILE') {
    const limit = openFilesLimit();
    const which = code === 'ENFILE' ? "the system's open files limit" : `this process's open files limit${limit === undefined ? '' : ` (${count(limit)})`}`;
    return new FleetcastError('FC_MACHINE_LIMIT', `open files: ${which} was reached; ${reached}`, {
      cause: error,
      details: ['raise the limit (ulimit -n) or give more devices to each connection (--devices-per-connection)'],
    });
  }
  if (code === 'ENOMEM') return new FleetcastError('FC_MACHINE_LIMIT', `memory: the system refused memory; ${reached}`, { cause: error });
  return new FleetcastError('FC_MQTT_UNREACHABLE', `the MQTT broker at ${url} did not take the fleet: ${error.message}; ${reached}`, { cause: error });
}

/** The soft limit of open files of this process, where the system tells it (Linux). */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
