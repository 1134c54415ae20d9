import type { PubMessage } from '../types/pub-message.js';
import { isDataColumn } from './fields.js';
import type { CampaignFormat } from './format.js';
import { openCampaignPass, type CampaignPass, type ReadCampaignOptions } from './read-campaign.js';
import { CampaignFileError, makeRowError, type RowError } from './row-errors.js';

/** The result of one full validation pass over a campaign. */
export interface CampaignSummary {
  /** The JSON campaign's top-level "name", if any. */
  readonly name?: string;
  readonly format: CampaignFormat;
  /** Data rows read. */
  readonly rows: number;
  readonly valid: number;
  readonly invalid: number;
  /** Every row error (up to `maxErrors`), then every file-level error as row 0. */
  readonly errors: readonly RowError[];
  /** Size of the file. */
  readonly bytes: number;
}

export interface ValidateCampaignOptions extends ReadCampaignOptions {
  /** Called with (bytesRead, totalBytes) at most every ~200 ms, and once at the end. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Keep at most this many row errors (rows are still all counted; file-level errors are all kept). Default: unlimited. */
  readonly maxErrors?: number;
  /** Told of each valid row's message, in file order; reading waits when it returns a promise. */
  readonly onValidRow?: (message: PubMessage) => Promise<void> | undefined;
  /** Told of each invalid row's errors, in file order (all of them, whatever `maxErrors`); reading waits when it returns a promise. */
  readonly onInvalidRow?: (errors: readonly RowError[]) => Promise<void> | undefined;
}

const PROGRESS_INTERVAL_MS = 200;

class ErrorList {
  readonly errors: RowError[] = [];
  #rowErrors = 0;
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(errors: readonly RowError[]): void {
    for (const error of errors) {
      if (error.row !== 0 && this.#rowErrors++ >= this.#limit) continue;
      this.errors.push(error);
    }
  }
}

/**
 * Columns never used: a CSV header column, or a data key of the JSON defaults, that is neither a field
 * nor `UserProp.<key>` and that no placeholder anywhere in the campaign names. Reported once, as row 0,
 * at the line that declares it. Values under such a column were already reported row by row.
 */
function unusedColumns(pass: CampaignPass): RowError[] {
  const referenced = pass.context()?.templates.referencedNames ?? new Set<string>();
  const declared = pass.source.declaredColumns();
  const defaults = pass.context()?.defaults ?? new Map<string, unknown>();
  const candidates = [...declared.names, ...defaults.keys()];
  const unused = new Set(candidates.filter((name) => isDataColumn(name) && !referenced.has(name)));
  return [...unused].map((field) => makeRowError('UNKNOWN_COLUMN', declared.line, 0, { field }));
}

/**
 * One full pass over a campaign: counts every row and collects every row error, plus file-level errors
 * as RowError with row 0. A file that cannot be read at all still throws FC_FILE_UNREADABLE.
 */
export async function validateCampaign(path: string, options: ValidateCampaignOptions = {}): Promise<CampaignSummary> {
  const pass = await openCampaignPass(path, options);
  const errors = new ErrorList(options.maxErrors ?? Number.POSITIVE_INFINITY);
  const report = options.onProgress;
  const onValidRow = options.onValidRow;
  const onInvalidRow = options.onInvalidRow;
  let rows = 0;
  let valid = 0;
  let lastReport = Date.now();
  let fileError = false;
  try {
    for await (const batch of pass.rowBatches) {
      for (const result of batch) {
        rows++;
        if (result.ok) {
          valid++;
          const behind = onValidRow?.(result.message);
          if (behind !== undefined) await behind;
        } else {
          errors.add(result.errors);
          const behind = onInvalidRow?.(result.errors);
          if (behind !== undefined) await behind;
        }
      }
      if (report !== undefined && Date.now() - lastReport >= PROGRESS_INTERVAL_MS) {
        lastReport = Date.now();
        report(pass.progress.bytesRead, pass.progress.totalBytes);
      }
    }
  } catch (error) {
    if (!(error instanceof CampaignFileError)) throw error;
    errors.add(error.rowErrors);
    fileError = true;
  }
  if (!fileError) errors.add(unusedColumns(pass));
  report?.(pass.progress.bytesRead, pass.progress.totalBytes);
  const name = pass.source.name();
  const summary = { format: pass.format, rows, valid, invalid: rows - valid, errors: errors.errors, bytes: pass.progress.totalBytes };
  return name === undefined ? summary : { name, ...summary };
}
