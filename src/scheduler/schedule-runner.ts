import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { duplicateClient, type RedisClient } from '../redis/client.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import { processErrorLog, type ErrorLog } from '../log/throttled-log.js';
import { recordIngestRows } from '../metrics/ingest.js';
import { globalBullPrefix } from '../queue/keys.js';
import { submitCampaign, type SubmitResult } from '../queue/producer.js';
import { recordScheduleRun } from './recurring.js';
import { SCHEDULES_QUEUE, type ScheduleJobData } from './schedule-queue.js';
import { parseSendWindow } from '../schedule/send-window.js';
import { parseAbortRule } from '../queue/abort-rules.js';
import { parseCanarySize } from '../queue/canary.js';
import { storedRamp, type RampSpec } from '../queue/ramp.js';
import { wallTimeAt } from '../schedule/time-zone.js';

/** Fires recurring schedules in a worker process: each firing submits its file as a new campaign. */
export interface ScheduleRunner {
  close(): Promise<void>;
}

export function startScheduleRunner(redis: RedisClient, prefix: string, log: (line: string) => void, errors: ErrorLog = processErrorLog): ScheduleRunner {
  const connection = duplicateClient(redis, { maxRetriesPerRequest: null, enableAutoPipelining: false });
  connection.on('error', (error) => errors.report('redis connection', 'schedule worker', error));
  const worker = new Worker<ScheduleJobData, SubmitResult>(SCHEDULES_QUEUE, (job) => fire(redis, prefix, job, log), {
    connection,
    prefix: globalBullPrefix(prefix),
    concurrency: 1,
  });
  // The worker repeats its connection's errors on every reconnect attempt: logged once a minute.
  worker.on('error', (error) => errors.report('schedules', 'schedule worker', error));
  worker.on('closed', () => connection.disconnect());
  return { close: () => worker.close() };
}

/**
 * Re-reads and validates the file and submits it as `<name>-<firing time>`. A firing that runs twice finds its
 * campaign already submitted; a bad file creates nothing, and why is kept as the schedule's last run.
 */
async function fire(redis: RedisClient, prefix: string, job: Job<ScheduleJobData>, log: (line: string) => void): Promise<SubmitResult> {
  const { data } = job;
  const firedAt = firingTime(job);
  const campaign = `${data.name}-${compactTime(firedAt, data.timeZone)}`;
  try {
    const result = await submitCampaign(redis, prefix, {
      file: data.file,
      name: campaign,
      skipInvalid: data.skipInvalid,
      ...(data.rejectsPath === null ? {} : { rejectsPath: data.rejectsPath }),
      ...(data.rate === null ? {} : { rate: data.rate }),
      ...(data.priority === null ? {} : { priority: data.priority }),
      schedule: { startAt: undefined, window: data.window === null ? undefined : parseSendWindow(data.window, data.timeZone) },
      ...(data.abort === undefined || data.abort === null ? {} : { abort: { rules: data.abort.rules.map(parseAbortRule), action: data.abort.action } }),
      ...(data.canary === undefined || data.canary === null ? {} : { canary: { size: parseCanarySize(data.canary.size), soakMs: data.canary.soakMs ?? undefined } }),
      ...rampOfSchedule(data),
      pack: data.pack === true,
      packPubShare: data.packPubShare ?? 0,
      onAccepted: (rows) => recordIngestRows(redis, prefix, rows),
    });
    await recordScheduleRun(redis, prefix, data.name, { firedAt, campaign: result.id, rows: result.rows, error: null });
    log(`schedule ${data.name}: campaign ${result.id} with ${result.rows} rows`);
    return result;
  } catch (error) {
    const code = error instanceof FleetcastError ? error.code : 'FC_INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    await recordScheduleRun(redis, prefix, data.name, { firedAt, campaign: null, rows: 0, error: { code, message } });
    log(`schedule ${data.name}: nothing submitted: ${message}`);
    throw new UnrecoverableError(message);
  }
}

/** The schedule's ramp as SubmitOptions takes it; nothing when it has none. */
function rampOfSchedule(data: ScheduleJobData): { ramp?: RampSpec } {
  const ramp = data.ramp === undefined || data.ramp === null ? undefined : storedRamp(data.ramp);
  return ramp === undefined ? {} : { ramp };
}

/** The time the firing was planned for (BullMQ names scheduler jobs `repeat:<id>:<millis>`). */
function firingTime(job: Job): number {
  const planned = Number(job.id?.split(':').pop());
  return Number.isFinite(planned) && planned > 0 ? planned : job.timestamp + (job.opts.delay ?? 0);
}

/** `20261201-020000`, the firing's wall time in the schedule's zone. */
function compactTime(t: number, timeZone: string): string {
  const wall = wallTimeAt(t, timeZone);
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${wall.year}${two(wall.month)}${two(wall.day)}-${two(wall.hour)}${two(wall.minute)}${two(wall.second)}`;
}
