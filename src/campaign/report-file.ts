import { TEXT_MARK } from '../csv/csv-line.js';

/**
 * A `fleetcast report` CSV is also a campaign: its header starts with the outcome columns below, in this
 * order, and the message columns follow. Read as a campaign, the outcome columns are ignored and every cell
 * loses the one leading `'` that the report put in front of cells a spreadsheet would run as a formula
 * (and of cells that already started with `'`), so each value comes back exactly as it was written.
 */
export const REPORT_OUTCOME_COLUMNS = ['row', 'topic', 'status', 'MessageId', 'RequestId', 'Code', 'ErrorMessage', 'attempts', 'time', 'api'] as const;

/** The outcome columns of reports written before the `api` column was added: they still read as campaigns. */
const FIRST_OUTCOME_COLUMNS = REPORT_OUTCOME_COLUMNS.slice(0, 9);

/** How many outcome columns a report's header starts with (10, or 9 for older reports), or 0 for any other header. */
export function reportOutcomeColumnCount(columns: readonly string[]): number {
  if (!FIRST_OUTCOME_COLUMNS.every((name, index) => columns[index] === name)) return 0;
  return columns[9] === 'api' ? REPORT_OUTCOME_COLUMNS.length : FIRST_OUTCOME_COLUMNS.length;
}

/** A report cell's value: the cell without the one leading text mark the report added. */
export function unmarkReportCell(cell: string): string {
  return cell.startsWith(TEXT_MARK) ? cell.slice(TEXT_MARK.length) : cell;
}
