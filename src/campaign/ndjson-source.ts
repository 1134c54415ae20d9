import { readUtf8Chunks, type ReadProgress } from './byte-source.js';
import { failFile } from './row-errors.js';
import { EMPTY_VALUES, isPlainObject, jsonObjectValues, type RecordSource, type SourceRecord } from './source-record.js';

const BLANK = /^\s*$/;

function lineRecord(text: string, line: number, row: number): SourceRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { row, line, values: EMPTY_VALUES, malformed: error instanceof Error ? error.message : String(error) };
  }
  if (!isPlainObject(value)) return { row, line, values: EMPTY_VALUES, malformed: 'a message must be a JSON object' };
  return { row, line, values: jsonObjectValues(value) };
}

/** An NDJSON campaign: one message object per line; blank lines are skipped but counted. */
export function openNdjsonSource(path: string, progress: ReadProgress): RecordSource {
  async function* records(): AsyncGenerator<SourceRecord[]> {
    let pending = '';
    let line = 0;
    let row = 0;
    for await (const chunk of readUtf8Chunks(path, progress)) {
      const text = pending + chunk.toString('utf8');
      const batch: SourceRecord[] = [];
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        const lineText = text.slice(start, end);
        line++;
        if (!BLANK.test(lineText)) batch.push(lineRecord(lineText, line, ++row));
        start = end + 1;
      }
      if (batch.length > 0) yield batch;
      pending = text.slice(start);
    }
    line++;
    if (!BLANK.test(pending)) yield [lineRecord(pending, line, ++row)];
    if (row === 0) failFile(path, 'EMPTY_FILE', 1, { detail: ': no message lines' });
  }

  return {
    records: { [Symbol.asyncIterator]: records },
    fileDefaults: () => undefined,
    name: () => undefined,
    declaredColumns: () => ({ names: [], line: 1 }),
  };
}
