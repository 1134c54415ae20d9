/**
 * The most events in any interval of `windowMs` (half-open), from times in ms sorted ascending. Tests and benchmarks
 * use it to check the limiters' promise: at most the cap in any sliding second.
 */
export function maxInWindow(times: readonly number[], windowMs = 1000): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}
