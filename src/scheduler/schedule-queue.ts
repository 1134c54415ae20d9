import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/client.js';
import { globalBullPrefix, globalTag } from '../queue/keys.js';

/** BullMQ queue (under fleetcast's BullMQ prefix) whose job schedulers fire recurring campaigns. */
export const SCHEDULES_QUEUE = 'schedules';

/** What each firing of a recurring schedule submits. */
export interface ScheduleJobData {
  /** The schedule's name; each firing's campaign is named `<name>-<firing time>`. */
  readonly name: string;
  /** Absolute path of the campaign file, read again at every firing (worker hosts must see it). */
  readonly file: string;
  readonly timeZone: string;
  readonly skipInvalid: boolean;
  readonly rejectsPath: string | null;
  readonly rate: number | null;
  readonly priority: number | null;
  /** `HH:MM-HH:MM` in `timeZone`, or null for any time. */
  readonly window: string | null;
  /** Abort rules (`offline:20:200`) and their action, given to every firing's campaign; absent in older schedules. */
  readonly abort?: { readonly rules: readonly string[]; readonly action: 'pause' | 'cancel' } | null;
  /** Canary size (`100`, `5%`) and soak, given to every firing's campaign; absent in older schedules. */
  readonly canary?: { readonly size: string; readonly soakMs: number | null } | null;
  /** The ramp's fields as a campaign hash stores them (`rampFields`), given to every firing; absent in older schedules. */
  readonly ramp?: Readonly<Record<string, string>> | null;
  /** `--pack`, given to every firing; absent in older schedules (no packing). */
  readonly pack?: boolean;
  /** With `pack`: the share of packable rows sent by Pub anyway; absent in older schedules. */
  readonly packPubShare?: number;
}

export function schedulesQueue(redis: RedisClient, prefix: string): Queue<ScheduleJobData> {
  return new Queue<ScheduleJobData>(SCHEDULES_QUEUE, { connection: redis, prefix: globalBullPrefix(prefix) });
}

/** Hash: schedule name → JSON of its last firing (`ScheduleRun`). */
export function scheduleRunsKey(prefix: string): string {
  return `${globalTag(prefix)}:schedules:runs`;
}

/** What the last firing of a schedule did. */
export interface ScheduleRun {
  /** Epoch ms of the firing. */
  readonly firedAt: number;
  /** The campaign it created, or null when it created none. */
  readonly campaign: string | null;
  readonly rows: number;
  /** Why it created nothing, with its error code. */
  readonly error: { readonly code: string; readonly message: string } | null;
}
