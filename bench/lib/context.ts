import type { BenchArgs } from './args.js';
import { QUOTA } from './emulator.js';
import type { BenchRedis } from './redis.js';

/** What every suite gets. */
export interface BenchContext {
  readonly args: BenchArgs;
  readonly redis: BenchRedis;
  /** A scratch directory for generated campaign files, removed at the end. */
  readonly dir: string;
  /** Progress lines (stderr), never part of the table or the JSON. */
  readonly log: (line: string) => void;
  /** Something the reader of the figures must know (a run cut short), shown with the results. */
  readonly note: (line: string) => void;
}

/** How long a run of `rows` calls at the quota may take before it is abandoned. */
export function runTimeoutMs(rows: number, rate = QUOTA): number {
  return Math.ceil((rows / rate) * 2.5 * 1000) + 60_000;
}
