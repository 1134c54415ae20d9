import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * For the processes on the hot path (workers, and the emulator standing in for the endpoint).
 * A worker keeps thousands of short-lived request objects in flight. V8's allocation-site pretenuring saw them
 * survive one young collection and began allocating them straight into the old generation, which then needed
 * long full collections every few seconds (figures: docs/BENCHMARKS.md, "Figures behind the code"). Set before
 * the hot path runs: V8 makes pretenuring decisions during collections, reading the flag each time.
 */
export function tuneGarbageCollectionForManyRequests(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

type CollectGarbage = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/**
 * Returns a function that runs a young-generation collection now if the young generation is over a quarter
 * full, for the account limiter to call between this process's grants (see AccountLimiterOptions.onIdleGap).
 * Each call costs the SDK ~80 KB of short-lived objects, so V8 collects every ~200 calls, wherever the event loop
 * happens to be, and a pause over 3 ms makes the process miss its tokens; collected between grants, the pause
 * delays no call (figures: docs/BENCHMARKS.md, "Figures behind the code"). V8's `gc` is exposed to a fresh
 * context only, never to the program's global scope.
 */
export function youngCollectionBetweenGrants(): () => void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as CollectGarbage;
  return () => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    // space_size counts both semi-spaces; objects are allocated in one of them.
    if (young !== undefined && young.space_used_size * 8 > young.space_size) collect({ type: 'minor' });
  };
}
