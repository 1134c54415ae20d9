/** Middle value (mean of the two middle values for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** The q-quantile (0..1) of values sorted ascending, nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export { maxInWindow } from '../../src/limiter/sliding-window.js';

/**
 * Events per second in the steady part of a run: between one second after the first event and one second
 * before the last. Runs shorter than three seconds use their whole span.
 */
export function steadyRate(times: readonly number[]): number {
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined || last <= first) return Number.NaN;
  if (last - first < 3000) return (times.length - 1) / ((last - first) / 1000);
  const from = first + 1000;
  const to = last - 1000;
  const inside = times.filter((t) => t >= from && t < to).length;
  return inside / ((to - from) / 1000);
}

/** Cumulative histogram buckets: upper bound (`le`) and count of observations at or below it. */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/** The q-quantile of a cumulative histogram, interpolated linearly inside the bucket (as Prometheus does). */
export function histogramQuantile(buckets: readonly Bucket[], q: number): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted[sorted.length - 1]?.count ?? 0;
  if (total === 0) return Number.NaN;
  const target = q * total;
  let lower = 0;
  let below = 0;
  for (const bucket of sorted) {
    if (bucket.count >= target) {
      if (!Number.isFinite(bucket.le)) return lower;
      const inBucket = bucket.count - below;
      return inBucket === 0 ? bucket.le : lower + ((bucket.le - lower) * (target - below)) / inBucket;
    }
    lower = bucket.le;
    below = bucket.count;
  }
  return lower;
}

/** Reads the cumulative buckets of one histogram from Prometheus text, summed over every label set. */
export function parseHistogram(text: string, name: string): Bucket[] {
  const counts = new Map<number, number>();
  const pattern = new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)`, 'gm');
  for (const match of text.matchAll(pattern)) {
    const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    counts.set(le, (counts.get(le) ?? 0) + Number(match[2]));
  }
  return [...counts].map(([le, count]) => ({ le, count }));
}

/** Adds bucket counts of several histograms with the same bounds. */
export function mergeHistograms(parts: readonly (readonly Bucket[])[]): Bucket[] {
  const counts = new Map<number, number>();
  for (const part of parts) for (const bucket of part) counts.set(bucket.le, (counts.get(bucket.le) ?? 0) + bucket.count);
  return [...counts].map(([le, count]) => ({ le, count }));
}
