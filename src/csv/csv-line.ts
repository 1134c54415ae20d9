/** The quote that marks a cell as text for a spreadsheet; reading a report back removes it (campaign/report-file.ts). */
export const TEXT_MARK = "'";

/** One CSV record (RFC 4180), with cells that a spreadsheet would run as a formula made inert. */
export function csvLine(cells: ReadonlyArray<string | number>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Starts a spreadsheet would read as a formula, and the text mark itself (so that marking can be undone exactly). */
const MARKED_START = /^[=+\-@\t\r']/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that a
 * spreadsheet shows it as text; so does one that starts with `'`. Reading a report back as a campaign
 * removes exactly one leading `'` (see campaign/report-file.ts), which gives back every value unchanged.
 * Negative numbers stay as they are.
 */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = MARKED_START.test(value) && !PLAIN_NUMBER.test(value) ? `${TEXT_MARK}${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
