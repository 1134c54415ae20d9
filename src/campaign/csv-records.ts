import { Readable, pipeline } from 'node:stream';
import { parse, type CsvError, type Parser } from 'csv-parse';
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

type ParsedRecord = { readonly record: string[]; readonly raw: string };
type ParserOutput = ParsedRecord | { readonly error: CsvError };

function lineBreaksIn(cells: readonly string[]): number {
  let breaks = 0;
  for (const cell of cells) {
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) breaks++;
  }
  return breaks;
}

/** A blank line, which csv-parse (without `skip_empty_lines`) gives as one empty cell; `""` is a record. */
function isBlankLine(record: ParsedRecord): boolean {
  return record.record.length === 1 && record.record[0] === '' && record.raw.indexOf('"') === -1;
}

/**
 * The line each record starts on, counted from the records themselves: a record takes one line plus the
 * line breaks inside its quoted values (CRLF or LF), and a blank line takes one. This is exact for CRLF
 * and LF files alike, and cheaper than csv-parse's `info`, whose `lines` is where a record ends and
 * counts a CRLF inside quotes as two lines.
 */
class RecordLines {
  #next = 1;

  /** Start line of the next record, which holds `breaks` line breaks in its values. */
  take(breaks: number): number {
    const start = this.#next;
    this.#next = start + breaks + 1;
    return start;
  }
}

/** Bytes handed to the parser at a time: what it parses of one write waits in memory until it is read. */
const PARSE_SLICE_BYTES = 32 * 1024;

/** The file's bytes in slices; a read error ends the input instead, so that the records before it are still read. */
async function* slices(chunks: AsyncIterable<Buffer>, onReadError: (error: unknown) => void): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of chunks) {
      for (let at = 0; at < chunk.length; at += PARSE_SLICE_BYTES) yield chunk.subarray(at, at + PARSE_SLICE_BYTES);
    }
  } catch (error) {
    onReadError(error);
  }
}

function openParser(input: AsyncIterable<Buffer>): Parser {
  // No `skip_empty_lines`: blank lines come as records, so that they are counted (and skipped below).
  const parser = parse({
    raw: true,
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
  pipeline(Readable.from(input), parser, () => {
    // Errors reach the reader through the parser.
  });
  return parser;
}

/** Line breaks inside a skipped record, from the text csv-parse kept of it. */
function lineBreaksInSkipped(error: CsvError): number {
  const raw = typeof error['raw'] === 'string' ? error['raw'].replace(/[\r\n]+$/, '') : '';
  return lineBreaksIn([raw]);
}

function fatalDetail(error: CsvError): string | undefined {
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field is never closed';
  if (error.code === 'CSV_MAX_RECORD_SIZE') return `the record is larger than ${MAX_RECORD_CHARS} characters (is a quote left open?)`;
  return undefined;
}

/** What the parser has ready, a batch at a time, so that a row costs no await of its own. */
async function* parsedBatches(parser: Parser): AsyncGenerator<ParserOutput[]> {
  let wake: (() => void) | undefined;
  let ended = false;
  let closed = false;
  let failure: Error | undefined;
  const signal = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  parser.on('readable', signal);
  parser.once('end', () => ((ended = true), signal()));
  parser.once('close', () => ((closed = true), signal()));
  parser.once('error', (error) => ((failure = error), signal()));
  for (;;) {
    const batch: ParserOutput[] = [];
    for (let output = parser.read() as ParserOutput | null; output !== null; output = parser.read() as ParserOutput | null) batch.push(output);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (failure !== undefined) throw failure;
    if (ended) return;
    if (closed) throw new Error('the CSV parser closed before the end of the file');
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

/**
 * The records of a CSV text (RFC 4180: commas, double quotes, `""` escapes, CRLF or LF, line breaks inside
 * quotes), parsed by csv-parse from UTF-8 chunks, in batches, each record with the line where it starts.
 * Blank lines are skipped (they still count as lines). A quote left open throws CsvFatalProblem at the
 * line where its record starts; an error reading the file (such as NOT_UTF8) is thrown after the records
 * before it.
 */
export async function* csvRecords(chunks: AsyncIterable<Buffer>): AsyncGenerator<CsvRecord[]> {
  let readError: { readonly error: unknown } | undefined;
  const parser = openParser(slices(chunks, (error) => (readError = { error })));
  const lines = new RecordLines();
  try {
    for await (const outputs of parsedBatches(parser)) {
      const records: CsvRecord[] = [];
      for (const output of outputs) {
        if ('error' in output) {
          const line = lines.take(lineBreaksInSkipped(output.error));
          const fatal = fatalDetail(output.error);
          if (fatal !== undefined) {
            yield records;
            // A file cut short by a read error ends inside a quote: the read error is the reason.
            throw readError === undefined ? new CsvFatalProblem(line, fatal) : readError.error;
          }
          records.push({ line, cells: [], malformed: output.error.message });
          continue;
        }
        if (isBlankLine(output)) {
          lines.take(0);
          continue;
        }
        const line = lines.take(lineBreaksIn(output.record));
        const malformed = quoteProblem(output.raw);
        records.push(malformed === undefined ? { line, cells: output.record } : { line, cells: output.record, malformed });
      }
      yield records;
    }
  } finally {
    parser.destroy();
  }
  if (readError !== undefined) throw readError.error;
}
