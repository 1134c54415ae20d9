import type { Command } from 'commander';
import { failuresByCode, type FailuresByCode } from '../../report/failures-by-code.js';
import type { CampaignStore } from '../../queue/campaign-store.js';
import { accountCaps, guardPercent, highestCap } from '../../view/account-cap.js';
import { listSchedules } from '../lazy.js';
import { STATUS_COLUMNS, campaignView, stateText, tableRow, type CampaignView } from '../../view/campaign-view.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { exitWithError, printJson, printTable } from '../output.js';
import { formatDuration } from '../../view/duration.js';
import { SCHEDULE_COLUMNS, scheduleJson, scheduleRow } from '../../view/schedule-view.js';

interface StatusFlags extends GlobalFlags {
  watch?: boolean;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .argument('[campaign]', 'one campaign id (default: all)')
    .description('campaigns with their state, counts, rate and ETA, then the recurring schedules; for one campaign, a detail view with its failures by Code')
    .option('--watch', 'refresh every second until interrupted')
    .option('--json', 'print JSON: { campaigns: [...], schedules: [...], accounts: [{ account, cap, rate, workers }] }, and for one campaign { campaigns: [one], failuresByCode: { Code: rows } }')
    .addHelpText('after', '\nExamples:\n  fleetcast status\n  fleetcast status firmware-notice\n  fleetcast status firmware-notice --json')
    .action(async (campaign: string | undefined, flags: StatusFlags) => {
      const json = flags.json === true;
      try {
        const config = configFrom(flags);
        await withStore(config, async (store) => {
          for (;;) {
            if (flags.watch === true && !json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
            if (campaign === undefined) await printAll(store, json);
            else await printOne(store, campaign, json);
            if (flags.watch !== true) return;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        });
      } catch (error) {
        exitWithError(error, json);
      }
    });
}

async function printAll(store: CampaignStore, json: boolean): Promise<void> {
  const accounts = await accountCaps(store.redis, store.prefix);
  const views = (await store.list()).map((record) => campaignView(record, Date.now(), highestCap(accounts)));
  const schedules = await listSchedules(store.redis, store.prefix);
  if (json) {
    printJson({ campaigns: views, schedules: schedules.map(scheduleJson), accounts: accounts.map(({ account, cap, rate, guard, workers }) => ({ account, cap, rate, guard: guard ?? null, workers: workers.length })) });
    return;
  }
  if (views.length === 0) console.log('no campaigns');
  else printTable(views.map(tableRow), STATUS_COLUMNS);
  for (const { account, cap, rate, guard, workers } of accounts) {
    const kept = guard === undefined ? '' : `, ${guardPercent(guard)} kept for timing`;
    console.log(`account ${account}: shared cap ${cap}/s, rate now ${Math.round(rate)}/s${kept}, ${workers.length} workers (see fleetcast cap)`);
  }
  if (schedules.length === 0) return;
  console.log('\nschedules:');
  printTable(schedules.map(scheduleRow), SCHEDULE_COLUMNS);
}

async function printOne(store: CampaignStore, id: string, json: boolean): Promise<void> {
  const view = campaignView(await store.require(id), Date.now(), highestCap(await accountCaps(store.redis, store.prefix)));
  const failures = await failuresByCode(store, id);
  if (json) printJson({ campaigns: [view], failuresByCode: failures });
  else printDetail(view, failures);
}

/** `abort` lines (one per rule, with the rows it judges now) and `fired`, when the campaign has rules. */
function rolloutFields(view: CampaignView): Array<[string, string]> {
  const { rollout } = view;
  const canary: Array<[string, string]> =
    rollout.canary === null
      ? []
      : [['canary', `${rollout.stage}: ${rollout.canary.done} of ${rollout.canary.rows} rows final${rollout.canary.continuesAt === null ? '' : `; goes on by itself at ${rollout.canary.continuesAt}`}`]];
  const ramp: Array<[string, string]> =
    rollout.ramp === null
      ? rollout.rate === null
        ? []
        : [['limit', `${rollout.rate} calls/s (--rate)`]]
      : [['ramp', rampText(rollout)]];
  const rules = rollout.abort.map((rule): [string, string] => [
    'abort',
    `${rule.rule} → ${rollout.abortAction}: ${rule.matching} of ${rule.final} final rows`,
  ]);
  return [...canary, ...ramp, ...rules, ...(rollout.fired === null ? [] : ([['fired', rollout.fired.text]] as Array<[string, string]>))];
}

/** `step 2: 200 calls/s; next step at 1500 sent (1234 now); from 50/s ×2 every 500 sent`. */
function rampText(rollout: CampaignView['rollout']): string {
  const { ramp } = rollout;
  if (ramp === null) return '';
  const next = rollout.nextStepAt === null ? 'at its ceiling' : `next step at ${rollout.nextStepAt} ${ramp.on} (${ramp.counted} now)`;
  return `step ${rollout.step ?? 0}: ${rollout.rate ?? '-'} calls/s; ${next}; from ${ramp.start}/s ×${ramp.factor} every ${ramp.every} ${ramp.on}`;
}

function printDetail(view: CampaignView, failures: FailuresByCode): void {
  const fields: Array<[string, string | number]> = [
    ['campaign', view.id === view.name ? view.id : `${view.id} (${view.name})`],
    ['state', view.pausedReason === null ? stateText(view) : view.state],
    ...(view.pausedReason === null ? [] : ([['paused', view.pausedReason]] as Array<[string, string]>)),
    ...(view.startAt === null ? [] : ([['starts', view.startAt]] as Array<[string, string]>)),
    ...(view.window === null ? [] : ([['window', view.window]] as Array<[string, string]>)),
    ['rows', view.rows],
    ['sent', view.sentBatchPub === 0 ? view.sent : `${view.sent} (${view.sentBatchPub} by BatchPub, ${view.sent - view.sentBatchPub} by Pub)`],
    ['failed', view.failed],
    ['cancelled', view.cancelled],
    ['remaining', view.remaining],
    ['rate/s', view.ratePerSec],
    ['eta', view.etaSeconds === null ? '-' : formatDuration(view.etaSeconds)],
    ['created', view.createdAt],
    ['finished', view.finishedAt ?? '-'],
    ...rolloutFields(view),
  ];
  for (const [name, value] of fields) console.log(`${name.padEnd(10)} ${value}`);
  const codes = Object.entries(failures);
  console.log(codes.length === 0 ? '\nno failed rows' : '\nfailures by code:');
  const width = Math.max(0, ...codes.map(([code]) => code.length));
  for (const [code, rows] of codes) console.log(`  ${code.padEnd(width)}  ${rows}`);
}
