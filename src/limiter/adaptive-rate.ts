import type { RedisClient } from '../redis/client.js';
import { processErrorLog, type ErrorLog } from '../log/throttled-log.js';
import { Script } from '../redis/script.js';
import { every, monotonicClock, type Clock } from '../runtime/clock.js';
import { grantSizeFor, presenceField, type AccountKeys, type WorkerPresence } from './shared-cap.js';

/** How the shared rate follows the stored cap and reacts to throttling. */
export interface AdaptiveRateOptions {
  /**
   * The cap this process follows until its first poll, and stores again if the account's cap was lost (a Redis
   * restart without persistence): the last cap it followed, not its own `FLEETCAST_RATE`.
   */
  readonly cap: number;
  /** Lower the rate on throttling and probe back up; off, the rate is the stored cap. @defaultValue true */
  readonly adaptive?: boolean;
  /** This worker, as `fleetcast cap` lists it; written on every poll. @defaultValue not listed */
  readonly presence?: WorkerPresence;
  /**
   * The rate this process spreads its tokens at now, written with its presence: the lowest of every worker seen
   * in the last 5 s is how far the shared spacing of grants may narrow (see AccountLimiter.setRate).
   * @defaultValue not written
   */
  readonly spread?: () => number;
  /** Factor applied on throttling. @defaultValue 0.8 */
  readonly decrease?: number;
  /**
   * Factor applied instead when at least half of this process's answers in the second were throttled: the quota
   * left is then far below the rate, and cutting by `decrease` alone took 6 cuts (~2 s) to go from 1,200 to a
   * 300/s quota, most of the calls in that time refused. @defaultValue 0.5
   */
  readonly steepDecrease?: number;
  /** Share of the cap added per probe. @defaultValue 0.02 */
  readonly increase?: number;
  /** Lowest rate, as a share of the cap. @defaultValue 0.05 */
  readonly floor?: number;
  /** At most one cut per this many ms, across every process. @defaultValue 300 */
  readonly cutIntervalMs?: number;
  /** At most one probe up per this many ms, across every process. @defaultValue 1000 */
  readonly probeIntervalMs?: number;
  /** Probe up only after this long without throttling. @defaultValue 2000 */
  readonly quietMs?: number;
  /** How often each process reads the shared rate. @defaultValue 250 */
  readonly pollMs?: number;
  /**
   * Cut only when at least this share of this process's answers in a second were throttled: scattered throttles
   * (a busy gateway, not a full quota) must not drive the rate down. @defaultValue 0.1
   */
  readonly minThrottledShare?: number;
  /**
   * The share of the rate kept unused for timing jitter: learned (`LearnedGuard`, shared by every process of the
   * account), or a fixed share. @defaultValue learned, see DEFAULT_LEARNED_GUARD
   */
  readonly guard?: LearnedGuard | number;
  /** Monotonic time for the seconds in which answers are judged, and the poll's timer. @defaultValue the real one */
  readonly clock?: Clock;
  /** Where a failed read or change of the shared rate is logged. @defaultValue the worker log on stderr */
  readonly errors?: ErrorLog;
}

/**
 * How the guard is learned. The endpoint's throttles tell two things apart by the rate they come at: while the shared
 * rate is at the cap, a throttle means the calls came too close for the endpoint's count (timing jitter, pauses): the
 * guard grows at once. Once the rate is below the cap, the adaptive rate owns throttles (the quota is shared with
 * someone else) and the guard stands still. While the account sends and nothing is throttled, the guard shrinks.
 */
export interface LearnedGuard {
  /** Where a new account starts. */
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  /** Factor per step while nothing is throttled. */
  readonly shrink: number;
  /** Factor on a throttle at the cap. */
  readonly grow: number;
  /** No throttle for this long before the guard shrinks, ms. */
  readonly quietMs: number;
  /** At most one shrink per this many ms. */
  readonly stepMs: number;
  /** At most one growth per this many ms: a burst of throttles is one signal. */
  readonly growIntervalMs: number;
}

/**
 * 1.25 % is the fixed guard this replaces: chosen for the worst pauses of an endpoint sharing two cores with the
 * workers. It shrinks by a tenth every 2 s without a throttle (to 0.25 % in ~30 s), and doubles on one.
 */
