import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { REPORT_OUTCOME_COLUMNS } from '../campaign/report-file.js';
import { FleetcastError } from '../errors/fleetcast-error.js';
import type { CampaignRecord } from '../queue/campaign-record.js';
import type { CampaignStore } from '../queue/campaign-store.js';
import type { RowOutcome } from '../queue/outcome.js';
import { sourceProblem } from '../queue/retry-failed.js';
import { csvLine } from '../csv/csv-line.js';
import { messageCells, messageHeader } from './message-columns.js';
import { SourceRows, userPropKeysOf } from './source-rows.js';

/** The columns every report starts with (DESIGN.md), before the message columns. */
export const REPORT_COLUMNS = REPORT_OUTCOME_COLUMNS;

export interface ReportOptions {
  readonly failedOnly?: boolean;
}

export interface ReportSummary {
  readonly rows: number;
  readonly sent: number;
  readonly failed: number;
  readonly cancelled: number;
  /** Whether the report carries the message columns (it can then be submitted as a campaign). */
  readonly messageColumns: boolean;
  /** Why the message columns were left out of a full report: the campaign's file is gone or has changed. */
  readonly messageColumnsOmitted?: string;
}

const BATCH = 1000;

/**
 * Streams a campaign's outcomes, in row order, one CSV line per row with an outcome: the outcome columns,
 * then the row's message read again from the campaign's file, so that the report (or a part of it) can be
 * submitted as a campaign. When that file is gone or changed, a full report leaves the message columns
 * out and says why; a failed-only report, whose purpose is to be sent again, is refused.
 */
export async function writeReport(store: CampaignStore, campaignId: string, path: string, options: ReportOptions = {}): Promise<ReportSummary> {
  const record = await store.require(campaignId);
  const failedOnly = options.failedOnly === true;
  const problem = await sourceProblem(record);
  if (problem !== undefined && failedOnly) throw unusableSource(record, problem);
  const userPropKeys = problem === undefined ? await userPropKeysOf(record.source) : undefined;
  const source = userPropKeys === undefined ? undefined : new SourceRows(record.source);
  const out = createWriteStream(path);
  try {
    out.write(csvLine(userPropKeys === undefined ? REPORT_COLUMNS : [...REPORT_COLUMNS, ...messageHeader(userPropKeys)]));
    const counts = await writeRows(store, record, out, failedOnly, async (outcome) => {
      if (source === undefined || userPropKeys === undefined) return [];
      const message = await source.message(outcome.row);
      if (message === undefined) throw missingRow(record, outcome.row);
      return messageCells(message, userPropKeys);
    });
    return problem === undefined ? { ...counts, messageColumns: true } : { ...counts, messageColumns: false, messageColumnsOmitted: `${record.source} ${problem}` };
  } finally {
    await source?.close();
    out.end();
    await finished(out);
  }
}

type Counts = Pick<ReportSummary, 'rows' | 'sent' | 'failed' | 'cancelled'>;

async function writeRows(
  store: CampaignStore,
  record: CampaignRecord,
  out: WriteStream,
  failedOnly: boolean,
  messageOf: (outcome: RowOutcome) => Promise<string[]>,
): Promise<Counts> {
  const counts = { rows: 0, sent: 0, failed: 0, cancelled: 0 };
  for (let from = 1; from <= record.lastRow; from += BATCH) {
    const outcomes = await store.outcomes(record.id, from, Math.min(BATCH, record.lastRow - from + 1));
    for (const outcome of outcomes) {
      if (failedOnly && outcome.status !== 'failed') continue;
      counts.rows++;
      counts[outcome.status]++;
      const line = csvLine([...outcomeCells(outcome), ...(await messageOf(outcome))]);
      if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  return counts;
}

function outcomeCells(outcome: RowOutcome): Array<string | number> {
  return [
    outcome.row,
    outcome.topic,
    outcome.status,
    outcome.messageId,
    outcome.requestId,
    outcome.code,
    outcome.errorMessage,
    outcome.attempts,
    new Date(outcome.time).toISOString(),
    outcome.api,
  ];
}

function unusableSource(record: CampaignRecord, problem: string): FleetcastError {
  return new FleetcastError(
    'FC_FILE_UNREADABLE',
    `cannot write the failed-only report of campaign "${record.id}": its file ${record.source} ${problem}, and the report carries ` +
      'each row as read from that file so that it can be submitted again; without --failed-only the report is written without the message columns',
  );
}

function missingRow(record: CampaignRecord, row: number): FleetcastError {
  return new FleetcastError('FC_INTERNAL', `campaign "${record.id}" has an outcome for row ${row}, which is not a valid row of ${record.source}`);
}
