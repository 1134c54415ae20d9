import { ERROR_CODES, type ErrorCode } from './codes.js';

/** An error with a stable code; the CLI turns it into a message and the code's exit status. */
export class FleetcastError extends Error {
  override readonly name = 'FleetcastError';
  readonly code: ErrorCode;
  /** Extra lines shown under the message (for example every bad row). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** Turns anything thrown into an Error, so callers never handle non-Error values. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
