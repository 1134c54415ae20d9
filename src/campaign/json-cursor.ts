import { failFile } from './row-errors.js';

const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
export const END_OF_TEXT = -1;
/** From peekBuffered: the buffered text is used up; call peek(). */
export const NEED_MORE = -2;

export const CHAR = { COMMA, COLON, QUOTE, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } as const;

/** A JSON value's source text and the line it starts on. */
export interface ValueText {
  readonly text: string;
  readonly line: number;
}

function isWhitespace(code: number): boolean {
  return code === SPACE || code === LF || code === CR || code === TAB;
}

function endsScalar(code: number): boolean {
  return isWhitespace(code) || code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || code === COLON;
}

/**
 * Where a scan of one value stands (strings, nesting and escapes aware). It carries over from one chunk of
 * text to the next, so a value cut by a chunk boundary is never scanned twice.
 */
class ValueScan {
  #scalar = false;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Line feeds passed so far. */
  lines = 0;

  /** Starts the scan of a value whose first character is `first`. */
  reset(first: number): void {
    this.#scalar = first !== OPEN_BRACE && first !== OPEN_BRACKET && first !== QUOTE;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    this.lines = 0;
  }

  /** True for a number, true, false or null: such a value also ends where the text ends. */
  get scalar(): boolean {
    return this.#scalar;
  }

  /** Scans `text` from `from`; returns where the value ends (exclusive), or -1 when it goes on past the text. */
  run(text: string, from: number): number {
    if (this.#scalar) {
      let i = from;
      while (i < text.length && !endsScalar(text.charCodeAt(i))) i++;
      return i < text.length ? i : -1;
    }
    for (let i = from; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === LF) this.lines++;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (code === BACKSLASH) this.#escaped = true;
        else if (code === QUOTE) {
          this.#inString = false;
          if (this.#depth === 0) return i + 1;
        }
      } else if (code === QUOTE) this.#inString = true;
      else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.#depth++;
      else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --this.#depth === 0) return i + 1;
    }
    return -1;
  }
}

/**
 * A forward-only reader over the text of a JSON file that finds where each value starts and ends
 * (strings, nesting and escapes aware) without parsing it, so that elements of a huge array can be
 * handed to JSON.parse one at a time. Only the value being read is kept in memory.
 */
export class JsonCursor {
  readonly #path: string;
  readonly #chunks: AsyncIterator<Buffer>;
  readonly #scan = new ValueScan();
  #text = '';
  #pos = 0;
  #mark = -1;
  #ended = false;
  /** Line of the character at the cursor. */
  line = 1;

  constructor(path: string, chunks: AsyncIterator<Buffer>) {
    this.#path = path;
    this.#chunks = chunks;
  }

  /** Stops reading the file. */
  async close(): Promise<void> {
    this.#ended = true;
    await this.#chunks.return?.();
  }

  /** Skips whitespace; returns the next character code without consuming it, or END_OF_TEXT. */
  async peek(): Promise<number> {
    for (;;) {
      const next = this.peekBuffered();
      if (next !== NEED_MORE) return next;
      if (!(await this.#more())) return END_OF_TEXT;
    }
  }

  /** Like peek, without waiting: NEED_MORE when the buffered text is used up. */
  peekBuffered(): number {
    const text = this.#text;
    let i = this.#pos;
    while (i < text.length && isWhitespace(text.charCodeAt(i))) {
      if (text.charCodeAt(i) === LF) this.line++;
      i++;
    }
    this.#pos = i;
    if (i < text.length) return text.charCodeAt(i);
    return this.#ended ? END_OF_TEXT : NEED_MORE;
  }

  /** Like readValue, without waiting: undefined (and nothing consumed) when the value is not all buffered. */
  readBufferedValue(): ValueText | undefined {
    const scan = this.#scan;
    scan.reset(this.#text.charCodeAt(this.#pos));
    const end = scan.run(this.#text, this.#pos);
    if (end === -1) return undefined;
    const value = { text: this.#text.slice(this.#pos, end), line: this.line };
    this.#pos = end;
    this.line += scan.lines;
    return value;
  }

  /** Consumes the character returned by the last peek. */
  advance(): void {
    this.#pos++;
  }

  /** Reads the value at the cursor (after peek) and returns its text. */
  async readValue(): Promise<ValueText> {
    const line = this.line;
    this.#mark = this.#pos;
    await this.#scanValue();
    const text = this.#text.slice(this.#mark, this.#pos);
    this.#mark = -1;
    return { text, line };
  }

  /** Passes over the value at the cursor (after peek) without keeping it. */
  async skipValue(): Promise<void> {
    await this.#scanValue();
  }

  /** Reads a value and JSON.parses it; a syntax error is a file-level error. */
  async parseValue(): Promise<{ readonly value: unknown; readonly line: number }> {
    const { text, line } = await this.readValue();
    try {
      return { value: JSON.parse(text) as unknown, line };
    } catch (error) {
      return failFile(this.#path, 'MALFORMED_FILE', line, { detail: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Moves the cursor past the value at it, reading more text as needed. */
  async #scanValue(): Promise<void> {
    const startLine = this.line;
    const scan = this.#scan;
    scan.reset(this.#text.charCodeAt(this.#pos));
    for (;;) {
      const end = scan.run(this.#text, this.#pos);
      if (end !== -1) {
        this.#pos = end;
        break;
      }
      this.#pos = this.#text.length;
      if (!(await this.#more())) {
        if (scan.scalar) break;
        this.line = startLine + scan.lines;
        this.#failEndInside(startLine);
      }
    }
    this.line = startLine + scan.lines;
  }

  #failEndInside(startLine: number): never {
    return failFile(this.#path, 'MALFORMED_FILE', this.line, { detail: `the file ends inside the value that starts on line ${startLine}` });
  }

  /** Appends the next chunk of text, dropping what lies before the cursor (or the mark). */
  async #more(): Promise<boolean> {
    if (this.#ended) return false;
    const next = await this.#chunks.next();
    if (next.done === true) {
      this.#ended = true;
      return false;
    }
    const keepFrom = this.#mark >= 0 ? this.#mark : this.#pos;
    this.#text = this.#text.slice(keepFrom) + next.value.toString('utf8');
    this.#pos -= keepFrom;
    if (this.#mark >= 0) this.#mark = 0;
    return true;
  }
}
