import { CsvFatalProblem, csvRecords, type CsvRecord } from './csv-records.js';
import { readUtf8Chunks, type ReadProgress } from './byte-source.js';
import { USER_PROP_PREFIX } from './fields.js';
import { reportOutcomeColumnCount, unmarkReportCell } from './report-file.js';
import { CampaignFileError, failFile, makeRowError, type RowError } from './row-errors.js';
import { EMPTY_VALUES, type RecordSource, type SourceRecord } from './source-record.js';

const HEADER_LINE = 1;

function headerProblems(record: CsvRecord): RowError[] {
  const problems: RowError[] = [];
  const problem = (code: RowError['code'], field: string, detail?: string): void => {
    problems.push(makeRowError(code, record.line, 0, { field, detail }));
  };
  if (record.malformed !== undefined) problem('MALFORMED_FILE', '', `header: ${record.malformed}`);
  const seen = new Set<string>();
  record.cells.forEach((name, index) => {
    if (name === '') problem('MALFORMED_FILE', '', `header column ${index + 1} has no name`);
    else if (seen.has(name)) problem('DUPLICATE_COLUMN', name);
    else if (name === USER_PROP_PREFIX) problem('INVALID_USER_PROP', name, 'the key after "UserProp." is empty');
    seen.add(name);
  });
  return problems;
}

/** The header as read: every column name, and how the cells under them are read. */
interface Header {
  readonly names: readonly string[];
  /** Leading columns whose cells are ignored (a report's outcome columns). */
  readonly ignored: number;
  /** Whether each cell loses the report's leading text mark. */
  readonly marked: boolean;
}

const NO_HEADER: Header = { names: [], ignored: 0, marked: false };

function recordValues(cells: readonly string[], header: Header): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (let i = header.ignored; i < cells.length; i++) {
    const cell = cells[i];
    // An empty cell is absent, so the row falls back to the defaults.
    if (cell !== undefined && cell !== '') values.set(header.names[i] ?? '', header.marked ? unmarkReportCell(cell) : cell);
  }
  return values;
}

function toSourceRecord(record: CsvRecord, header: Header, row: number): SourceRecord {
  if (record.malformed !== undefined) return { row, line: record.line, values: EMPTY_VALUES, malformed: record.malformed };
  if (record.cells.length !== header.names.length) {
    const malformed = `${record.cells.length} cells where the header has ${header.names.length} columns`;
    return { row, line: record.line, values: EMPTY_VALUES, malformed };
  }
  return { row, line: record.line, values: recordValues(record.cells, header) };
}

function headerOf(names: readonly string[]): Header {
  const outcomeColumns = reportOutcomeColumnCount(names);
  return outcomeColumns > 0 ? { names, ignored: outcomeColumns, marked: true } : { names, ignored: 0, marked: false };
}

/**
 * A CSV campaign: line 1 is the header (names trimmed of surrounding spaces), every later non-blank
 * line starts a record. Header problems and a quote left open are file-level errors; a record with a
 * stray quote or the wrong number of cells is a row error and reading goes on. A `fleetcast report`
 * file is read as a campaign of its message columns (see report-file.ts).
 */
export function openCsvSource(path: string, progress: ReadProgress): RecordSource {
  let header: Header | undefined;
  let row = 0;

  async function* records(): AsyncGenerator<SourceRecord[]> {
    try {
      for await (const batch of csvRecords(readUtf8Chunks(path, progress))) {
        const sourceRecords: SourceRecord[] = [];
        for (const record of batch) {
          if (header === undefined) header = readHeader(record);
          else sourceRecords.push(toSourceRecord(record, header, ++row));
        }
        if (sourceRecords.length > 0) yield sourceRecords;
      }
    } catch (error) {
      if (error instanceof CsvFatalProblem) failFile(path, 'MALFORMED_RECORD', error.line, { detail: error.detail });
      throw error;
    }
    if (header === undefined) failFile(path, 'EMPTY_FILE', HEADER_LINE, { detail: ': the file is empty' });
    if (row === 0) failFile(path, 'EMPTY_FILE', HEADER_LINE, { detail: ': the file has only a header' });
  }

  function readHeader(record: CsvRecord): Header {
    const named = { ...record, cells: record.cells.map((name) => name.trim()) };
    const problems = headerProblems(named);
    if (problems.length > 0) throw new CampaignFileError(path, problems);
    return headerOf(named.cells);
  }

  return {
    records: { [Symbol.asyncIterator]: records },
    fileDefaults: () => undefined,
    name: () => undefined,
    declaredColumns: () => ({ names: (header ?? NO_HEADER).names.slice((header ?? NO_HEADER).ignored), line: HEADER_LINE }),
  };
}
