import { Readable, pipeline } from 'node:stream';
import { parse, type CsvError, type Info, type Parser } from 'csv-parse';
import { quoteProblem } from './csv-quotes.js';

/** A record beyond this size is refused: it is almost surely a quote left open. */
export const MAX_RECORD_CHARS = 8 * 1024 * 1024;

/** One CSV record: its cells and the line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
  /** Set when the record breaks RFC 4180 in a way that leaves the following records readable. */
  readonly malformed?: string;
}

/** A problem that leaves the rest of the file unreadable. */
export class CsvFatalProblem extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

type ParsedRecord = { readonly record: string[]; readonly info: Info; readonly raw: string };
type ParserOutput = ParsedRecord | { readonly error: CsvError };

/** What csv-parse counted up to the end of a record (its info, or the context of a skipped record's error). */
interface LineCounts {
  readonly lines: number;
  readonly empty_lines: number;
}

function lineBreaksIn(cells: readonly string[]): number {
  let breaks = 0;
  for (const cell of cells) {
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) breaks++;
  }
  return breaks;
}

/**
 * The line each record starts on. csv-parse's `info.lines` is the line a record ends on, and it counts a
 * CRLF inside a quoted field as two lines, so it drifts in CRLF files. Blank lines it skips are counted in
 * `empty_lines`; the line breaks inside a record are counted from its values.
 */
class RecordLines {
  #next = 1;
  #empty = 0;
  #lines = 0;

  startOf(counts: LineCounts, cells: readonly string[] | undefined): number {
    const skipped = counts.empty_lines - this.#empty;
    const start = this.#next + skipped;
    const counted = counts.lines - this.#lines - skipped;
    // Most records hold no line break: csv-parse counted one line for them and the values need no look.
    this.#next = start + (counted <= 1 || cells === undefined ? Math.max(counted, 1) : lineBreaksIn(cells) + 1);
    this.#empty = counts.empty_lines;
    this.#lines = counts.lines;
    return start;
  }
}

function openParser(chunks: AsyncIterable<Buffer>): Parser {
  const parser = parse({
    info: true,
    raw: true,
    skip_empty_lines: true,
    // Quotes and cell counts are checked here, so that a bad record is a row error and never swallows the rest.
    relax_quotes: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_CHARS,
    skip_records_with_error: true,
    // A skipped record's error comes in its place among the records, never ahead of records parsed before it.
    on_skip: (error) => {
      if (error !== undefined) parser.push({ error });
      return undefined;
    },
  });
  pipeline(Readable.from(chunks), parser, () => {
    // Errors reach the reader through the parser.
  });
  return parser;
}

function countsOf(error: CsvError): LineCounts {
  const lines = typeof error['lines'] === 'number' ? error['lines'] : 0;
  const empty = typeof error['empty_lines'] === 'number' ? error['empty_lines'] : 0;
  return { lines, empty_lines: empty };
}

function fatalDetail(error: CsvError): string | undefined {
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field is never closed';
  if (error.code === 'CSV_MAX_RECORD_SIZE') return `the record is larger than ${MAX_RECORD_CHARS} characters (is a quote left open?)`;
  return undefined;
}

/**
 * The records of a CSV text (RFC 4180: commas, double quotes, `""` escapes, CRLF or LF, line breaks inside
 * quotes), parsed by csv-parse from UTF-8 chunks, each with the line where it starts. Blank lines are
 * skipped (they still count as lines). A quote left open throws CsvFatalProblem at the line where its
 * record starts.
 */
export async function* csvRecords(chunks: AsyncIterable<Buffer>): AsyncGenerator<CsvRecord> {
  const parser = openParser(chunks);
  const lines = new RecordLines();
  try {
    for await (const output of parser as AsyncIterable<ParserOutput>) {
      if ('error' in output) {
        const line = lines.startOf(countsOf(output.error), undefined);
        const fatal = fatalDetail(output.error);
        if (fatal !== undefined) throw new CsvFatalProblem(line, fatal);
        yield { line, cells: [], malformed: output.error.message };
        continue;
      }
      const line = lines.startOf(output.info, output.record);
      const malformed = quoteProblem(output.raw);
      yield malformed === undefined ? { line, cells: output.record } : { line, cells: output.record, malformed };
    }
  } finally {
    parser.destroy();
  }
}
