import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { RowError } from '../campaign/index.js';
import { csvLine } from '../report/csv.js';

/** Writes rejected rows as CSV: one line per problem, with the file line it was found on. */
export async function writeRejects(path: string, errors: readonly RowError[]): Promise<void> {
  const out = createWriteStream(path);
  out.write(csvLine(['line', 'row', 'field', 'code', 'message']));
  for (const error of errors) out.write(csvLine([error.line, error.row, error.field, error.code, error.message]));
  out.end();
  await finished(out);
}
