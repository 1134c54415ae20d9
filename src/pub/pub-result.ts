/** What one Pub attempt came to. API errors are results, not exceptions, so the hot path never builds a stack. */
export type PubResult = PubAccepted | PubRefused;

export interface PubAccepted {
  readonly ok: true;
  /** The MessageId digits exactly as the service wrote them (they exceed 2^53). */
  readonly messageId: string;
  readonly requestId: string;
}

export interface PubRefused {
  readonly ok: false;
  /** The service's Code, or for transport failures a code of ours such as `ECONNRESET` or `RequestTimeout`. */
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
  /** HTTP status when an answer came; undefined when none did. */
  readonly httpStatus: number | undefined;
}
