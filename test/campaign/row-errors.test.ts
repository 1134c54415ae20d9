import { describe, expect, it } from 'vitest';
import { ROW_ERROR_CODES, validateCampaign, type RowErrorCode } from '../../src/campaign/index.js';
import { campaignFile } from './helpers.js';

const HEADER = 'ProductKey,DeviceName,TopicShortName,TopicFullName,Qos,MessageContent,MessageContentBase64,Extra';
const GOOD = 'a1FleetDemo,dev-00001,firmware,,1,hello,,';
const big = 'x'.repeat(262_145);

/** Each data row breaks exactly one rule; the row's line is 2 + its index. */
const ROWS: ReadonlyArray<readonly [RowErrorCode, string]> = [
  ['MISSING_FIELD', ',dev-00001,firmware,,1,hello,,'],
  ['UNKNOWN_COLUMN', 'a1FleetDemo,dev-00001,firmware,,1,hello,,stray'],
  ['INVALID_TOPIC', 'a1FleetDemo,dev-00001,fw-notice,,1,hello,,'],
  ['TOPIC_TOO_LONG', `a1FleetDemo,dev-00001,${'a'.repeat(101)},,1,hello,,`],
  ['FOREIGN_TOPIC', 'a1FleetDemo,,,/a1Other/dev-00001/user/firmware,1,hello,,'],
  ['INVALID_DEVICE_NAME', 'a1FleetDemo,dev,firmware,,1,hello,,'],
  ['INVALID_PRODUCT_KEY', 'a1Fleet/Demo,dev-00001,firmware,,1,hello,,'],
  ['INVALID_QOS', 'a1FleetDemo,dev-00001,firmware,,2,hello,,'],
  ['INVALID_BASE64', 'a1FleetDemo,dev-00001,firmware,,1,,aGVsbG8,'],
  ['PAYLOAD_TOO_LARGE', `a1FleetDemo,dev-00001,firmware,,1,${big},,`],
  ['UNRESOLVED_PLACEHOLDER', 'a1FleetDemo,dev-00001,firmware,,1,v{{Version}},,'],
  ['CONFLICTING_FIELDS', 'a1FleetDemo,dev-00002,firmware,/a1FleetDemo/dev-00001/user/firmware,1,hello,,'],
  ['MALFORMED_RECORD', 'a1FleetDemo,dev-00001,firmware,,1,hello'],
];

describe('row error codes', () => {
  it('reports each code at the exact line of its row', async () => {
    const path = campaignFile('csv', [HEADER, GOOD, ...ROWS.map(([, row]) => row), GOOD, ''].join('\n'));
    const summary = await validateCampaign(path);
    const rowErrors = summary.errors.filter((e) => e.row > 0).map((e) => `${e.line}:${e.code}`);
    expect(rowErrors).toEqual(ROWS.map(([code], index) => `${index + 3}:${code}`));
    expect(summary).toMatchObject({ rows: ROWS.length + 2, valid: 2, invalid: ROWS.length });
  });

  it('reports every problem of a row', async () => {
    const path = campaignFile('csv', `${HEADER}\nbad key,d,a-b,,7,,,\n`);
    const summary = await validateCampaign(path);
    expect(summary.errors.map((e) => e.code)).toEqual(['INVALID_PRODUCT_KEY', 'INVALID_DEVICE_NAME', 'INVALID_TOPIC', 'MISSING_FIELD', 'INVALID_QOS', 'UNKNOWN_COLUMN']);
    expect(summary.errors.slice(0, -1).every((e) => e.line === 2 && e.row === 1)).toBe(true);
  });

  it('reports a header column that nothing uses once, on line 1, at the end', async () => {
    const summary = await validateCampaign(campaignFile('csv', `${HEADER}\n${GOOD}\n`));
    expect(summary.errors).toEqual([expect.objectContaining({ line: 1, row: 0, field: 'Extra', code: 'UNKNOWN_COLUMN' })]);
  });

  it('reports the file-level codes as row 0', async () => {
    const empty = await validateCampaign(campaignFile('csv', ''));
    const notUtf8 = await validateCampaign(campaignFile('csv', Buffer.from([0x61, 0x0a, 0xff, 0x0a])));
    expect(empty.errors).toEqual([expect.objectContaining({ code: 'EMPTY_FILE', line: 1, row: 0 })]);
    expect(notUtf8.errors).toEqual([expect.objectContaining({ code: 'NOT_UTF8', line: 2, row: 0 })]);
  });

  it('gives every code a message template', () => {
    for (const template of Object.values(ROW_ERROR_CODES)) expect(template.length).toBeGreaterThan(0);
  });
});
