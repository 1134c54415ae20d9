import type { Command } from 'commander';
import { readCampaignName, type CampaignSummary } from '../../campaign/index.js';
import { FleetcastError } from '../../errors/fleetcast-error.js';
import type { ForecastStep } from '../../plan/forecast.js';
import { packedCallsOf, pubCallsLasting, type PackedCalls } from '../../plan/packed-calls.js';
import { planCampaign, type Plan } from '../../plan/plan-campaign.js';
import { canaryRows } from '../../queue/canary.js';
import { packPubShareOf } from '../../queue/pack-chunks.js';
import { campaignIdOf, defaultCampaignName } from '../../queue/campaign-id.js';
import type { CampaignSchedule } from '../../schedule/campaign-schedule.js';
import { formatInZone } from '../../schedule/time-zone.js';
import { timingOf } from '../../schedule/timing-flags.js';
import { configFrom, withStore } from '../context.js';
import { exitWithError, printJson, printTable } from '../output.js';
import { formatDuration } from '../../view/duration.js';
import { addSubmitOptions, rolloutOf, type Rollout, type SubmitFlags } from '../submit-flags.js';
import { jsonSummary, printSummary, validateWithProgress } from './validate.js';

/** Validation shorter than this shows no progress bar. */
/** Steps the table shows; --json lists them all. */
const STEPS_SHOWN = 30;

export function registerPlanCommand(program: Command): void {
  addSubmitOptions(
    program
      .command('plan')
      .argument('<file>', 'campaign file (.csv, .json, .ndjson)')
      .description("validate a campaign like validate, then forecast its calls, its rate over time and its finish against what is queued; sends nothing"),
  )
    .option('--json', 'print one JSON line: { rows, valid, invalid, calls, seconds, startsAt, finishesAt, steps: [{ at, rate, rows }] }')
    .addHelpText(
      'after',
      `
Takes the flags of submit (those that only follow or report a campaign, such as --wait, change nothing here).

Examples:
  fleetcast plan fw.csv --rate 600
  fleetcast plan fw.csv --canary 100 --canary-soak 10m --ramp-start 50 --ramp-factor 2 --ramp-every 500
  fleetcast plan nightly.csv --window 22:00-06:00 --tz Asia/Shanghai --priority 3 --json

The forecast counts every row as one Pub call that ends sent, at the rate the limiters deliver (a little under
their settings), beside the active campaigns, each sharing the account cap by its --priority. A canary without
--canary-soak holds until resume: the times after the hold count from the resume. Without Redis only the file is
checked, and the forecast is left out.

Exit codes: 0 submit would accept the file, 2 bad usage, or some row or the file is invalid (without --skip-invalid).`,
    )
    .action(async (file: string, flags: SubmitFlags) => {
      const json = flags.json === true;
      try {
        const config = configFrom(flags);
        const timing = timingOf(flags);
        const rollout = rolloutOf(flags);
        const summary = await validateWithProgress(file, json);
        const refused = summary.errors.some((error) => error.row === 0) || (summary.invalid > 0 && flags.skipInvalid !== true);
        process.exitCode = refused ? 2 : 0;
        if (!json) printSummary(file, summary);
        if (refused) {
          const why = 'submit would queue nothing: the file has invalid rows (--skip-invalid sends the valid ones)';
          if (json) printJson({ ...fileJson(summary, false), ...jsonSummary(summary), noForecast: why });
          else console.log(`\n${why}`);
          return;
        }
        const schedule: CampaignSchedule = timing.kind === 'once' ? timing.schedule : { startAt: timing.next, window: timing.window };
        const id = campaignIdOf(flags.name ?? defaultCampaignName(file, await readCampaignName(file)));
        const canaryCount = rollout.canary === undefined ? 0 : canaryRows(rollout.canary.size, summary.valid);
        const packed = flags.pack === true ? await packedCallsOf(file, canaryCount, packPubShareOf(config)) : undefined;
        let plan: Plan;
        try {
          plan = await withStore(config, (store) =>
            planCampaign(store, {
              id,
              rows: packed === undefined ? summary.valid : pubCallsLasting(packed, config.rate, config.batchPubRate),
              rate: flags.rate,
              priority: flags.priority ?? 1,
              ramp: rollout.ramp,
              canary: rollout.canary,
              schedule,
              accessKeyId: config.accessKeyId,
              configuredCap: config.rate,
              now: Date.now(),
            }),
          );
        } catch (error) {
          if (!(error instanceof FleetcastError && error.code === 'FC_REDIS_UNREACHABLE')) throw error;
          const why = `the forecast needs Redis: ${error.message}`;
          if (json) printJson({ ...fileJson(summary, true), noForecast: why });
          else console.log(`\nno forecast: ${why}`);
          return;
        }
        if (json) printJson({ ...planJson(summary, plan, packed), ...(packed === undefined ? {} : { packed }) });
        else {
          if (timing.kind === 'recurring') console.log(`\nschedule ${timing.name}: the forecast of its next firing, ${formatInZone(timing.next, timing.timeZone)}`);
          if (packed !== undefined) console.log(`\n${packedText(packed, config.rate, config.batchPubRate)}`);
          printPlan(plan, packed === undefined ? summary.valid : packed.pub + packed.batchPub, rollout, timing.timeZone);
        }
      } catch (error) {
        exitWithError(error, json);
      }
    });
}

