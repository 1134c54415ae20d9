import { fileSize, type ReadProgress } from './byte-source.js';
import { openCsvSource } from './csv-source.js';
import { detectFormat, type CampaignFormat } from './format.js';
import { openJsonSource } from './json-source.js';
import { openNdjsonSource } from './ndjson-source.js';
import { createRowContext, type RowContext } from './row-context.js';
import type { RecordSource, SourceRecord } from './source-record.js';
import { RowValidator, type RowResult } from './validate-row.js';

/** How to read a campaign file. */
export interface ReadCampaignOptions {
  /** The file's format; by default from the extension (.csv, .json, .ndjson, .jsonl), else from the content. */
  readonly format?: CampaignFormat;
  /**
   * Field defaults from the command line or configuration (for example ProductKey, IotInstanceId).
   * The file's own defaults (JSON "defaults") override these; row values override both.
   */
  readonly defaults?: Readonly<Record<string, string>>;
}

/** One open pass over a campaign: its rows, and what validateCampaign needs besides them. */
export interface CampaignPass {
  readonly format: CampaignFormat;
  readonly progress: ReadProgress;
  readonly source: RecordSource;
  /** The rows' results in file order, in batches. */
  readonly rowBatches: AsyncIterable<readonly RowResult[]>;
  /** The row context, once the first row has been read. */
  context(): RowContext | undefined;
}

function openSource(format: CampaignFormat, path: string, progress: ReadProgress): RecordSource {
  if (format === 'csv') return openCsvSource(path, progress);
  if (format === 'json') return openJsonSource(path, progress);
  return openNdjsonSource(path, progress);
}

/** Opens a campaign for one pass. File-level problems surface while iterating `rows`. */
export async function openCampaignPass(path: string, options: ReadCampaignOptions = {}): Promise<CampaignPass> {
  const progress: ReadProgress = { totalBytes: await fileSize(path), bytesRead: 0 };
  const format = options.format ?? (await detectFormat(path));
  const source = openSource(format, path, progress);
  let context: RowContext | undefined;

  async function* rowBatches(): AsyncGenerator<RowResult[]> {
    let validator: RowValidator | undefined;
    for await (const records of source.records) {
      if (validator === undefined) {
        context = createRowContext(options.defaults, source.fileDefaults());
        validator = new RowValidator(context);
      }
      const results: RowResult[] = new Array<RowResult>(records.length);
      for (let i = 0; i < records.length; i++) results[i] = validator.validate(records[i] as SourceRecord);
      yield results;
    }
  }

  return { format, progress, source, rowBatches: { [Symbol.asyncIterator]: rowBatches }, context: () => context };
}

/**
 * Streams the rows of a campaign, one result per data row, in file order; the file is never loaded
 * whole. File-level problems (unreadable, empty, not UTF-8, malformed CSV/JSON structure, bad header)
 * throw a FleetcastError ('FC_BAD_INPUT' or 'FC_FILE_UNREADABLE') whose message names the line and whose
 * `details` list every problem. A record that is malformed on its own (a JSON element that does not
 * parse, a CSV record with the wrong number of cells) is a failed row, and reading goes on.
 */
export function readCampaign(path: string, options: ReadCampaignOptions = {}): AsyncIterable<RowResult> {
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<RowResult> {
      const pass = await openCampaignPass(path, options);
      for await (const batch of pass.rowBatches) yield* batch;
    },
  };
}
