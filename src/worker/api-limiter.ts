import type { RedisClient } from '../redis/client.js';
import { AccountLimiter } from '../limiter/account-limiter.js';
import { AdaptiveRate, DEFAULT_LEARNED_GUARD, type LearnedGuard } from '../limiter/adaptive-rate.js';
import { seedCap, type AccountKeys, type WorkerPresence } from '../limiter/shared-cap.js';
import type { ErrorLog } from '../log/throttled-log.js';

/** One API's account limiter with the shared cap, adaptive rate and learned guard it follows. */
export interface ApiLimiter {
  readonly limiter: AccountLimiter;
  readonly shared: AdaptiveRate;
  /** The cap the first worker stored; the worker's own seed is ignored when it differs. */
  readonly stored: number;
  close(): Promise<void>;
}

export interface ApiLimiterOptions {
  readonly keys: AccountKeys;
  /** What the limiter is called in logged errors. */
  readonly name: string;
  /** What the worker's log calls it when it rebuilds itself: `account limiter`, `account BatchPub limiter`. */
  readonly label: string;
  /** The cap this worker was started with: stored when the account has none. */
  readonly seed: number;
  readonly adaptive: boolean;
  readonly guard: 'auto' | number;
  readonly presence: WorkerPresence;
  readonly errors: ErrorLog;
  readonly log: (line: string) => void;
  readonly onIdleGap?: () => void;
  /** How late a token may still be used (AccountLimiterOptions.maxLateMs). @defaultValue 4 */
  readonly maxLateMs?: number;
  /** Told of every change of rate, cap or learned guard. */
  readonly onChange?: (rate: number, cap: number, guard: number) => void;
}

/** Starts an API's account limiter and the adaptive rate that moves it. */
export async function startApiLimiter(redis: RedisClient, options: ApiLimiterOptions): Promise<ApiLimiter> {
  const { keys, errors } = options;
  const stored = await seedCap(redis, keys, options.seed);
  const guard = guardSetting(options);
  const limiter = new AccountLimiter({
    redis,
    redisId: keys.limiterId,
    name: options.name,
    rate: stored.cap,
    grantSize: stored.grant,
    guard: typeof guard === 'number' ? guard : guard.initial,
    onRecovered: (reason) => options.log(`${options.label} rebuilt after its Redis state was lost (${reason})`),
    errors,
    ...(options.onIdleGap === undefined ? {} : { onIdleGap: options.onIdleGap }),
    ...(options.maxLateMs === undefined ? {} : { maxLateMs: options.maxLateMs }),
  });
  await limiter.ready();
  await limiter.setRate(stored.cap);
  options.onChange?.(limiter.rate, stored.cap, limiter.guard);
  const spread = (): number => limiter.rate;
  const shared = new AdaptiveRate(redis, keys, { cap: stored.cap, adaptive: options.adaptive, presence: options.presence, spread, guard, errors }, (rate, cap, settled, learned) => {
    options.onChange?.(rate, cap, learned);
    void limiter
      .setGuard(learned)
      .then(() => limiter.setRate(rate, settled))
      .catch((error: unknown) => errors.report('limiter', `rate change of limiter ${options.name}`, error));
  });
  await shared.poll();
  shared.start();
  return {
    limiter,
    shared,
    stored: stored.cap,
    close: async () => {
      shared.stop();
      await limiter.close();
    },
  };
}

/** `FLEETCAST_GUARD`: learned (with adaptive on: the throttles it learns from are adaptive's signal too), or fixed. */
function guardSetting(options: Pick<ApiLimiterOptions, 'guard' | 'adaptive'>): LearnedGuard | number {
  if (options.guard !== 'auto') return options.guard;
  return options.adaptive ? DEFAULT_LEARNED_GUARD : DEFAULT_LEARNED_GUARD.initial;
}
