import type { Command } from 'commander';
import { validateCampaign, type CampaignSummary, type RowError } from '../../campaign/index.js';
import { exitWithError, printJson } from '../output.js';
import { ProgressLine, bar } from '../progress.js';

const SHOWN_IN_FULL = 1000;

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .argument('<file>', 'campaign file (.csv, .json, .ndjson)')
    .description('check a campaign without sending: a summary and every bad row with its line number')
    .option('--json', 'print one JSON object: { rows, valid, invalid, errors: [{ line, field, code, message }] }')
    .addHelpText('after', '\nExample:\n  fleetcast validate samples/firmware-notice.csv\n\nExit codes: 0 every row valid, 2 some row or the file is invalid. Nothing touches Redis.')
    .action(async (file: string, flags: { json?: boolean }) => {
      const json = flags.json === true;
      try {
        const progress = new ProgressLine();
        const summary = await validateCampaign(file, {
          onProgress: (done, total) => {
            if (!json) progress.update(`validating ${file} ${bar(total === 0 ? 1 : done / total)}`);
          },
        });
        progress.done();
        if (json) printJson(jsonSummary(summary));
        else printSummary(file, summary);
        process.exitCode = summary.errors.length > 0 ? 2 : 0;
      } catch (error) {
        exitWithError(error, json);
      }
    });
}

function jsonSummary(summary: CampaignSummary): object {
  return {
    rows: summary.rows,
    valid: summary.valid,
    invalid: summary.invalid,
    errors: summary.errors.map((error) => ({ line: error.line, field: error.field, code: error.code, message: error.message })),
  };
}

function printSummary(file: string, summary: CampaignSummary): void {
  console.log(`${file}: ${summary.format}, ${summary.rows} rows, ${summary.valid} valid, ${summary.invalid} invalid`);
  if (summary.errors.length === 0) return;
  const byCode = new Map<string, RowError[]>();
  for (const error of summary.errors) byCode.set(error.code, [...(byCode.get(error.code) ?? []), error]);
  for (const [code, errors] of byCode) console.log(`  ${code}: ${errors.length}`);
  console.log('');
  for (const error of summary.errors.slice(0, SHOWN_IN_FULL)) {
    console.log(`line ${error.line}${error.field === '' ? '' : ` ${error.field}`}: ${error.message} [${error.code}]`);
  }
  if (summary.errors.length > SHOWN_IN_FULL) console.log(`… and ${summary.errors.length - SHOWN_IN_FULL} more (use --json for all)`);
}
