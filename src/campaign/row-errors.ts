import { FleetcastError } from '../errors/fleetcast-error.js';

/**
 * Every problem a campaign file or row can have, with the message template shown to the user.
 * `{field}`, `{value}` and `{detail}` in a template are replaced by the error's particulars.
 */
export const ROW_ERROR_CODES = {
  MISSING_FIELD: 'missing {field}{detail}',
  UNKNOWN_COLUMN: 'unknown column {field}: not a field, not UserProp.<key>, and no {{…}} placeholder uses it',
  DUPLICATE_COLUMN: 'column {field} appears more than once',
  INVALID_TYPE: '{field} must be {detail}',
  INVALID_TOPIC: 'invalid {field} {value}: {detail}',
  TOPIC_TOO_LONG: '{field} {value} is {detail} bytes; the limit is 128 bytes (UTF-8)',
  FOREIGN_TOPIC: '{field} {value} does not belong to ProductKey {detail}',
  INVALID_DEVICE_NAME: 'invalid DeviceName {value}: 4 to 32 characters from A-Z a-z 0-9 - _ @ . :',
  INVALID_PRODUCT_KEY: 'invalid ProductKey {value}: 1 to 32 letters and digits',
  INVALID_QOS: 'invalid Qos {value}: must be 0 or 1',
  INVALID_BASE64: 'invalid {field}: {detail}',
  INVALID_USER_PROP: 'invalid user property {field}: {detail}',
  PAYLOAD_TOO_LARGE: 'payload is {detail} bytes; the limit is 262144 bytes (256 KB) decoded',
  UNRESOLVED_PLACEHOLDER: 'placeholder {{{field}}} in MessageContent has no value in this row',
  CONFLICTING_FIELDS: '{field} conflict: {detail}',
  MALFORMED_RECORD: 'malformed record: {detail}',
  MALFORMED_FILE: 'malformed file: {detail}',
  NOT_UTF8: 'the file is not valid UTF-8 (byte offset {detail})',
  EMPTY_FILE: 'the campaign has no data rows{detail}',
} as const;

export type RowErrorCode = keyof typeof ROW_ERROR_CODES;

/** One problem of a campaign row (or, with `row` 0, of the file as a whole). */
export interface RowError {
  /** File line where the row starts (or where the file-level problem is). */
  readonly line: number;
  /** 1-based ordinal of the row among data rows; 0 for a problem of the file itself. */
  readonly row: number;
  /** The field or column concerned, or '' when none. */
  readonly field: string;
  readonly code: RowErrorCode;
  readonly message: string;
}

export interface RowErrorParticulars {
  readonly field?: string;
  readonly value?: string;
  readonly detail?: string;
}

const TEMPLATE_SLOT = /\{(field|value|detail)\}/g;
const MAX_QUOTED_VALUE = 80;

/** Quotes a user value for a message, shortened so that a 256 KB cell does not flood the output. */
export function quoteValue(value: string): string {
  const shown = value.length > MAX_QUOTED_VALUE ? `${value.slice(0, MAX_QUOTED_VALUE)}…` : value;
  return JSON.stringify(shown);
}

export function formatRowErrorMessage(code: RowErrorCode, particulars: RowErrorParticulars): string {
  return ROW_ERROR_CODES[code].replace(TEMPLATE_SLOT, (_match, slot: 'field' | 'value' | 'detail') => {
    if (slot === 'value') return particulars.value === undefined ? '' : quoteValue(particulars.value);
    return particulars[slot] ?? '';
  });
}

export function makeRowError(
  code: RowErrorCode,
  line: number,
  row: number,
  particulars: RowErrorParticulars = {},
): RowError {
  return { line, row, field: particulars.field ?? '', code, message: formatRowErrorMessage(code, particulars) };
}

/** Renders an error as one line of a report: `line 7 (row 6): invalid Qos "2": must be 0 or 1`. */
export function describeRowError(error: RowError): string {
  const where = error.row > 0 ? `line ${error.line} (row ${error.row})` : `line ${error.line}`;
  return `${where}: ${error.message} [${error.code}]`;
}

/** A problem that stops reading the campaign file; `rowErrors` holds each problem as a row-0 RowError. */
export class CampaignFileError extends FleetcastError {
  readonly rowErrors: readonly RowError[];

  constructor(path: string, rowErrors: readonly RowError[], options: { cause?: unknown } = {}) {
    const first = rowErrors[0];
    const summary = first === undefined ? 'invalid campaign file' : `line ${first.line}: ${first.message}`;
    super('FC_BAD_INPUT', `${path}: ${summary}`, { cause: options.cause, details: rowErrors.map(describeRowError) });
    this.rowErrors = rowErrors;
  }
}

/** Throws a CampaignFileError holding a single file-level problem. */
export function failFile(path: string, code: RowErrorCode, line: number, particulars: RowErrorParticulars = {}): never {
  throw new CampaignFileError(path, [makeRowError(code, line, 0, particulars)]);
}
