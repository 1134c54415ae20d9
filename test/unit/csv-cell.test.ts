import { describe, expect, it } from 'vitest';
import { csvLine } from '../../src/csv/csv-line.js';

describe('report CSV cells', () => {
  it('quotes commas, quotes and newlines (RFC 4180)', () => {
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', 7])).toBe('"a,b","say ""hi""","two\nlines",7\r\n');
  });

  it('makes cells that a spreadsheet would run as formulas inert, but keeps negative numbers', () => {
    expect(csvLine(['=SUM(A1)', '+1+1', '@cmd', '-2+3', '-12'])).toBe("'=SUM(A1),'+1+1,'@cmd,'-2+3,-12\r\n");
  });
});
