import { readCampaign, type RowResult } from '../campaign/index.js';
import type { PubMessage } from '../types/pub-message.js';
import { UserPropKeys } from './message-columns.js';

function rowOf(result: RowResult): number {
  return result.ok ? result.message.row : result.row;
}

/** A campaign file read forward once, handing out the message of each asked row (rows asked in increasing order). */
export class SourceRows {
  readonly #results: AsyncIterator<RowResult>;
  #current: RowResult | undefined;
  #ended = false;

  constructor(file: string) {
    this.#results = readCampaign(file)[Symbol.asyncIterator]();
  }

  /** The row's message, or undefined when the file has no valid row of that number. */
  async message(row: number): Promise<PubMessage | undefined> {
    while (!this.#ended && (this.#current === undefined || rowOf(this.#current) < row)) {
      const next = await this.#results.next();
      if (next.done === true) this.#ended = true;
      else this.#current = next.value;
    }
    const current = this.#current;
    return current?.ok === true && current.message.row === row ? current.message : undefined;
  }

  async close(): Promise<void> {
    await this.#results.return?.();
  }
}

/** The user property keys of every valid row of a campaign file, in order of first appearance. */
export async function userPropKeysOf(file: string): Promise<string[]> {
  const keys = new UserPropKeys();
  for await (const result of readCampaign(file)) if (result.ok) keys.add(result.message);
  return keys.list();
}