/** The JSON line without a forecast: the file's counts, and the calls submit would make when it accepts the file. */
function fileJson(summary: CampaignSummary, accepted: boolean): object {
  return { rows: summary.rows, valid: summary.valid, invalid: summary.invalid, calls: accepted ? summary.valid : 0, seconds: null, startsAt: null, finishesAt: null, steps: [] };
}

/** What `--pack` does to the calls, and how the forecast counts them. */
function packedText(packed: PackedCalls, pubCap: number, batchPubCap: number): string {
  return (
    `--pack: ${packed.packedRows} rows in ${packed.batchPub} BatchPub calls (at ${batchPubCap} calls/s), ${packed.pub} rows by Pub (at ${pubCap} calls/s), ` +
    `side by side; the forecast counts the ${pubCallsLasting(packed, pubCap, batchPubCap)} Pub calls that take as long`
  );
}

function planJson(summary: CampaignSummary, plan: Plan, packed?: PackedCalls): object {
  const { forecast } = plan;
  return {
    rows: summary.rows,
    valid: summary.valid,
    invalid: summary.invalid,
    calls: packed === undefined ? summary.valid : packed.pub + packed.batchPub,
    seconds: Math.round(forecast.seconds * 100) / 100,
    startsAt: new Date(forecast.startsAt).toISOString(),
    finishesAt: new Date(forecast.finishesAt).toISOString(),
    steps: forecast.steps.map((step) => ({ at: new Date(step.at).toISOString(), rate: Math.round(step.rate * 10) / 10, rows: step.rows })),
  };
}

function printPlan(plan: Plan, calls: number, rollout: Rollout, timeZone: string): void {
  const { forecast, cap } = plan;
  const capText = `the account cap of ${cap.cap} calls/s (${cap.source === 'stored' ? 'stored with the limiter' : 'FLEETCAST_RATE: none stored yet'})`;
  const others = plan.others.length === 0 ? 'no other active campaign' : `${plan.others.length} other active ${plan.others.length === 1 ? 'campaign' : 'campaigns'}: ${plan.others.map((other) => `${other.id} (${other.rows} rows left, priority ${other.priority})`).join(', ')}`;
  console.log(`\nforecast: ${calls} calls under ${capText}, beside ${others}`);
  if (rollout.canary !== undefined && plan.canaryRows !== undefined) {
    const soak = rollout.canary.soakMs;
    const hold = soak === undefined ? 'holds in state canary until fleetcast resume: the times after the hold count from the resume' : `holds ${formatSpan(soak)}, then goes on by itself`;
    console.log(`canary: the first ${plan.canaryRows} rows, then ${hold}`);
  }
  if (forecast.steps.length > 0) {
    printTable(forecast.steps.slice(0, STEPS_SHOWN).map((step) => stepRow(step, timeZone)), ['at', 'for', 'rate/s', 'rows', 'held by']);
    if (forecast.steps.length > STEPS_SHOWN) console.log(`… and ${forecast.steps.length - STEPS_SHOWN} more steps (--json lists them all)`);
  }
  console.log(`starts ${formatInZone(forecast.startsAt, timeZone)}, finishes ${formatInZone(forecast.finishesAt, timeZone)}: ${formatSpan(forecast.seconds * 1000)}`);
}

function stepRow(step: ForecastStep, timeZone: string): Record<string, string | number> {
  return { at: formatInZone(step.at, timeZone), for: step.limit === 'resume' ? '-' : formatSpan(step.ms), 'rate/s': step.rate.toFixed(1), rows: step.rows, 'held by': heldByText(step) };
}

function heldByText(step: ForecastStep): string {
  switch (step.limit) {
    case 'ramp':
      return `ramp step of ${Math.round((step.rampRate ?? 0) * 10) / 10} calls/s`;
    case 'rate':
      return '--rate';
    case 'cap':
      return 'account cap';
    case 'share':
      return `its share of the cap beside ${step.sharedWith} ${step.sharedWith === 1 ? 'campaign' : 'campaigns'}`;
    case 'start':
      return 'start time';
    case 'window':
      return 'send window closed';
    case 'soak':
      return 'canary hold (soak)';
    case 'resume':
      return 'canary hold until resume';
  }
}

/** `5.1s` under a minute, else `12m05s`. */
function formatSpan(ms: number): string {
  return ms < 59_950 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms / 1000);
}
