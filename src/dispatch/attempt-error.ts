import type { PubRefused } from '../pub/pub-result.js';
import type { RetryClass } from '../pub/retry-table.js';

/** A refused attempt, thrown inside the retry loop so that p-retry can decide on the next one. */
export class AttemptError extends Error {
  override readonly name = 'AttemptError';
  readonly refusal: PubRefused;
  readonly retryClass: RetryClass;

  constructor(refusal: PubRefused, retryClass: RetryClass) {
    super(`${refusal.code}: ${refusal.message}`);
    this.refusal = refusal;
    this.retryClass = retryClass;
  }
}

/** The campaign was paused, cancelled, or this process is stopping: the row goes back to its gate. */
export class GateClosedError extends Error {
  override readonly name = 'GateClosedError';
}
