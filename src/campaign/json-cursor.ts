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
 * Where the value starting at `start` ends (exclusive) and how many line feeds it holds, or undefined
 * when it does not end within `text`.
 */
function findValueEnd(text: string, start: number): { readonly end: number; readonly lines: number } | undefined {
  const first = text.charCodeAt(start);
  let lines = 0;
  let i = start;
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET && first !== QUOTE) {
    while (i < text.length && !endsScalar(text.charCodeAt(i))) i++;
    return i < text.length ? { end: i, lines } : undefined;
  }
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) {
        inString = false;
        if (depth === 0) return { end: i + 1, lines };
      } else if (code === LF) lines++;
    } else if (code === QUOTE) inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      if (--depth === 0) return { end: i + 1, lines };
    } else if (code === LF) lines++;
  }
  return undefined;
}

/**
 * A forward-only reader over the text of a JSON file that finds where each value starts and ends
 * (strings, nesting and escapes aware) without parsing it, so that elements of a huge array can be
 * handed to JSON.parse one at a time. Only the value being read is kept in memory.
 */
export class JsonCursor {
  private text = '';
  private pos = 0;
  private mark = -1;
  private ended = false;
  /** Line of the character at the cursor. */
  line = 1;

  constructor(
    private readonly path: string,
    private readonly chunks: AsyncIterator<Buffer>,
  ) {}

  /** Stops reading the file. */
  async close(): Promise<void> {
    this.ended = true;
    await this.chunks.return?.();
  }

  /** Skips whitespace; returns the next character code without consuming it, or END_OF_TEXT. */
  async peek(): Promise<number> {
    for (;;) {
      const text = this.text;
      let i = this.pos;
      while (i < text.length && isWhitespace(text.charCodeAt(i))) {
        if (text.charCodeAt(i) === LF) this.line++;
        i++;
      }
      this.pos = i;
      if (i < text.length) return text.charCodeAt(i);
      if (!(await this.more())) return END_OF_TEXT;
    }
  }

  /** Like peek, without waiting: NEED_MORE when the buffered text is used up. */
  peekBuffered(): number {
    const text = this.text;
    let i = this.pos;
    while (i < text.length && isWhitespace(text.charCodeAt(i))) {
      if (text.charCodeAt(i) === LF) this.line++;
      i++;
    }
    this.pos = i;
    if (i < text.length) return text.charCodeAt(i);
    return this.ended ? END_OF_TEXT : NEED_MORE;
  }

  /** Like readValue, without waiting: undefined (and nothing consumed) when the value is not all buffered. */
  readBufferedValue(): ValueText | undefined {
    const found = findValueEnd(this.text, this.pos);
    if (found === undefined) return undefined;
    const value = { text: this.text.slice(this.pos, found.end), line: this.line };
    this.pos = found.end;
    this.line += found.lines;
    return value;
  }

  /** Consumes the character returned by the last peek. */
  advance(): void {
    this.pos++;
  }

  /** Reads the value at the cursor (after peek) and returns its text. */
  async readValue(): Promise<ValueText> {
    const line = this.line;
    this.mark = this.pos;
    await this.scanValue(line);
    const text = this.text.slice(this.mark, this.pos);
    this.mark = -1;
    return { text, line };
  }

  /** Passes over the value at the cursor (after peek) without keeping it. */
  async skipValue(): Promise<void> {
    await this.scanValue(this.line);
  }

  /** Reads a value and JSON.parses it; a syntax error is a file-level error. */
  async parseValue(): Promise<{ readonly value: unknown; readonly line: number }> {
    const { text, line } = await this.readValue();
    try {
      return { value: JSON.parse(text) as unknown, line };
    } catch (error) {
      return failFile(this.path, 'MALFORMED_FILE', line, { detail: error instanceof Error ? error.message : String(error) });
    }
  }

  private async scanValue(startLine: number): Promise<void> {
    const first = this.text.charCodeAt(this.pos);
    if (first === OPEN_BRACE || first === OPEN_BRACKET) await this.scanNested(startLine);
    else if (first === QUOTE) await this.scanNested(startLine);
    else await this.scanScalar();
  }

  /** Scans an object, array or string, counting depth outside strings. */
  private async scanNested(startLine: number): Promise<void> {
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (;;) {
      const text = this.text;
      let i = this.pos;
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code === LF) this.line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (code === BACKSLASH) escaped = true;
          else if (code === QUOTE) {
            inString = false;
            if (depth === 0) break;
          }
        } else if (code === QUOTE) inString = true;
        else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
        else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --depth === 0) break;
      }
      if (i < text.length) {
        this.pos = i + 1;
        return;
      }
      this.pos = i;
      if (!(await this.more())) this.failEndInside(startLine);
    }
  }

  private async scanScalar(): Promise<void> {
    for (;;) {
      const text = this.text;
      let i = this.pos;
      while (i < text.length && !endsScalar(text.charCodeAt(i))) i++;
      this.pos = i;
      if (i < text.length || !(await this.more())) return;
    }
  }

  private failEndInside(startLine: number): never {
    return failFile(this.path, 'MALFORMED_FILE', this.line, { detail: `the file ends inside the value that starts on line ${startLine}` });
  }

  /** Appends the next chunk of text, dropping what lies before the cursor (or the mark). */
  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.chunks.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    const keepFrom = this.mark >= 0 ? this.mark : this.pos;
    this.text = this.text.slice(keepFrom) + next.value.toString('utf8');
    this.pos -= keepFrom;
    if (this.mark >= 0) this.mark = 0;
    return true;
  }
}
