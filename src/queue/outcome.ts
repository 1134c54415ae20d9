/** The final state of one row, as stored (one tab-separated string per row) and reported. */
export type RowStatus = 'sent' | 'failed' | 'cancelled';

/** The API of the row's last call: `BatchPub` for a row sent in a pack (`--pack`), else `Pub`. */
export type RowApi = 'Pub' | 'BatchPub';

export interface RowOutcome {
  readonly row: number;
  readonly status: RowStatus;
  readonly topic: string;
  readonly messageId: string;
  readonly requestId: string;
  readonly code: string;
  readonly errorMessage: string;
  readonly attempts: number;
  /** When the outcome was recorded, ms since the epoch. */
  readonly time: number;
  readonly api: RowApi;
}

export function encodeOutcome(outcome: Omit<RowOutcome, 'row'>): string {
  return [
    outcome.status,
    outcome.attempts,
    outcome.time,
    outcome.messageId,
    outcome.requestId,
    outcome.code,
    clean(outcome.errorMessage),
    outcome.topic,
    outcome.api,
  ].join('\t');
}

export function decodeOutcome(row: number, text: string): RowOutcome {
  const [status, attempts, time, messageId, requestId, code, errorMessage, topic, api] = text.split('\t');
  return {
    row,
    status: status === 'sent' || status === 'failed' ? status : 'cancelled',
    attempts: Number(attempts ?? 0),
    time: Number(time ?? 0),
    messageId: messageId ?? '',
    requestId: requestId ?? '',
    code: code ?? '',
    errorMessage: errorMessage ?? '',
    topic: topic ?? '',
    // Outcomes stored before packing existed carry no API: they were all Pub.
    api: api === 'BatchPub' ? 'BatchPub' : 'Pub',
  };
}

function clean(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ').slice(0, 500);
}
