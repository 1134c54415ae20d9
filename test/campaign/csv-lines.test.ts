import { describe, expect, it } from 'vitest';
import { validateCampaign } from '../../src/campaign/index.js';
import { runCli } from '../helpers/cli.js';
import { HEADER, campaignFile } from './helpers.js';

interface ValidateJson {
  rows: number;
  valid: number;
  invalid: number;
  errors: Array<{ line: number; code: string; message: string }>;
}

/** `fleetcast validate --json` of a file, as a user runs it. */
async function validateCli(path: string): Promise<ValidateJson> {
  const result = await runCli(['validate', path, '--json']);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as ValidateJson;
}

function lineCodes(summary: { errors: ReadonlyArray<{ line: number; code: string }> }): string[] {
  return summary.errors.map((error) => `${error.line}:${error.code}`);
}

const good = (device: number, content = 'hi'): string => `a1FleetDemo,dev-${String(device).padStart(5, '0')},firmware,1,${content}`;
const badQos = (device: number, qos: number, content = 'hi'): string => `a1FleetDemo,dev-${String(device).padStart(5, '0')},firmware,${qos},${content}`;

describe('CSV line numbers', () => {
  it('reports bad rows after quoted multi-line records of a CRLF file at their exact lines', async () => {
    const lines = [
      HEADER, // 1
      good(1, '"a\r\nb\r\nc"'), // 2-4
      good(2, '"x\r\n""y"""'), // 5-6
      badQos(3, 2), // 7
      '', // 8
      badQos(4, 3, '"p\r\nq"'), // 9-10
      good(5), // 11
      badQos(6, 5), // 12
      '',
    ];
    const summary = await validateCli(campaignFile('csv', lines.join('\r\n')));
    expect(summary).toMatchObject({ rows: 6, valid: 3, invalid: 3 });
    expect(lineCodes(summary)).toEqual(['7:INVALID_QOS', '9:INVALID_QOS', '12:INVALID_QOS']);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('reports a stray quote at its line and still checks every later row (%s)', async (_name, eol) => {
    const lines = [
      HEADER, // 1
      good(1), // 2
      good(2, '"x"y'), // 3: text after the closing quote
      good(3), // 4
      'a1FleetDemo,dev-0"004,firmware,1,hi', // 5: a quote inside an unquoted cell
      good(5, `"m${eol}n"`), // 6-7
      badQos(6, 7), // 8
      good(7), // 9
      '',
    ];
    const summary = await validateCli(campaignFile('csv', lines.join(eol)));
    expect(summary).toMatchObject({ rows: 7, valid: 4, invalid: 3 });
    expect(lineCodes(summary)).toEqual(['3:MALFORMED_RECORD', '5:MALFORMED_RECORD', '8:INVALID_QOS']);
    expect(summary.errors[0]?.message).toContain('characters after the closing quote');
    expect(summary.errors[1]?.message).toContain('a quote inside an unquoted field');
  });

  it('keeps and counts the good rows parsed in the same chunk before and after a bad one', async () => {
    const rows = 20_000;
    const bad = new Map([
      [3_000, 'a1FleetDemo,dev-03000,firm"ware,1,hi'],
      [3_001, 'a1FleetDemo,dev-03001,firmware,1'],
      [11_000, badQos(11_000, 9)],
    ]);
    const lines = [HEADER];
    for (let row = 1; row <= rows; row++) lines.push(bad.get(row) ?? good(row, `"{""n"":${row}}"`));
    const summary = await validateCampaign(campaignFile('csv', `${lines.join('\n')}\n`));
    expect(summary).toMatchObject({ rows, valid: rows - 3, invalid: 3 });
    expect(lineCodes(summary)).toEqual(['3001:MALFORMED_RECORD', '3002:MALFORMED_RECORD', '11001:INVALID_QOS']);
    expect(summary.errors[1]?.message).toContain('4 cells where the header has 5 columns');
  });

  it('skips a BOM and blank lines, and counts the blank lines', async () => {
    const text = `\uFEFF\r\n${HEADER}\r\n\r\n${good(1)}\r\n\r\n\r\n${badQos(2, 4)}\r\n${good(3)}\r\n\r\n`;
    const summary = await validateCli(campaignFile('csv', text));
    expect(summary).toMatchObject({ rows: 3, valid: 2, invalid: 1 });
    expect(lineCodes(summary)).toEqual(['7:INVALID_QOS']);
  });

  it('names the line where a quote left open starts, after multi-line records of a CRLF file', async () => {
    const text = [HEADER, good(1, '"a\r\nb"'), good(2), good(3, '"never closed'), good(4), ''].join('\r\n');
    const result = await runCli(['validate', campaignFile('csv', text), '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ errors: [{ line: 5, code: 'MALFORMED_RECORD', message: 'malformed record: a quoted field is never closed' }] });
  });
});
