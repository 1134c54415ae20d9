import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * For the processes on the hot path (workers, and the emulator standing in for the endpoint).
 * A worker keeps thousands of short-lived request objects in flight. V8's allocation-site pretenuring saw them
 * survive one young collection and began allocating them straight into the old generation, which then filled
 * at ~10 MB/s and needed full collections (10–19 ms pauses) every few seconds; with it off young collections
 * stayed near 3 ms and the heap stopped growing (measured here at 1,400 calls/s per worker). Set before the
 * hot path runs: V8 makes pretenuring decisions during collections, reading the flag each time.
 */
export function tuneGarbageCollectionForManyRequests(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

type CollectGarbage = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/**
 * Returns a function for the account limiter to call between this process's grants (see
 * AccountLimiterOptions.onIdleGap): it runs a young-generation collection there when the young generation could
 * fill up before the next gap. Each call costs the SDK ~80 KB of short-lived objects, so V8 collects every ~200
 * calls, wherever the event loop happens to be, and a pause over 3 ms makes the process miss its tokens; collected
 * between grants, the pause delays no call, and collections are no more frequent than V8's own. Measured with 2
 * workers, 30,000 rows: at 20 ms latency 112–115 of 120 collections per worker fell between grants, tokens missed
 * right after a collection ~180 → 10–40 per worker, utilization ~0.985 → ~0.988; at 150 ms, where each worker's
 * turns are longer, ~80 of 125 and missed tokens ~370 → ~160. V8's `gc` is exposed to a fresh context only, never
 * to the program's global scope.
 */
export function youngCollectionBetweenGrants(): () => void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as CollectGarbage;
  let usedAtLastGap = 0;
  let allocatedPerGap = 0;
  return () => {
    const used = youngGenerationUsed();
    if (used === undefined) return;
    // Bytes allocated since the last gap, unless V8 collected in between (then the figure says nothing).
    if (used.bytes >= usedAtLastGap) allocatedPerGap += (used.bytes - usedAtLastGap - allocatedPerGap) * ALLOCATION_SMOOTHING;
    usedAtLastGap = used.bytes;
    // Collect now only if the young generation could fill up before the next gap: as often as V8 would.
    if (used.bytes + FILL_MARGIN * allocatedPerGap < used.capacity) return;
    collect({ type: 'minor' });
    usedAtLastGap = youngGenerationUsed()?.bytes ?? 0;
  };
}

/** Each gap's allocation moves the estimate this share of the way. */
const ALLOCATION_SMOOTHING = 0.3;
/** Collect when less than this many gaps' worth of allocation is left. */
const FILL_MARGIN = 2;

/** Bytes in use in the young generation, and the capacity of the semi-space objects are allocated in. */
function youngGenerationUsed(): { bytes: number; capacity: number } | undefined {
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  // space_size counts both semi-spaces.
  return young === undefined ? undefined : { bytes: young.space_used_size, capacity: young.space_size / 2 };
}
