import { readUtf8Chunks, type ReadProgress } from './byte-source.js';
import { CHAR, END_OF_TEXT, JsonCursor, NEED_MORE, type ValueText } from './json-cursor.js';
import { failFile } from './row-errors.js';
import { EMPTY_VALUES, isPlainObject, jsonObjectValues, type RecordSource, type SourceRecord } from './source-record.js';

/**
 * A JSON campaign: `{ "name": "...", "defaults": { ...fields }, "messages": [ { ...fields }, ... ] }`
 * or a bare array of messages. The keys may come in any order: when "defaults" is not known by the time
 * "messages" starts, the file is first read once more up to its end (without parsing the messages) to
 * find it, so that every row sees the defaults. Any other top-level key is an error.
 */
interface JsonHeader {
  name?: string;
  defaults?: ReadonlyMap<string, unknown>;
}

type WalkMode = 'messages' | 'header' | 'name';

const MESSAGE_BATCH = 256;

const TOP_LEVEL_KEYS = ['name', 'defaults', 'messages'];

function openCursor(path: string, progress: ReadProgress): JsonCursor {
  return new JsonCursor(path, readUtf8Chunks(path, progress)[Symbol.asyncIterator]());
}

class JsonCampaignWalker {
  readonly #path: string;
  readonly #cursor: JsonCursor;
  readonly #mode: WalkMode;

  constructor(path: string, cursor: JsonCursor, mode: WalkMode, readonly header: JsonHeader) {
    this.#path = path;
    this.#cursor = cursor;
    this.#mode = mode;
  }

  /** Yields the text of every message (in 'messages' mode); fills `header` on the way. */
  async *walk(): AsyncGenerator<ValueText[]> {
    try {
      yield* this.#walkCampaign();
    } finally {
      await this.#cursor.close();
    }
  }

