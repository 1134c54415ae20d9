const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/** A record beyond this size is refused: it is almost surely a quote left open. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

/** One CSV record: its cells and the line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
  /** Set when the record breaks RFC 4180 in a way that leaves the following records readable. */
  readonly malformed?: string;
}

/** A problem that leaves the rest of the file unreadable. */
export interface CsvFatalProblem {
  readonly line: number;
  readonly detail: string;
}

/**
 * An RFC 4180 tokenizer over UTF-8 bytes (commas, double quotes, `""` escapes, CRLF or LF, line breaks
 * inside quotes). It keeps its state between chunks, so a record cut by a chunk boundary is never
 * scanned twice, and it counts line feeds itself so that each record knows the line it starts on.
 * Blank lines are skipped (they still count as lines).
 */
export class CsvTokenizer {
  private buffer: Buffer = EMPTY;
  private scan = 0;
  private recordStart = 0;
  private fieldStart = 0;
  private cells: string[] = [];
  private inQuotes = false;
  private quotedField = false;
  private closingQuote = -1;
  private escapedQuotes = false;
  private malformed: string | undefined;
  private line = 1;
  private recordLine = 1;

  /** Adds bytes (whole UTF-8 characters) and appends the records they complete to `out`. */
  push(chunk: Buffer, out: CsvRecord[]): CsvFatalProblem | undefined {
    this.compact();
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.run(out, false);
    if (this.buffer.length - this.recordStart > MAX_RECORD_BYTES) {
      return { line: this.recordLine, detail: `the record is larger than ${MAX_RECORD_BYTES} bytes (is a quote left open?)` };
    }
    return undefined;
  }

  /** Finishes the input: appends the last record to `out`, or reports a quote never closed. */
  end(out: CsvRecord[]): CsvFatalProblem | undefined {
    this.run(out, true);
    if (this.inQuotes) return { line: this.recordLine, detail: 'a quoted field is never closed' };
    if (this.recordStart < this.buffer.length) {
      this.endField(this.buffer.length);
      this.endRecord(out);
    }
    return undefined;
  }

  private compact(): void {
    if (this.recordStart === 0) return;
    const shift = this.recordStart;
    this.buffer = this.buffer.subarray(shift);
    this.scan -= shift;
    this.fieldStart -= shift;
    if (this.closingQuote >= 0) this.closingQuote -= shift;
    this.recordStart = 0;
  }

  private run(out: CsvRecord[], final: boolean): void {
    const buffer = this.buffer;
    const length = buffer.length;
    let i = this.scan;
    while (i < length) {
      if (this.inQuotes) {
        const next = this.skipQuoted(i, final);
        const stalled = next === i || next >= length;
        i = next;
        if (stalled) break;
        continue;
      }
      let byte = buffer[i];
      while (byte !== COMMA && byte !== LF && byte !== CR && byte !== QUOTE && i < length) byte = buffer[++i];
      if (i >= length) break;
      if (byte === COMMA) {
        this.endField(i);
        this.fieldStart = ++i;
      } else if (byte === QUOTE) {
        this.onQuote(i);
        i++;
      } else {
        if (byte === CR && i + 1 >= length && !final) break;
        const next = byte === CR && buffer[i + 1] === LF ? i + 2 : i + 1;
        this.onLineBreak(i, out);
        i = next;
        this.recordStart = this.fieldStart = i;
        this.recordLine = this.line;
      }
    }
    this.scan = i;
  }

  /**
   * Scans inside a quoted field from `from` up to its next quote; returns where to go on. Returns `from`
   * itself (or the buffer's end) when it must wait for more bytes.
   */
  private skipQuoted(from: number, final: boolean): number {
    const buffer = this.buffer;
    const quote = buffer.indexOf(QUOTE, from);
    const stop = quote === -1 ? buffer.length : quote;
    for (let lf = buffer.indexOf(LF, from); lf !== -1 && lf < stop; lf = buffer.indexOf(LF, lf + 1)) this.line++;
    if (quote === -1) return buffer.length;
    if (quote + 1 >= buffer.length && !final) {
      // The byte after the quote decides between an escaped quote and the end of the field.
      return quote;
    }
    if (buffer[quote + 1] === QUOTE) {
      this.escapedQuotes = true;
      return quote + 2;
    }
    this.inQuotes = false;
    this.closingQuote = quote;
    return quote + 1;
  }

  private onQuote(at: number): void {
    if (at === this.fieldStart) {
      this.inQuotes = true;
      this.quotedField = true;
    } else {
      this.malformed ??= 'a quote inside an unquoted field (quote the whole field and double the quote)';
    }
  }

  private onLineBreak(at: number, out: CsvRecord[]): void {
    if (at !== this.recordStart) {
      this.endField(at);
      this.endRecord(out);
    }
    this.line++;
  }

  private endField(end: number): void {
    let value: string;
    if (this.quotedField) {
      const close = this.closingQuote;
      if (close !== end - 1) this.malformed ??= 'characters after the closing quote of a field';
      value = this.buffer.toString('utf8', this.fieldStart + 1, close);
      if (this.escapedQuotes) value = value.replaceAll('""', '"');
    } else {
      value = this.buffer.toString('utf8', this.fieldStart, end);
    }
    this.cells.push(value);
    this.quotedField = false;
    this.escapedQuotes = false;
    this.closingQuote = -1;
  }

  private endRecord(out: CsvRecord[]): void {
    out.push(this.malformed === undefined ? { line: this.recordLine, cells: this.cells } : { line: this.recordLine, cells: this.cells, malformed: this.malformed });
    this.cells = [];
    this.malformed = undefined;
  }
}
