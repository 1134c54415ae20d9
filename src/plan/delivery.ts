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
/** AccountLimiterOptions.minGuardCalls' default. */
const MIN_GUARD_CALLS = 4;
/** Delivered share of what the guard allows: 0.982 / 0.988, the median of the measured dispatch runs. */
export const TOKEN_YIELD = 0.994;

/** Calls/s a limiter set to `rate` with `guard` delivers over a run. */
export function deliveredRate(rate: number, guard: number): number {
  if (!(rate > 0)) return 0;
  return (rate / (1 + Math.max(guard, MIN_GUARD_CALLS / rate))) * TOKEN_YIELD;
}
