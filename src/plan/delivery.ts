/**
 * What a limiter set to some rate delivers over a run. Each limiter (the account's, and a campaign's own for
 * `--rate` or a ramp) spaces its grants `1 + guard` apart, the guard at least `MIN_GUARD_CALLS` calls/s
 * (AccountLimiterOptions.guard and minGuardCalls), and loses a little more to tokens dropped when no call was ready
 * in time: the account limiter at 1,600/s delivered 0.977–0.984 of it where the guard alone allows 0.988
 * (docs/BENCHMARKS.md, the dispatch runs).
 */

/** AccountLimiterOptions.guard's default: the account limiter's share of the cap kept unused. */
export const ACCOUNT_GUARD = 0.0125;
/** The guard of a campaign's own limiter (CAMPAIGN_RATE_GUARD in src/worker/run-worker.ts). */
export const CAMPAIGN_GUARD = 0.02;
/** AccountLimiterOptions.minGuardCalls' default, the account limiter's. */
export const ACCOUNT_MIN_GUARD_CALLS = 4;
/** A campaign's own limiter keeps more calls in hand (CAMPAIGN_MIN_GUARD_CALLS in src/worker/run-worker.ts). */
export const CAMPAIGN_MIN_GUARD_CALLS = 8;
/**
 * A ramp's next step takes effect this long after its rows are counted: the outcome reaches the campaign's counters
 * (~10 ms), every worker reads them (a 250 ms poll), a raise narrows the grants' spacing after 600 ms (see
 * AccountLimiter.setRate), and grants reserved ahead at the old rate run out (~0.3 s). Fitted on the 50 → 1,600/s
 * ramp of test/dispatch/ramp.test.ts.
 */
export const RAMP_STEP_LAG_MS = 1500;
/** Delivered share of what the guard allows: 0.982 / 0.988, the median of the measured dispatch runs. */
export const TOKEN_YIELD = 0.994;

/** Calls/s a limiter set to `rate` with `guard` (and `minGuardCalls`) delivers over a run. */
export function deliveredRate(rate: number, guard: number, minGuardCalls = guard === CAMPAIGN_GUARD ? CAMPAIGN_MIN_GUARD_CALLS : ACCOUNT_MIN_GUARD_CALLS): number {
  if (!(rate > 0)) return 0;
  return (rate / (1 + Math.max(guard, minGuardCalls / rate))) * TOKEN_YIELD;
}