export const DEFAULT_LEARNED_GUARD: LearnedGuard = {
  initial: 0.0125,
  min: 0.0025,
  max: 0.05,
  shrink: 0.9,
  grow: 2,
  quietMs: 2000,
  stepMs: 2000,
  growIntervalMs: 250,
};

/**
 * State in one hash per account: `rate`, `lastCut`, `lastThrottle`, `lastProbe`, `guard`, `lastGuardThrottle`,
 * `lastGuardStep` (ms, Redis clock); the cap in the account's cap hash (see shared-cap.ts).
 * KEYS: state, cap, workers. ARGV: command (cut | probe | read | throttled), seed cap, decrease, increase, floor,
 * cutIntervalMs, probeIntervalMs, quietMs, seed grant size, presence field ('' for none), presence JSON (with
 * `spread`), then the guard: learn ('1' or '0'), initial, min, max, shrink, grow, quietMs, stepMs, growIntervalMs,
 * and whether this process got answers since its last poll ('1' or '0': an idle account does not shrink it).
 * Returns [rate now in force, cap, lowest `spread` of the workers seen in the last 5 s ('' when none says), guard];
 * `read` (adaptive off) answers the cap as the rate.
 */
const ADJUST = new Script(`
local t = redis.call('time')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local function learned_guard(rate, cap, throttled)
  if ARGV[12] ~= '1' then return ARGV[13] end
  local g = redis.call('hmget', KEYS[1], 'guard', 'lastGuardThrottle', 'lastGuardStep')
  local guard = tonumber(g[1] or ARGV[13])
  local last_step = tonumber(g[3] or '0')
  if throttled then
    redis.call('hset', KEYS[1], 'lastGuardThrottle', now)
    if rate >= cap and now - last_step >= tonumber(ARGV[20]) then
      guard = math.min(tonumber(ARGV[15]), guard * tonumber(ARGV[17]))
      redis.call('hset', KEYS[1], 'guard', tostring(guard), 'lastGuardStep', now)
    end
  elseif ARGV[21] == '1' and now - tonumber(g[2] or '0') >= tonumber(ARGV[18]) and now - last_step >= tonumber(ARGV[19]) then
    guard = math.max(tonumber(ARGV[14]), guard * tonumber(ARGV[16]))
    redis.call('hset', KEYS[1], 'guard', tostring(guard), 'lastGuardStep', now)
  end
  return tostring(guard)
end
if redis.call('hsetnx', KEYS[2], 'cap', ARGV[2]) == 1 then
  redis.call('hset', KEYS[2], 'grant', ARGV[9], 'setAt', now, 'setBy', 'seed')
end
local cap = tonumber(redis.call('hget', KEYS[2], 'cap'))
local settled = ''
if ARGV[10] ~= '' then
  redis.call('hset', KEYS[3], ARGV[10], now .. '|' .. ARGV[11])
  local entries = redis.call('hgetall', KEYS[3])
  local low = nil
  for i = 2, #entries, 2 do
    local bar = string.find(entries[i], '|', 1, true)
    local seen = bar and tonumber(string.sub(entries[i], 1, bar - 1))
    if seen and now - seen <= 5000 then
      local ok, worker = pcall(cjson.decode, string.sub(entries[i], bar + 1))
      if ok and type(worker) == 'table' and type(worker.spread) == 'number' and (low == nil or worker.spread < low) then low = worker.spread end
    end
  end
  if low then settled = tostring(low) end
end
if ARGV[1] == 'read' then return {tostring(cap), tostring(cap), settled, ARGV[13]} end
local s = redis.call('hmget', KEYS[1], 'rate', 'lastCut', 'lastThrottle', 'lastProbe')
local rate = tonumber(s[1] or cap)
if rate > cap then rate = cap end
local guard = learned_guard(rate, cap, ARGV[1] == 'throttled' or ARGV[1] == 'cut')
if ARGV[1] == 'throttled' then
  -- A scattered throttle: the guard's signal only.
elseif ARGV[1] == 'cut' then
  redis.call('hset', KEYS[1], 'lastThrottle', now)
  if now - tonumber(s[2] or '0') >= tonumber(ARGV[6]) then
    rate = math.max(cap * tonumber(ARGV[5]), rate * tonumber(ARGV[3]))
    redis.call('hset', KEYS[1], 'rate', tostring(rate), 'lastCut', now)
  end
elseif rate < cap and now - tonumber(s[3] or '0') >= tonumber(ARGV[8]) and now - tonumber(s[4] or '0') >= tonumber(ARGV[7]) then
  rate = math.min(cap, rate + cap * tonumber(ARGV[4]))
  redis.call('hset', KEYS[1], 'rate', tostring(rate), 'lastProbe', now)
end
redis.call('pexpire', KEYS[1], 3600000)
return {tostring(rate), tostring(cap), settled, guard}
`);

