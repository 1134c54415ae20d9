import { USER_PROP_OBJECT, USER_PROP_PREFIX } from './fields.js';

/** One data record as read from the file, before validation. */
export interface SourceRecord {
  /** 1-based ordinal among data rows. */
  readonly row: number;
  /** File line where the record starts. */
  readonly line: number;
  /** Column or key → value in file order (CSV: strings; JSON: any JSON value). */
  readonly values: ReadonlyMap<string, unknown>;
  /** Why the record could not be read; `values` is then empty. */
  readonly malformed?: string;
}

/** A campaign file opened for reading: its records, plus what the file says besides them. */
export interface RecordSource {
  /** The records in file order, in batches (as they come from one read of the file), so that a row costs no await of its own. */
  readonly records: AsyncIterable<readonly SourceRecord[]>;
  /** JSON "defaults"; known once the first record has been read (or the records ended). */
  fileDefaults(): ReadonlyMap<string, unknown> | undefined;
  /** JSON "name", when it has been read. */
  name(): string | undefined;
  /** Columns the file declares ahead of its rows (the CSV header), with the line that declares them. */
  declaredColumns(): { readonly names: readonly string[]; readonly line: number };
}

export const EMPTY_VALUES: ReadonlyMap<string, unknown> = new Map();

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The values of a JSON message object. A `UserProp` object is spread into `UserProp.<key>` entries (in
 * its order); `null` counts as absent. A `UserProp` that is not an object is kept as is for validation to report.
 */
export function jsonObjectValues(object: Record<string, unknown>): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    if (key === USER_PROP_OBJECT && isPlainObject(value)) {
      for (const propKey in value) values.set(USER_PROP_PREFIX + propKey, value[propKey]);
    } else {
      values.set(key, value);
    }
  }
  return values;
}
