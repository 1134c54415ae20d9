import type { QuotaName } from './actions/index.js';
import type { ResolvedEmulatorOptions } from './options.js';
import { KeyedWindows, SlidingWindow } from './quota.js';

/** Per-account call quotas, one strict sliding window per account and quota name. */
export class AccountQuotas {
  readonly #windows = new Map<string, SlidingWindow>();
  readonly #limits: Readonly<Record<QuotaName, { limit: number; windowMs: number }>>;

  constructor(options: Pick<ResolvedEmulatorOptions, 'qps' | 'batchPubQps' | 'pubBroadcastQps'>) {
    this.#limits = {
      Pub: { limit: options.qps, windowMs: 1000 },
      BatchPub: { limit: options.batchPubQps, windowMs: 1000 },
      PubBroadcast: { limit: options.pubBroadcastQps, windowMs: 1000 },
      PubBroadcastAll: { limit: 1, windowMs: 60_000 },
    };
  }

  window(accountId: string, name: QuotaName): SlidingWindow {
    const key = `${accountId}\n${name}`;
    let window = this.#windows.get(key);
    if (!window) {
      const { limit, windowMs } = this.#limits[name];
      window = new SlidingWindow(limit, windowMs);
      this.#windows.set(key, window);
    }
    return window;
  }

  clear(): void {
    this.#windows.clear();
  }
}

/** Messages per second per device; every addressed device must fit for the call to pass. */
export class DeviceQuotas {
  readonly #windows: KeyedWindows;

  constructor(readonly limit: number) {
    this.#windows = new KeyedWindows(limit);
  }

  /** Admits the call when every device fits, recording one message for each. */
  tryAdmit(devices: readonly string[], now: number): boolean {
    if (this.limit <= 0 || devices.length === 0) return true;
    const windows = devices.map((device) => this.#windows.get(device, now));
    if (!windows.every((window) => window.fits(now))) return false;
    for (const window of windows) window.record(now);
    return true;
  }

  clear(): void {
    this.#windows.clear();
  }
}

/**
 * Messages to devices per second per account, over every API: a Pub counts one, a BatchPub one per listed device,
 * a broadcast one per message it puts on the broker. A call passes only when all of its messages fit.
 */
export class DownlinkQuotas {
  readonly #windows = new Map<string, SlidingWindow>();

  constructor(readonly limit: number) {}

  /** Whether `messages` more for the account fit at `now`; always true when the limit is off (0). */
  fits(accountId: string, messages: number, now: number): boolean {
    if (this.limit <= 0 || messages === 0) return true;
    return this.#window(accountId).fits(now, messages);
  }

  /** Records the messages of an admitted call; call only after `fits`. */
  record(accountId: string, messages: number, now: number): void {
    if (this.limit <= 0 || messages === 0) return;
    this.#window(accountId).record(now, messages);
  }

  clear(): void {
    this.#windows.clear();
  }

  #window(accountId: string): SlidingWindow {
    let window = this.#windows.get(accountId);
    if (!window) {
      window = new SlidingWindow(this.limit);
      this.#windows.set(accountId, window);
    }
    return window;
  }
}