/** A process tells the others of a scattered throttle at most this often. */
const THROTTLE_REPORT_MS = 100;

/** Throttled answers a process must see within a second before its share is judged. */
const MIN_THROTTLED_TO_CUT = 5;
/** Throttled answers within a second that are judged at once, before the second is over. */
const CLEAR_THROTTLED_COUNT = 50;

/**
 * Told of the rate (and the cap it is under) whenever either changes, of `settled`, the lowest rate every worker
 * seen lately says it spreads its tokens at (undefined when no worker says), and of the guard in force.
 */
export type ApplyRate = (rate: number, cap: number, settled: number | undefined, guard: number) => void;

/**
 * The account's shared rate. Every poll reads the stored cap (so `fleetcast cap --set` reaches every process within
 * a poll) and, with adaptive on, runs AIMD under it: every process reports throttling (multiplicative decrease, at
 * most once per interval for all of them) and probes back up after a quiet spell (additive increase). Each process
 * applies the shared rate to its limiter.
 */
export class AdaptiveRate {
  readonly #redis: RedisClient;
  readonly #keys: AccountKeys;
  readonly #options: Required<Omit<AdaptiveRateOptions, 'clock' | 'errors' | 'presence' | 'spread' | 'guard'>>;
  /** The guard's settings as the script takes them: learn, initial, min, max, shrink, grow, quietMs, stepMs, growIntervalMs. */
  readonly #guardArgs: readonly (string | number)[];
  #guard: number;
  #lastThrottleReport = -Infinity;
  #answeredSincePoll = false;
  readonly #presence: { readonly field: string; readonly worker: WorkerPresence | undefined };
  readonly #spread: (() => number) | undefined;
  #settled: number | undefined;
  readonly #clock: Clock;
  readonly #errors: ErrorLog;
  readonly #apply: ApplyRate;
  #rate: number;
  #cap: number;
  #stopPolling: (() => void) | undefined;
  #cutting = false;
  readonly #window = { startedAt: 0, answered: 0, throttled: 0 };

