const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

export const STRAY_QUOTE = 'a quote inside an unquoted field (quote the whole field and double the quote)';
export const TEXT_AFTER_QUOTE = 'characters after the closing quote of a field';

/**
 * How a record breaks RFC 4180 quoting, or undefined when it does not. `raw` is the record's text as
 * csv-parse read it with `relax_quotes`, which keeps such a record as plain text instead of letting one
 * stray quote run on to the end of the file; this check turns it into a row error again.
 */
export function quoteProblem(raw: string): string | undefined {
  let start = 0;
  let end = raw.length;
  // The record delimiters around a record's raw text are not part of it.
  while (start < end && isLineBreak(raw.charCodeAt(start))) start++;
  while (end > start && isLineBreak(raw.charCodeAt(end - 1))) end--;
  for (let field = start, quote = raw.indexOf('"', start); quote !== -1 && quote < end; quote = raw.indexOf('"', field)) {
    // Fields before the next quote are plain and fine.
    const comma = raw.lastIndexOf(',', quote);
    if (comma >= field) field = comma + 1;
    if (field !== quote) return STRAY_QUOTE;
    const next = afterQuotedField(raw, field, end);
    if (typeof next === 'string') return next;
    field = next + 1;
  }
  return undefined;
}

function isLineBreak(code: number): boolean {
  return code === CR || code === LF;
}

/** Where the quoted field at `from` ends (the comma after its closing quote, or `end`); or the problem. */
function afterQuotedField(raw: string, from: number, end: number): number | string {
  let at = from + 1;
  for (;;) {
    const quote = raw.indexOf('"', at);
    // A quote never closed is csv-parse's to report.
    if (quote === -1 || quote >= end) return end;
    if (quote + 1 < end && raw.charCodeAt(quote + 1) === QUOTE) {
      at = quote + 2;
      continue;
    }
    const after = quote + 1;
    return after === end || raw.charCodeAt(after) === COMMA ? after : TEXT_AFTER_QUOTE;
  }
}
