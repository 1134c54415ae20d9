import { resolve } from 'node:path';
import type { RedisClient } from '../redis/client.js';
import { validateCampaign } from '../campaign/index.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { badInput } from '../queue/producer.js';
import { nextCronFiring } from '../schedule/cron.js';
import { formatAbortRule, type AbortAction, type AbortRule } from '../queue/abort-rules.js';
import { formatCanarySize, type CanarySpec } from '../queue/canary.js';
import { rampFields, type RampSpec } from '../queue/ramp.js';
import { scheduleRunsKey, schedulesQueue, type ScheduleJobData, type ScheduleRun } from './schedule-queue.js';

/** What `fleetcast submit FILE --cron EXPR --name NAME` asks for. */
export interface NewSchedule {
  readonly name: string;
  readonly file: string;
  readonly pattern: string;
  readonly timeZone: string;
  readonly skipInvalid: boolean;
  readonly rejectsPath: string | undefined;
  readonly rate: number | undefined;
  readonly priority: number | undefined;
  readonly window: string | undefined;
  readonly abort?: { readonly rules: readonly AbortRule[]; readonly action: AbortAction } | undefined;
  readonly canary?: CanarySpec | undefined;
  readonly ramp?: RampSpec | undefined;
  /** Pack rows that can share a call into BatchPub calls (`--pack`). */
  readonly pack?: boolean;
  /** With `pack`: the share of packable rows sent by Pub anyway (pubShareOf). */
  readonly packPubShare?: number;
}

/** A recurring schedule as listed. */
export interface ScheduleView {
  readonly name: string;
  readonly pattern: string;
  readonly timeZone: string;
  /** Epoch ms of the next firing, if BullMQ has one planned. */
  readonly next: number | null;
  readonly file: string;
  readonly window: string | null;
  readonly lastRun: ScheduleRun | null;
}

const KEEP_FIRINGS = { removeOnComplete: 100, removeOnFail: 100 } as const;

/** Validates the file now, then creates (or replaces) the schedule. Returns its first firing. */
export async function createSchedule(redis: RedisClient, prefix: string, schedule: NewSchedule): Promise<number> {
  const next = nextCronFiring(schedule.pattern, schedule.timeZone);
  const file = resolve(schedule.file);
  // Only the refusal message reads the row errors: a skip-invalid schedule need not hold them all.
  const summary = await validateCampaign(file, schedule.skipInvalid ? { maxErrors: 1_000 } : {});
  if (summary.errors.some((error) => error.row === 0) || (summary.invalid > 0 && !schedule.skipInvalid)) throw badInput(file, summary);
  const data: ScheduleJobData = {
    name: schedule.name,
    file,
    timeZone: schedule.timeZone,
    skipInvalid: schedule.skipInvalid,
    rejectsPath: schedule.rejectsPath === undefined ? null : resolve(schedule.rejectsPath),
    rate: schedule.rate ?? null,
    priority: schedule.priority ?? null,
    window: schedule.window ?? null,
    canary: schedule.canary === undefined ? null : { size: formatCanarySize(schedule.canary.size), soakMs: schedule.canary.soakMs ?? null },
    abort: schedule.abort === undefined ? null : { rules: schedule.abort.rules.map(formatAbortRule), action: schedule.abort.action },
    ramp: schedule.ramp === undefined ? null : rampFields(schedule.ramp),
    pack: schedule.pack === true,
    packPubShare: schedule.packPubShare ?? 0,
  };
  const queue = schedulesQueue(redis, prefix);
  try {
    await queue.upsertJobScheduler(schedule.name, { pattern: schedule.pattern, tz: schedule.timeZone }, { name: 'fire', data, opts: KEEP_FIRINGS });
  } finally {
    await queue.close();
  }
  return next;
}

export async function listSchedules(redis: RedisClient, prefix: string): Promise<ScheduleView[]> {
  const queue = schedulesQueue(redis, prefix);
  try {
    const [schedulers, runs] = await Promise.all([queue.getJobSchedulers(0, -1, true), redis.hgetall(scheduleRunsKey(prefix))]);
    return schedulers.map((scheduler) => {
      const data = scheduler.template?.data;
      const name = scheduler.id ?? scheduler.key;
      const run = runs[name];
      return {
        name,
        pattern: scheduler.pattern ?? '',
        timeZone: scheduler.tz ?? data?.timeZone ?? '',
        next: scheduler.next ?? null,
        file: data?.file ?? '',
        window: data?.window ?? null,
        lastRun: run === undefined ? null : (JSON.parse(run) as ScheduleRun),
      };
    });
  } finally {
    await queue.close();
  }
}

/** Removes a schedule; campaigns it already created are left alone. */
export async function removeSchedule(redis: RedisClient, prefix: string, name: string): Promise<void> {
  const queue = schedulesQueue(redis, prefix);
  try {
    if (!(await queue.removeJobScheduler(name))) throw new FleetcastError('FC_BAD_USAGE', `no schedule "${name}"; fleetcast schedules lists them`);
    await redis.hdel(scheduleRunsKey(prefix), name);
  } finally {
    await queue.close();
  }
}

export async function recordScheduleRun(redis: RedisClient, prefix: string, name: string, run: ScheduleRun): Promise<void> {
  await redis.hset(scheduleRunsKey(prefix), name, JSON.stringify(run));
}
