import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { CampaignStore } from '../queue/campaign-store.js';
import type { RowOutcome } from '../queue/outcome.js';
import { csvLine } from './csv.js';

export const REPORT_COLUMNS = ['row', 'topic', 'status', 'MessageId', 'RequestId', 'Code', 'ErrorMessage', 'attempts', 'time'] as const;

export interface ReportOptions {
  readonly failedOnly?: boolean;
}

export interface ReportSummary {
  readonly rows: number;
  readonly sent: number;
  readonly failed: number;
  readonly cancelled: number;
}

const BATCH = 1000;

/** Streams a campaign's outcomes, in row order, one CSV line per row with an outcome. */
export async function writeReport(store: CampaignStore, campaignId: string, path: string, options: ReportOptions = {}): Promise<ReportSummary> {
  const record = await store.require(campaignId);
  const out = createWriteStream(path);
  const counts = { rows: 0, sent: 0, failed: 0, cancelled: 0 };
  out.write(csvLine(REPORT_COLUMNS));
  for (let from = 1; from <= record.lastRow; from += BATCH) {
    const outcomes = await store.outcomes(campaignId, from, Math.min(BATCH, record.lastRow - from + 1));
    for (const outcome of outcomes) {
      if (options.failedOnly === true && outcome.status !== 'failed') continue;
      counts.rows++;
      counts[outcome.status]++;
      if (!out.write(reportLine(outcome))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  out.end();
  await finished(out);
  return counts;
}

function reportLine(outcome: RowOutcome): string {
  return csvLine([
    outcome.row,
    outcome.topic,
    outcome.status,
    outcome.messageId,
    outcome.requestId,
    outcome.code,
    outcome.errorMessage,
    outcome.attempts,
    new Date(outcome.time).toISOString(),
  ]);
}
