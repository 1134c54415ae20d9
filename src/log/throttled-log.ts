import { monotonicClock, type Clock } from '../runtime/clock.js';

/** Where errors go that a unit recovers from by itself (a lost Redis connection, a failed poll). */
export interface ErrorLog {
  /**
   * Records an error of `kind` (a short fixed label, for example `redis connection`) that happened in `context`
   * (which client or step). Repeats of a kind within a minute are counted, not written.
   */
  report(kind: string, context: string, error: unknown): void;
}

const MINUTE_MS = 60_000;

interface KindState {
  lastWrittenAt: number;
  /** Reports of this kind since the line last written. */
  unwritten: number;
}

/**
 * Writes the first error of each kind at once, then at most one line per kind and minute, saying how many
 * were left out in between: a Redis outage leaves a trace in the log without flooding it.
 */
export class ThrottledLog implements ErrorLog {
  readonly #write: (line: string) => void;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #intervalMs: number;
  readonly #kinds = new Map<string, KindState>();

  constructor(write: (line: string) => void, clock: Pick<Clock, 'now'> = monotonicClock, intervalMs = MINUTE_MS) {
    this.#write = write;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  report(kind: string, context: string, error: unknown): void {
    const now = this.#clock.now();
    const state = this.#kinds.get(kind);
    if (state !== undefined && now - state.lastWrittenAt < this.#intervalMs) {
      state.unwritten++;
      return;
    }
    const left = state === undefined || state.unwritten === 0 ? '' : ` (and ${state.unwritten} more since the last line of this kind)`;
    this.#kinds.set(kind, { lastWrittenAt: now, unwritten: 0 });
    this.#write(`${kind} (${context}): ${errorText(error)}${left}`);
  }
}

/** The worker's log format: an ISO time, then the line, on stderr. */
export function writeWorkerLine(line: string): void {
  console.error(`${new Date().toISOString()} ${line}`);
}

/** For units that were given no log of their own: the worker log on stderr. */
export const processErrorLog: ErrorLog = new ThrottledLog(writeWorkerLine);

/** One line of text for an error; never an object dump (configs and options could carry secrets). */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? messageOf(error) : String(error);
  return withoutUserInfo(text.replace(/\s+/g, ' ').trim()) || 'unknown error';
}

/** Node reports a refused connection to a name with several addresses as an AggregateError with no message. */
function messageOf(error: Error): string {
  if (error.message !== '') return error.message;
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map((inner) => errorText(inner)).join('; ');
  const code = 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? code : error.name;
}

/** A URL's `user:password@` part, should a message ever quote one. */
function withoutUserInfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
}
