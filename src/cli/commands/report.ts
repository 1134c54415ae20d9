import type { Command } from 'commander';
import { writeReport } from '../../report/report.js';
import { configFrom, withStore, type GlobalFlags } from '../context.js';
import { exitWithError, printJson } from '../output.js';

interface ReportFlags extends GlobalFlags {
  out?: string;
  failedOnly?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .argument('<campaign>', 'campaign id')
    .description('one CSV line per row: row, topic, status, MessageId, RequestId, Code, ErrorMessage, attempts, time')
    .option('--out <file.csv>', 'where to write (default CAMPAIGN.report.csv)')
    .option('--failed-only', 'only the rows that failed')
    .option('--json', 'print a JSON summary of what was written')
    .addHelpText('after', '\nExample:\n  fleetcast report firmware-notice --out firmware-notice.csv')
    .action(async (id: string, flags: ReportFlags) => {
      const json = flags.json === true;
      try {
        const out = flags.out ?? `${id}.report.csv`;
        const summary = await withStore(configFrom(flags), (store) => writeReport(store, id, out, { failedOnly: flags.failedOnly === true }));
        if (json) printJson({ campaign: id, out, ...summary });
        else console.log(`${out}: ${summary.rows} rows (${summary.sent} sent, ${summary.failed} failed, ${summary.cancelled} cancelled)`);
      } catch (error) {
        exitWithError(error, json);
      }
    });
}
