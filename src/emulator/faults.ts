import type { RenderedAnswer } from './responses.js';

/**
 * The faults a call can be given, besides added latency. `empty` and `notJson` answer an HTTP error status as a
 * proxy or load balancer in front of the API might: without a body, or with an HTML page.
 */
export type FaultKind = 'throttle' | 'unavailable' | 'system' | 'reset' | 'hang' | 'empty' | 'notJson';

/** Share of calls (0..1) given each fault. */
export type FaultShares = Readonly<Record<Exclude<FaultKind, 'empty' | 'notJson'>, number> & Partial<Record<'empty' | 'notJson', number>>>;

// New kinds go last: a seed then still gives the same faults as before to the kinds before them.
const FAULT_ORDER: readonly FaultKind[] = ['throttle', 'unavailable', 'system', 'reset', 'hang', 'empty', 'notJson'];

/** The answer of an `empty` or `notJson` fault, with the given HTTP status; undefined for the other kinds. */
export function brokenAnswer(kind: FaultKind, status: number): RenderedAnswer | undefined {
  if (kind === 'empty') return { status, contentType: 'text/plain', body: '' };
  if (kind === 'notJson') return { status, contentType: 'text/html', body: `<html><body><h1>${status} Error</h1></body></html>` };
  return undefined;
}

/** A fault that belongs to a device rather than to a call: every call to that device gets it. */
export type DeviceFaultKind = 'offline' | 'notFound';

/** Share of devices (0..1) given each device fault. */
export type DeviceFaultShares = Readonly<Record<DeviceFaultKind, number>>;

/**
 * The device fault of `ProductKey/DeviceName`, or undefined. A hash of the two names decides, not a draw, so every
 * call to the same device (a retry, a second campaign) gets the same answer, whatever the seed.
 */
export function deviceFaultOf(productKey: string, deviceName: string, shares: DeviceFaultShares): DeviceFaultKind | undefined {
  if (shares.offline <= 0 && shares.notFound <= 0) return undefined;
  const point = deviceHash(`${productKey}/${deviceName}`) / 4294967296;
  if (point < shares.offline) return 'offline';
  if (point < shares.offline + shares.notFound) return 'notFound';
  return undefined;
}

/** FNV-1a over the UTF-16 units, then a murmur-style finalizer so that near names spread over the whole range. */
function deviceHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG giving uniform numbers in [0, 1). */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Decides, call by call, which fault (if any) a call gets and how much latency it is given. Fault draws
 * and latency draws use separate generators so that turning latency on does not change the fault sequence.
 */
export class FaultPlan {
  readonly #faultRandom: () => number;
  readonly #latencyRandom: () => number;

  readonly #shares: FaultShares;
  readonly #latencyMs: number;

  constructor(shares: FaultShares, latencyMs: number, seed: number) {
    this.#shares = shares;
    this.#latencyMs = latencyMs;
    this.#faultRandom = createPrng(seed);
    this.#latencyRandom = createPrng(seed ^ 0x5bd1e995);
  }

  /** One draw per call; undefined means no fault. */
  nextFault(): FaultKind | undefined {
    const draw = this.#faultRandom();
    let edge = 0;
    for (const kind of FAULT_ORDER) {
      edge += this.#shares[kind] ?? 0;
      if (draw < edge) return kind;
    }
    return undefined;
  }

  /** Added latency: uniform between 0.5x and 1.5x of the mean; 0 when latency is off. */
  nextLatencyMs(): number {
    if (this.#latencyMs <= 0) return 0;
    return this.#latencyMs * (0.5 + this.#latencyRandom());
  }
}