  async *#walkCampaign(): AsyncGenerator<ValueText[]> {
    const start = await this.#cursor.peek();
    if (start === END_OF_TEXT) return failFile(this.#path, 'EMPTY_FILE', this.#cursor.line, { detail: ': the file is empty' });
    if (start === CHAR.OPEN_BRACKET) {
      if (this.#mode !== 'messages') return;
      yield* this.#messages();
    } else if (start === CHAR.OPEN_BRACE) {
      this.#cursor.advance();
      yield* this.#topLevelObject();
      if (this.#mode === 'name' && this.header.name !== undefined) return;
    } else {
      this.#fail('a JSON campaign starts with { or [');
    }
    if ((await this.#cursor.peek()) !== END_OF_TEXT) this.#fail('unexpected text after the end of the campaign');
  }

  async *#topLevelObject(): AsyncGenerator<ValueText[]> {
    const seen = new Set<string>();
    for (let next = await this.#cursor.peek(); next !== CHAR.CLOSE_BRACE; next = await this.#cursor.peek()) {
      if (seen.size > 0) {
        if (next !== CHAR.COMMA) this.#fail('expected , or } between top-level keys');
        this.#cursor.advance();
        next = await this.#cursor.peek();
      }
      const key = await this.#readKey(next);
      if (seen.has(key)) this.#fail(`the top-level key "${key}" appears twice`);
      seen.add(key);
      if (key === 'messages') yield* this.#messagesValue();
      else await this.#readHeaderValue(key);
      if (this.#mode === 'name' && this.header.name !== undefined) return;
    }
    this.#cursor.advance();
    if (this.#mode === 'messages' && !seen.has('messages')) failFile(this.#path, 'EMPTY_FILE', this.#cursor.line, { detail: ': no "messages" array' });
  }

  async #readKey(next: number): Promise<string> {
    if (next !== CHAR.QUOTE) this.#fail('expected a quoted key');
    const { value: key, line } = await this.#cursor.parseValue();
    if ((await this.#cursor.peek()) !== CHAR.COLON) this.#fail('expected : after a key');
    this.#cursor.advance();
    await this.#cursor.peek();
    if (typeof key !== 'string' || !TOP_LEVEL_KEYS.includes(key)) {
      return failFile(this.#path, 'MALFORMED_FILE', line, { detail: `unknown top-level key ${JSON.stringify(key)} (expected name, defaults, messages)` });
    }
    return key;
  }

  async #readHeaderValue(key: string): Promise<void> {
    const { value, line } = await this.#cursor.parseValue();
    if (key === 'name') {
      if (typeof value !== 'string') failFile(this.#path, 'MALFORMED_FILE', line, { detail: '"name" must be a string' });
      this.header.name = value;
    } else {
      if (!isPlainObject(value)) return failFile(this.#path, 'MALFORMED_FILE', line, { detail: '"defaults" must be an object' });
      this.header.defaults = jsonObjectValues(value);
    }
  }

  async *#messagesValue(): AsyncGenerator<ValueText[]> {
    if (this.#mode !== 'messages') return this.#cursor.skipValue();
    if (this.header.defaults === undefined) await this.#lookAheadForDefaults();
    yield* this.#messages();
  }

  async #lookAheadForDefaults(): Promise<void> {
    const ahead = new JsonCampaignWalker(this.#path, openCursor(this.#path, { totalBytes: 0, bytesRead: 0 }), 'header', {});
    for await (const _ of ahead.walk()) {
      // 'header' mode yields nothing.
    }
    this.header.defaults = ahead.header.defaults ?? EMPTY_VALUES;
    this.header.name ??= ahead.header.name;
  }

  /** Yields the messages in batches, so that a row costs no await of its own. */
  async *#messages(): AsyncGenerator<ValueText[]> {
    if ((await this.#cursor.peek()) !== CHAR.OPEN_BRACKET) this.#fail('"messages" must be an array');
    this.#cursor.advance();
    if ((await this.#cursor.peek()) === CHAR.CLOSE_BRACKET) return this.#cursor.advance();
    let batch: ValueText[] = [];
    for (;;) {
      const next = await this.#peek();
      if (next === CHAR.CLOSE_BRACKET || next === CHAR.COMMA || next === CHAR.CLOSE_BRACE) this.#fail('expected a message');
      const element = this.#cursor.readBufferedValue() ?? (await this.#cursor.readValue());
      batch.push(element);
      if (batch.length >= MESSAGE_BATCH) {
        yield batch;
        batch = [];
      }
      const after = await this.#peek();
      if (after === CHAR.CLOSE_BRACKET) break;
      if (after !== CHAR.COMMA) this.#fail(`expected , or ] after the message that starts on line ${element.line}`);
      this.#cursor.advance();
    }
    this.#cursor.advance();
    if (batch.length > 0) yield batch;
  }

  async #peek(): Promise<number> {
    const next = this.#cursor.peekBuffered();
    return next === NEED_MORE ? this.#cursor.peek() : next;
  }

  #fail(detail: string): never {
    return failFile(this.#path, 'MALFORMED_FILE', this.#cursor.line, { detail });
  }
}

function messageRecord(element: ValueText, row: number): SourceRecord {
  let value: unknown;
  try {
    value = JSON.parse(element.text);
  } catch (error) {
    const malformed = error instanceof Error ? error.message : String(error);
    return { row, line: element.line, values: EMPTY_VALUES, malformed };
  }
  if (!isPlainObject(value)) return { row, line: element.line, values: EMPTY_VALUES, malformed: 'a message must be a JSON object' };
  return { row, line: element.line, values: jsonObjectValues(value) };
}

export function openJsonSource(path: string, progress: ReadProgress): RecordSource {
  const header: JsonHeader = {};

  async function* records(): AsyncGenerator<SourceRecord[]> {
    const walker = new JsonCampaignWalker(path, openCursor(path, progress), 'messages', header);
    let row = 0;
    let lastLine = 1;
    for await (const batch of walker.walk()) {
      lastLine = batch[batch.length - 1]?.line ?? lastLine;
      yield batch.map((element) => messageRecord(element, ++row));
    }
    if (row === 0) failFile(path, 'EMPTY_FILE', lastLine, { detail: ': "messages" is empty' });
  }

  return {
    records: { [Symbol.asyncIterator]: records },
    fileDefaults: () => header.defaults,
    name: () => header.name,
    declaredColumns: () => ({ names: [], line: 1 }),
  };
}

/** The top-level "name" of a JSON campaign, reading no further than needed. */
export async function readJsonCampaignName(path: string): Promise<string | undefined> {
  const walker = new JsonCampaignWalker(path, openCursor(path, { totalBytes: 0, bytesRead: 0 }), 'name', {});
  for await (const _ of walker.walk()) {
    // 'name' mode yields nothing and stops once the name is read.
  }
  return walker.header.name;
}
