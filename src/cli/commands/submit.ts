import type { Command } from 'commander';
import { submitCampaign } from '../../queue/producer.js';
import { writeReport } from '../../report/report.js';
import { campaignView } from '../campaign-view.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { followCampaign } from '../follow.js';
import { exitWithError, printJson } from '../output.js';
import { positiveInt, positiveNumber } from '../parse.js';
import { ProgressLine, bar } from '../progress.js';

interface SubmitFlags extends GlobalFlags {
  name?: string;
  rate?: number;
  priority?: number;
  skipInvalid?: boolean;
  rejects?: string;
  wait?: boolean;
  report?: string;
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
    .option('--json', 'print one JSON object per result')
    .addHelpText(
      'after',
      '\nExamples:\n  fleetcast submit samples/firmware-notice.csv --wait --report out.csv\n  fleetcast submit nightly.ndjson --name nightly-2026-12-01 --rate 800\n\nExit codes: 0 done (with --wait: every row sent), 1 some rows failed or were cancelled, 2 bad input, 3 Redis unreachable.',
    )
    .action(async (file: string, flags: SubmitFlags) => {
      const json = flags.json === true;
      try {
        const config = configFrom(flags);
        process.exitCode = await withStore(config, async (store, redis) => {
          const progress = new ProgressLine();
          const result = await submitCampaign(redis, config.prefix, {
            file,
            ...(flags.name === undefined ? {} : { name: flags.name }),
            ...(flags.rate === undefined ? {} : { rate: flags.rate }),
            ...(flags.priority === undefined ? {} : { priority: flags.priority }),
            skipInvalid: flags.skipInvalid === true,
            ...(flags.rejects === undefined ? {} : { rejectsPath: flags.rejects }),
            onProgress: (event) => {
              if (!json) progress.update(`${event.phase === 'validate' ? 'validating' : 'queueing'} ${file} ${bar(event.total === 0 ? 1 : event.done / event.total)}`);
            },
          });
          progress.done();
          if (json) printJson({ submitted: result });
          else console.log(submittedText(result));
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

function submittedText(result: Awaited<ReturnType<typeof submitCampaign>>): string {
  if (result.alreadySubmitted) return `campaign ${result.id} was already submitted with this file: nothing added`;
  const skipped = result.invalid > 0 ? `, ${result.invalid} invalid rows skipped (see ${result.rejectsPath ?? ''})` : '';
  return `campaign ${result.id}: ${result.rows} rows queued in ${result.chunks} chunks${skipped}`;
}
