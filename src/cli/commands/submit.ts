import type { Command } from 'commander';
import type { RedisClient } from '../../redis/client.js';
import { createSchedule, submitCampaign, writeReport } from '../lazy.js';
import { recordIngestRows } from '../../metrics/ingest.js';
import type { CampaignSchedule } from '../../schedule/campaign-schedule.js';
import { formatSendWindow } from '../../schedule/send-window.js';
import { formatInZone } from '../../schedule/time-zone.js';
import { timingOf, type Timing } from '../../schedule/timing-flags.js';
import { packPubShareOf } from '../../queue/pack-chunks.js';
import { accountCaps, highestCap } from '../../view/account-cap.js';
import { campaignView } from '../../view/campaign-view.js';
import { configFrom, withStore } from '../context.js';
import { followCampaign } from '../follow.js';
import { exitWithError, printJson } from '../output.js';
import { ProgressLine, bar } from '../progress.js';
import { addSubmitOptions, rolloutOf, type Rollout, type SubmitFlags } from '../submit-flags.js';

export function registerSubmitCommand(program: Command): void {
  addSubmitOptions(
    program
      .command('submit')
      .argument('<file>', 'campaign file (.csv, .json, .ndjson)')
      .description('validate a campaign, create it and queue its rows; --wait follows it to the end'),
  )
    .option('--json', 'print one JSON object per result')
    .addHelpText(
      'after',
      `
Examples:
  fleetcast submit samples/firmware-notice.csv --wait --report out.csv
  fleetcast submit nightly.ndjson --name nightly-2026-12-01 --rate 800
  fleetcast submit notice.csv --at 2026-12-01T02:00+08:00
  fleetcast submit notice.csv --window 22:00-06:00 --tz Asia/Shanghai
  fleetcast submit /data/nightly.csv --cron "0 2 * * *" --tz Asia/Shanghai --name nightly
  fleetcast submit fw.csv --abort offline:20:200 --abort not-found:5
  fleetcast submit fw.csv --abort failed:10 --abort-action cancel
  fleetcast submit fw.csv --canary 100                      # then: fleetcast status fw, fleetcast resume fw
  fleetcast submit fw.csv --canary 5% --canary-soak 10m --abort offline:20:200
  fleetcast submit fw.csv --pack --wait                      # one payload to a fleet: BatchPub, up to 100 devices a call
  fleetcast submit fw.csv --ramp-start 50 --ramp-factor 2 --ramp-every 500 --rate 1000   # 50, 100, 200 … calls/s
  fleetcast plan fw.csv --ramp-start 50 --ramp-factor 2 --ramp-every 500   # the same flags: a forecast, nothing sent

With --cron the file is validated now and read again from its absolute path at every firing, by a worker: worker
hosts must see that path. Each firing is a campaign named NAME-YYYYMMDD-HHMMSS; see fleetcast schedules.

Exit codes: 0 done (with --wait: every row sent), 1 some rows failed or were cancelled, 2 bad input or usage, 3 Redis unreachable.`,
    )
    .action(async (file: string, flags: SubmitFlags) => {
      const json = flags.json === true;
      try {
        const config = configFrom(flags);
        const timing = timingOf(flags);
        const { abort, canary, ramp } = rolloutOf(flags);
        if (timing.kind === 'recurring') {
          await withStore(config, (_store, redis) => submitRecurring(redis, config.prefix, file, flags, timing, json, { abort, canary, ramp }, packPubShareOf(config)));
          return;
        }
        process.exitCode = await withStore(config, async (store, redis) => {
          const progress = new ProgressLine();
          const result = await submitCampaign(redis, config.prefix, {
            file,
            ...(flags.name === undefined ? {} : { name: flags.name }),
            ...(flags.rate === undefined ? {} : { rate: flags.rate }),
            ...(flags.priority === undefined ? {} : { priority: flags.priority }),
            skipInvalid: flags.skipInvalid === true,
            ...(flags.rejects === undefined ? {} : { rejectsPath: flags.rejects }),
            schedule: timing.schedule,
            ...(abort === undefined ? {} : { abort }),
            ...(canary === undefined ? {} : { canary }),
            ...(ramp === undefined ? {} : { ramp }),
            pack: flags.pack === true,
            packPubShare: packPubShareOf(config),
            onAccepted: (rows) => recordIngestRows(redis, config.prefix, rows),
            onProgress: (event) => {
              if (!json) progress.update(`${event.phase === 'validate' ? 'validating' : 'queueing'} ${file} ${bar(event.total === 0 ? 1 : event.done / event.total)}`);
            },
          });
          progress.done();
          if (json) printJson({ submitted: { ...result, ...scheduleJson(timing.schedule) } });
          else console.log(`${submittedText(result)}${heldText(timing.schedule, timing.timeZone)}`);
          if (flags.wait !== true) return 0;
          const { end, record } = await followCampaign(store, result.id, !json, highestCap(await accountCaps(redis, config.prefix), config.rate));
          if (flags.report !== undefined) await writeReport(store, result.id, flags.report);
          const view = campaignView(record);
          if (json) printJson({ campaign: view, report: flags.report ?? null });
          else console.log(`${record.id}: ${record.state}${record.pausedReason === undefined ? '' : ` (${record.pausedReason})`} — sent ${record.sent}, failed ${record.failed}, cancelled ${record.cancelled} of ${record.rows}${flags.report === undefined ? '' : `; report ${flags.report}`}`);
          return end === 'finished' && record.failed === 0 && record.cancelled === 0 ? 0 : 1;
        });
      } catch (error) {
        exitWithError(error, json);
      }
    });
}

