import type { Command } from 'commander';
import { writeReport } from '../lazy.js';
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
    .description(
      'one CSV line per row: row, topic, status, MessageId, RequestId, Code, ErrorMessage, attempts, time, then the row as sent (the report can be submitted as a campaign)',
    )
    .option('--out <file.csv>', 'where to write (default CAMPAIGN.report.csv)')
    .option('--failed-only', 'only the rows that failed; submit the file to send exactly them again')
    .option('--json', 'print a JSON summary of what was written')
    .addHelpText(
      'after',
      '\nExamples:\n  fleetcast report firmware-notice --out firmware-notice.csv\n  fleetcast report firmware-notice --failed-only --out resend.csv && fleetcast submit resend.csv\n\n' +
        "The row's message columns are read again from the campaign's file, which must be unchanged.",
    )
    .action(async (id: string, flags: ReportFlags) => {
      const json = flags.json === true;
      try {
        const out = flags.out ?? `${id}.report.csv`;
        const summary = await withStore(configFrom(flags), (store) => writeReport(store, id, out, { failedOnly: flags.failedOnly === true }));
        if (json) printJson({ campaign: id, out, ...summary });
        else console.log(`${out}: ${summary.rows} rows (${summary.sent} sent, ${summary.failed} failed, ${summary.cancelled} cancelled)`);
        if (summary.messageColumnsOmitted !== undefined) {
          console.error(`fleetcast: the message columns are left out because ${summary.messageColumnsOmitted}; this report cannot be submitted as a campaign`);
        }
      } catch (error) {
        exitWithError(error, json);
      }
    });
}
