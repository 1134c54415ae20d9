import { TEXT_MARK } from '../csv/csv-line.js';

/**
 * A `fleetcast report` CSV is also a campaign: its header starts with the outcome columns below, in this
 * order, and the message columns follow. Read as a campaign, the outcome columns are ignored and every cell
 * loses the one leading `'` that the report put in front of cells a spreadsheet would run as a formula
 * (and of cells that already started with `'`), so each value comes back exactly as it was written.
 */
export const REPORT_OUTCOME_COLUMNS = ['row', 'topic', 'status', 'MessageId', 'RequestId', 'Code', 'ErrorMessage', 'attempts', 'time'] as const;

/** True when a CSV header is the header of a report: it starts with exactly the outcome columns. */
export function isReportHeader(columns: readonly string[]): boolean {
  return REPORT_OUTCOME_COLUMNS.every((name, index) => columns[index] === name);
}

/** A report cell's value: the cell without the one leading text mark the report added. */
export function unmarkReportCell(cell: string): string {
  return cell.startsWith(TEXT_MARK) ? cell.slice(TEXT_MARK.length) : cell;
}