  constructor(redis: RedisClient, keys: AccountKeys, options: AdaptiveRateOptions, apply: ApplyRate) {
    this.#redis = redis;
    this.#keys = keys;
    const { clock = monotonicClock, errors = processErrorLog, presence, spread, guard = DEFAULT_LEARNED_GUARD, ...settings } = options;
    const learned = typeof guard === 'number' ? { ...DEFAULT_LEARNED_GUARD, initial: guard } : guard;
    this.#guardArgs = [typeof guard === 'number' ? '0' : '1', learned.initial, learned.min, learned.max, learned.shrink, learned.grow, learned.quietMs, learned.stepMs, learned.growIntervalMs];
    this.#guard = learned.initial;
    this.#clock = clock;
    this.#errors = errors;
    this.#presence = { field: presence === undefined ? '' : presenceField(presence), worker: presence };
    this.#spread = spread;
    this.#options = {
      adaptive: true,
      decrease: 0.8,
      steepDecrease: 0.5,
      increase: 0.02,
      floor: 0.05,
      cutIntervalMs: 300,
      probeIntervalMs: 1000,
      quietMs: 2000,
      pollMs: 250,
      minThrottledShare: 0.1,
      ...settings,
    };
    this.#apply = apply;
    this.#rate = options.cap;
    this.#cap = options.cap;
  }

  get rate(): number {
    return this.#rate;
  }

  /** The account's cap as last read. */
  get cap(): number {
    return this.#cap;
  }

  /** The share of the rate kept unused, as last read. */
  get guard(): number {
    return this.#guard;
  }

  start(): void {
    this.#stopPolling = every(this.#clock, this.#options.pollMs, () => void this.poll(), { unref: true });
  }

  /** Reads the stored cap (and, adaptive, probes up); the timer calls it every `pollMs`. */
  poll(): Promise<void> {
    return this.#adjust(this.#options.adaptive ? 'probe' : 'read');
  }

  stop(): void {
    this.#stopPolling?.();
  }

  /** Reported for every attempt that got an answer other than throttling. */
  onAnswered(): void {
    this.#rollWindow();
    this.#window.answered++;
    this.#answeredSincePoll = true;
  }

  /** Reported for every throttled attempt; cheap when called in bursts. */
  onThrottled(): void {
    if (!this.#options.adaptive) return;
    this.#rollWindow();
    this.#window.throttled++;
    this.#answeredSincePoll = true;
    const now = this.#clock.now();
    if (now - this.#lastThrottleReport >= THROTTLE_REPORT_MS) {
      this.#lastThrottleReport = now;
      void this.#adjust('throttled');
    }
    // A share this clear needs no full second to be judged.
    if (this.#window.throttled >= CLEAR_THROTTLED_COUNT && this.#overShare()) this.#cut();
  }

  /**
   * Judges each second's answers when it is over: a share of a few hundred answers is a signal, the first few
   * answers of a second are not: judged at every throttle, a gateway refusing a few per cent of calls cut the rate
   * again and again, a full quota or not, and it never rose again.
   */
  #rollWindow(): void {
    const now = this.#clock.now();
    if (now - this.#window.startedAt < 1000) return;
    if (this.#window.throttled >= MIN_THROTTLED_TO_CUT && this.#overShare()) this.#cut();
    this.#window.startedAt = now;
    this.#window.answered = 0;
    this.#window.throttled = 0;
  }

  /** Whether this second's throttled share so far is one to cut on. */
  #overShare(): boolean {
    const { answered, throttled } = this.#window;
    return throttled / (answered + throttled) >= this.#options.minThrottledShare;
  }

  #cut(): void {
    if (this.#cutting) return;
    this.#cutting = true;
    const { answered, throttled } = this.#window;
    const decrease = throttled >= answered ? this.#options.steepDecrease : this.#options.decrease;
    void this.#adjust('cut', decrease).finally(() => {
      this.#cutting = false;
    });
  }

  #presenceJson(): string {
    const { worker } = this.#presence;
    if (worker === undefined) return '';
    return JSON.stringify(this.#spread === undefined ? worker : { ...worker, spread: this.#spread() });
  }

  async #adjust(command: 'cut' | 'probe' | 'read' | 'throttled', decrease = this.#options.decrease): Promise<void> {
    const { increase, floor, cutIntervalMs, probeIntervalMs, quietMs } = this.#options;
    const { adaptive: state, cap: capKey, workers } = this.#keys;
    const seed = this.#cap;
    try {
      const busy = this.#answeredSincePoll ? '1' : '0';
      if (command === 'probe') this.#answeredSincePoll = false;
      const args = [command, seed, decrease, increase, floor, cutIntervalMs, probeIntervalMs, quietMs, grantSizeFor(seed), this.#presence.field, this.#presenceJson(), ...this.#guardArgs, busy];
      const reply = (await ADJUST.run(this.#redis, [state, capKey, workers], args)) as [string, string, string, string];
      const rate = Number(reply[0]);
      const cap = Number(reply[1]);
      const settled = reply[2] === '' ? undefined : Number(reply[2]);
      const guard = Number(reply[3]);
      if (!(rate > 0 && cap > 0 && guard >= 0)) return;
      if (Math.abs(rate - this.#rate) <= 1e-9 && cap === this.#cap && settled === this.#settled && guard === this.#guard) return;
      this.#rate = rate;
      this.#cap = cap;
      this.#settled = settled;
      this.#guard = guard;
      this.#apply(rate, cap, settled, guard);
    } catch (error) {
      // Keep the current rate; the next poll tries again.
      this.#errors.report('adaptive rate', `${command} of the shared rate`, error);
    }
  }
}