async function submitRecurring(
  redis: RedisClient,
  prefix: string,
  file: string,
  flags: SubmitFlags,
  timing: Extract<Timing, { kind: 'recurring' }>,
  json: boolean,
  rollout: Rollout,
  packPubShare: number,
): Promise<void> {
  const window = timing.window === undefined ? undefined : formatSendWindow(timing.window);
  const next = await createSchedule(redis, prefix, {
    name: timing.name,
    file,
    pattern: timing.pattern,
    timeZone: timing.timeZone,
    skipInvalid: flags.skipInvalid === true,
    rejectsPath: flags.rejects,
    rate: flags.rate,
    priority: flags.priority,
    window,
    abort: rollout.abort,
    canary: rollout.canary,
    ramp: rollout.ramp,
    pack: flags.pack === true,
    packPubShare,
  });
  if (json) {
    printJson({ schedule: { name: timing.name, pattern: timing.pattern, timeZone: timing.timeZone, window: window ?? null, next: new Date(next).toISOString() } });
    return;
  }
  const inside = window === undefined ? '' : `, sending only ${window}`;
  console.log(`schedule ${timing.name}: "${timing.pattern}" in ${timing.timeZone}${inside}; next run ${formatInZone(next, timing.timeZone)}`);
}

function scheduleJson(schedule: CampaignSchedule): { startAt: string | null; window: string | null } {
  return {
    startAt: schedule.startAt === undefined ? null : new Date(schedule.startAt).toISOString(),
    window: schedule.window === undefined ? null : `${formatSendWindow(schedule.window)} ${schedule.window.timeZone}`,
  };
}

/** `; starts …` and `; sends only inside …`, for a campaign that holds its rows. */
function heldText(schedule: CampaignSchedule, timeZone: string): string {
  const starts = schedule.startAt === undefined ? '' : `; starts ${formatInZone(schedule.startAt, timeZone)}`;
  const window = schedule.window === undefined ? '' : `; sends only inside ${formatSendWindow(schedule.window)} ${schedule.window.timeZone}`;
  return `${starts}${window}`;
}

function submittedText(result: Awaited<ReturnType<typeof submitCampaign>>): string {
  if (result.alreadySubmitted) return `campaign ${result.id} was already submitted with this file: nothing added`;
  const skipped = result.invalid > 0 ? `, ${result.invalid} invalid rows skipped (see ${result.rejectsPath ?? ''})` : '';
  return `campaign ${result.id}: ${result.rows} rows queued in ${result.chunks} chunks${skipped}`;
}
