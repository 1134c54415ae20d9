import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { RowError } from '../campaign/index.js';
import { csvLine } from '../csv/csv-line.js';
import { FleetcastError } from '../errors/fleetcast-error.js';

/**
 * The rejected rows of a campaign as CSV, one line per problem with the file line it was found on, written
 * while the file is validated so that memory stays flat however many rows are bad. They go to a temporary
 * file beside `path`, which becomes `path` only when the campaign is accepted.
 */
export class RejectsFile {
  readonly #path: string;
  readonly #partPath: string;
  #out: WriteStream | undefined;
  #failure: Error | undefined;
  #kept = false;

  constructor(path: string) {
    this.#path = path;
    this.#partPath = `${path}.${process.pid}.part`;
  }

  /** Adds a rejected row's problems; returns a promise only when the disk is behind and the caller should wait for it. */
  add(errors: readonly RowError[]): Promise<void> | undefined {
    if (this.#failure !== undefined) throw this.#unwritable(this.#failure);
    const out = this.#out ?? this.#open();
    let text = '';
    for (const error of errors) text += csvLine([error.line, error.row, error.field, error.code, error.message]);
    return out.write(text) ? undefined : this.#drained(out);
  }

  /** Closes the file and gives it its name; returns that name. */
  async keep(): Promise<string> {
    const out = this.#out ?? this.#open();
    out.end();
    await finished(out).catch((error: unknown) => {
      throw this.#unwritable(error);
    });
    renameSync(this.#partPath, this.#path);
    this.#kept = true;
    return this.#path;
  }

  /** Removes what was written, unless it was kept. */
  discard(): void {
    if (this.#kept || this.#out === undefined) return;
    this.#out.destroy();
    rmSync(this.#partPath, { force: true });
  }

  #open(): WriteStream {
    const out = createWriteStream(this.#partPath);
    // An unwritable path must end the submit with its reason, not crash the process on an unheard 'error'.
    out.on('error', (error) => (this.#failure ??= error));
    out.write(csvLine(['line', 'row', 'field', 'code', 'message']));
    this.#out = out;
    return out;
  }

  #unwritable(cause: unknown): FleetcastError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new FleetcastError('FC_BAD_USAGE', `cannot write the rejected rows to ${this.#path} (${reason}); give --rejects a path that can be written`, { cause });
  }

  #drained(out: WriteStream): Promise<void> {
    return once(out, 'drain').then(
      () => undefined,
      (error: unknown) => {
        throw this.#unwritable(error);
      },
    );
  }
}
