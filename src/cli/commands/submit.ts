import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { createSchedule, submitCampaign, writeReport } from '../lazy.js';
import { recordIngestRows } from '../../metrics/ingest.js';
import type { CampaignSchedule } from '../../schedule/campaign-schedule.js';
import { formatSendWindow } from '../../schedule/send-window.js';
import { formatInZone } from '../../schedule/time-zone.js';
import { timingOf, type Timing } from '../../schedule/timing-flags.js';
import { campaignView } from '../campaign-view.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { followCampaign } from '../follow.js';
import { exitWithError, printJson } from '../output.js';
import { positiveInt, positiveNumber } from '../parse.js';
import { ProgressLine, bar } from '../progress.js';
import { FleetcastError } from '../../errors/fleetcast-error.js';
import { parseAbortAction, parseAbortRule, type AbortAction, type AbortRule } from '../../queue/abort-rules.js';
import { parseCanarySize, parseSoak, type CanarySpec } from '../../queue/canary.js';

interface SubmitFlags extends GlobalFlags {
  name?: string;
  rate?: number;
  priority?: number;
  skipInvalid?: boolean;
  rejects?: string;
  wait?: boolean;
  report?: string;
  at?: string;
  cron?: string;
  window?: string;
  tz?: string;
  abort: string[];
  abortAction?: string;
  canary?: string;
  canarySoak?: string;
}

export function registerSubmitCommand(program: Command): void {
  program
    .command('submit')
    .argument('<file>', 'campaign file (.csv, .json, .ndjson)')
    .description('validate a campaign, create it and queue its rows; --wait follows it to the end')
    .option('--name <name>', 'campaign name (default: the JSON "name", else the file name); the same name and file never send twice')
    .option('--rate <qps>', "the campaign's own cap in calls/s, below the account cap", positiveNumber('--rate', 0.1, 100_000))
    .option('--priority <weight>', 'share of the account when several campaigns run (default 1)', positiveInt('--priority', 1, 100))
    .option('--skip-invalid', 'send the valid rows and write the invalid ones to --rejects')
    .option('--rejects <file>', 'where --skip-invalid writes rejected rows (default FILE.rejects.csv)')
    .option('--wait', 'follow the campaign to the end with a progress bar')
    .option('--report <out.csv>', 'with --wait: write the per-row report there at the end')
    .option('--at <time>', 'queue the rows now but send from this time on: ISO 8601, e.g. 2026-12-01T02:00+08:00 (without an offset: in --tz)')
    .option('--cron <pattern>', 'instead of one campaign now, submit the file again at every firing: "0 2 * * *" (6 fields: seconds first); needs --name')
    .option('--window <HH:MM-HH:MM>', 'send only inside this daily window of local time (may wrap midnight, e.g. 22:00-06:00); outside it rows wait')
    .option('--tz <zone>', 'IANA time zone of --at, --cron and --window, e.g. Asia/Shanghai (default: this machine\'s)')
    .option('--abort <CLASS:PERCENT[:MIN]>', 'pause (or cancel) once MIN rows (default 100) are final and more than PERCENT% ended in CLASS: offline, not-found, rejected, exhausted or failed; repeatable', collectRules, [])
    .option('--abort-action <pause|cancel>', 'what a fired --abort rule does: pause (default; resume to go on) or cancel the rest')
    .option('--canary <N|P%>', 'send the first N rows (or P% of them, at least 1), wait until each is final, then hold in state canary until resume')
    .option('--canary-soak <duration>', 'with --canary: go on by itself this long after the canary ended (90s, 10m, 1h), unless an abort rule fired')
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

With --cron the file is validated now and read again from its absolute path at every firing, by a worker: worker
hosts must see that path. Each firing is a campaign named NAME-YYYYMMDD-HHMMSS; see fleetcast schedules.

Exit codes: 0 done (with --wait: every row sent), 1 some rows failed or were cancelled, 2 bad input or usage, 3 Redis unreachable.`,
    )
    .action(async (file: string, flags: SubmitFlags) => {
      const json = flags.json === true;
      try {
        const config = configFrom(flags);
        const timing = timingOf(flags);
        const abort = abortOf(flags);
        const canary = canaryOf(flags);
        if (timing.kind === 'recurring') {
          await withStore(config, (_store, redis) => submitRecurring(redis, config.prefix, file, flags, timing, json));
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
            onAccepted: (rows) => recordIngestRows(redis, config.prefix, rows),
            onProgress: (event) => {
              if (!json) progress.update(`${event.phase === 'validate' ? 'validating' : 'queueing'} ${file} ${bar(event.total === 0 ? 1 : event.done / event.total)}`);
            },
          });
          progress.done();
          if (json) printJson({ submitted: { ...result, ...scheduleJson(timing.schedule) } });
          else console.log(`${submittedText(result)}${heldText(timing.schedule, timing.timeZone)}`);
          if (flags.wait !== true) return 0;
          const { end, record } = await followCampaign(store, result.id, !json, config.rate);
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
  redis: Redis,
  prefix: string,
  file: string,
  flags: SubmitFlags,
  timing: Extract<Timing, { kind: 'recurring' }>,
  json: boolean,
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
    abort: abortOf(flags),
    canary: canaryOf(flags),
  });
  if (json) {
    printJson({ schedule: { name: timing.name, pattern: timing.pattern, timeZone: timing.timeZone, window: window ?? null, next: new Date(next).toISOString() } });
    return;
  }
  const inside = window === undefined ? '' : `, sending only ${window}`;
  console.log(`schedule ${timing.name}: "${timing.pattern}" in ${timing.timeZone}${inside}; next run ${formatInZone(next, timing.timeZone)}`);
}

function collectRules(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The campaign's abort rules from `--abort` and `--abort-action`; undefined when there are none. */
function abortOf(flags: SubmitFlags): { rules: AbortRule[]; action: AbortAction } | undefined {
  const action = parseAbortAction(flags.abortAction);
  if (flags.abort.length === 0) {
    if (flags.abortAction !== undefined) throw new FleetcastError('FC_BAD_USAGE', '--abort-action needs at least one --abort rule');
    return undefined;
  }
  return { rules: flags.abort.map(parseAbortRule), action };
}

/** The campaign's canary from `--canary` and `--canary-soak`; undefined without `--canary`. */
function canaryOf(flags: SubmitFlags): CanarySpec | undefined {
  if (flags.canary === undefined) {
    if (flags.canarySoak !== undefined) throw new FleetcastError('FC_BAD_USAGE', '--canary-soak needs --canary');
    return undefined;
  }
  return { size: parseCanarySize(flags.canary), soakMs: flags.canarySoak === undefined ? undefined : parseSoak(flags.canarySoak) };
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
