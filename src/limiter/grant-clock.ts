import { monotonicClock, type Clock, type Timer } from '../runtime/clock.js';
import { FairWaiters } from './fair-waiters.js';

/** A gap this long before the next token leaves room for a pause of a few ms (a young-generation collection). */
const IDLE_GAP_MS = 10;

/**
 * Local side of the account limiter: turns grants (blocks of tokens handed out by the shared limiter) into
 * evenly spaced token times, and hands tokens to waiters in FIFO order.
 *
 * A token is valid from its time until `maxLateMs` after it. A token used later than that is dropped instead:
 * a late call followed by on-time calls would crowd a sliding second past the cap.
 */
export class GrantClock {
  readonly #maxLateMs: number;
  readonly #tokens: number[] = [];
  #tokenHead = 0;
  readonly #waiters = new FairWaiters();
  readonly #clock: Clock;
  #timer: Timer | undefined;
  #timerAt = Infinity;
  #dropped = 0;
  readonly #onShort: () => void;
  readonly #onIdleGap: (() => void) | undefined;

  /**
   * @param onShort - called whenever more callers wait than tokens are left, so more can be requested.
   * @param onIdleGap - called, after the calls just let go have started, when no token is due for `IDLE_GAP_MS`.
   * @param clock - monotonic time (token times are on its scale) and the timer that hands out tokens.
   */
  constructor(maxLateMs: number, onShort: () => void, onIdleGap?: () => void, clock: Clock = monotonicClock) {
    this.#maxLateMs = maxLateMs;
    this.#clock = clock;
    this.#onShort = onShort;
    this.#onIdleGap = onIdleGap;
  }

  /** Waiters not yet served. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Tokens granted and not yet used or dropped. */
  get tokens(): number {
    return this.#tokens.length - this.#tokenHead;
  }

  /** How far ahead of now the last token lies, ms (0 when none does). */
  aheadMs(now = this.#clock.now()): number {
    const last = this.#tokens[this.#tokens.length - 1];
    return last === undefined || this.tokens === 0 ? 0 : Math.max(0, last - now);
  }

  /** Tokens dropped because nobody could use them in time. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Resolves when the caller may make one call; callers of different flows share tokens by weight. */
  wait(flowId = '', weight = 1): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push(flowId, weight, resolve);
      this.drain();
    });
  }

  /** Adds `count` tokens spread evenly over `spanMs` from `start` (the clock's ms; overdue ones expire as usual). */
  addGrant(count: number, spanMs: number, start = this.#clock.now()): void {
    const step = spanMs / count;
    const last = this.#tokens[this.#tokens.length - 1];
    for (let i = 0; i < count; i++) this.#tokens.push(start + i * step);
    // Tokens are used from the front in time order: a grant that starts before the last one ends is merged in.
    if (last !== undefined && start < last) this.#sortLive();
    this.drain();
  }

  /**
   * Hands out tokens already due, if any. The timer alone comes too late when the event loop is busy: Node runs
   * every ready I/O callback (answers of earlier calls, a few hundred µs each) before its timers, so a burst of
   * answers kept tokens waiting past `maxLateMs`; called after each answer, fewer are dropped (figures:
   * docs/BENCHMARKS.md, "Figures behind the code"). Fewer dropped tokens also leave less room for the endpoint's
   * pauses in each second: see AccountLimiterOptions.guard.
   */
  poke(): void {
    if (this.waiting > 0 && (this.#tokens[this.#tokenHead] ?? Infinity) <= this.#clock.now()) this.drain();
  }

  drain(): void {
    const now = this.#clock.now();
    this.#dropStale(now);
    let handedOut = 0;
    while (this.waiting > 0 && this.tokens > 0 && (this.#tokens[this.#tokenHead] ?? Infinity) <= now) {
      this.#tokenHead++;
      handedOut++;
      this.#waiters.shift()?.();
    }
    if (handedOut > 0 && this.#onIdleGap !== undefined && !((this.#tokens[this.#tokenHead] ?? Infinity) - now <= IDLE_GAP_MS)) {
      setImmediate(this.#onIdleGap);
    }
    this.#compact();
    this.#schedule(now);
    if (this.waiting > this.tokens) this.#onShort();
  }

  /** Releases every waiter without a token (used on shutdown, so nothing hangs). */
  releaseAll(): void {
    for (let resolve = this.#waiters.shift(); resolve !== undefined; resolve = this.#waiters.shift()) resolve();
    this.#compact();
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #dropStale(now: number): void {
    const oldest = now - this.#maxLateMs;
    while (this.tokens > 0 && (this.#tokens[this.#tokenHead] ?? Infinity) < oldest) {
      this.#tokenHead++;
      this.#dropped++;
    }
  }

  /** Keeps one timer, set for the next moment something changes: a token comes due, or expires unused. */
  #schedule(now: number): void {
    if (this.tokens === 0) return;
    const next = this.#tokens[this.#tokenHead] ?? now;
    const at = this.waiting > 0 ? next : next + this.#maxLateMs;
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return;
      this.#clock.clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.drain();
    }, Math.max(0, at - now));
  }

  #sortLive(): void {
    const live = this.#tokens.slice(this.#tokenHead).sort((a, b) => a - b);
    this.#tokens.length = 0;
    this.#tokens.push(...live);
    this.#tokenHead = 0;
  }

  #compact(): void {
    if (this.#tokenHead > 1024 && this.#tokenHead * 2 > this.#tokens.length) {
      this.#tokens.splice(0, this.#tokenHead);
      this.#tokenHead = 0;
    }
  }
}
