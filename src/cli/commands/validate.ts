import type { Command } from 'commander';
import { validateCampaign, type CampaignSummary, type RowError } from '../../campaign/index.js';
import { exitWithError, printJson } from '../output.js';
import { ProgressLine, bar } from '../progress.js';

const SHOWN_IN_FULL = 1000;
/** Validation shorter than this shows no progress bar. */
const PROGRESS_AFTER_MS = 2000;

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
        const summary = await validateWithProgress(file, json);
        if (json) printJson(jsonSummary(summary));
        else printSummary(file, summary);
        process.exitCode = summary.errors.length > 0 ? 2 : 0;
      } catch (error) {
        exitWithError(error, json);
      }
    });
}

export function jsonSummary(summary: CampaignSummary): object {
  return {
    rows: summary.rows,
    valid: summary.valid,
    invalid: summary.invalid,
    errors: summary.errors.map((error) => ({ line: error.line, field: error.field, code: error.code, message: error.message })),
  };
}

/** The summary, then the errors grouped by reason: the first 1,000 in full, the rest counted. */
export function printSummary(file: string, summary: CampaignSummary): void {
  console.log(`${file}: ${summary.format}, ${summary.rows} rows, ${summary.valid} valid, ${summary.invalid} invalid`);
  const shown = new Set(summary.errors.slice(0, SHOWN_IN_FULL));
  for (const [code, errors] of groupByCode(summary.errors)) {
    console.log(`\n${code}: ${errors.length} ${errors.length === 1 ? 'error' : 'errors'}`);
    const listed = errors.filter((error) => shown.has(error));
    for (const error of listed) console.log(`  line ${error.line}${error.field === '' ? '' : ` ${error.field}`}: ${error.message}`);
    if (listed.length < errors.length) console.log(`  … and ${errors.length - listed.length} more`);
  }
  if (summary.errors.length > SHOWN_IN_FULL) console.log(`\nthe first ${SHOWN_IN_FULL} errors are shown in full; --json lists all ${summary.errors.length}`);
}

/** Errors by code, codes in the order they first occur, errors in file order. */
function groupByCode(errors: readonly RowError[]): Map<string, RowError[]> {
  const groups = new Map<string, RowError[]>();
  for (const error of errors) {
    const group = groups.get(error.code);
    if (group === undefined) groups.set(error.code, [error]);
    else group.push(error);
  }
  return groups;
}

/** Validates the file, with a progress bar on stderr when it takes more than two seconds (never with `--json`). */
export async function validateWithProgress(file: string, json: boolean): Promise<CampaignSummary> {
  const progress = new ProgressLine();
  const started = Date.now();
  const summary = await validateCampaign(file, {
    onProgress: (done, total) => {
      if (!json && Date.now() - started >= PROGRESS_AFTER_MS) progress.update(`validating ${file} ${bar(total === 0 ? 1 : done / total)}`);
    },
  });
  progress.done();
  return summary;
}
