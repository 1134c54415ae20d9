import { describe, expect, it } from 'vitest';
import { validateCampaign } from '../../src/campaign/index.js';
import { REPORT_OUTCOME_COLUMNS } from '../../src/campaign/report-file.js';
import { csvLine } from '../../src/csv/csv-line.js';
import { messageCells, messageHeader } from '../../src/report/message-columns.js';
import type { PubMessage } from '../../src/types/pub-message.js';
import { campaignFile, messages, readAll } from './helpers.js';

const PK = 'a1Report01';
const TRICKY = ['=1+1', '+49 30 1234', '-rf /', '@SUM(A1)', "'quoted", "'=already marked", "''two", '\tindented', '\r\nbreak', '-12', 'say "hi", ok', 'ünïcødé ✓'];

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function message(row: number, text: string): PubMessage {
  return {
    row,
    line: row + 1,
    productKey: PK,
    topicFullName: `/${PK}/dev-${String(row).padStart(4, '0')}/user/notice`,
    messageContent: b64(text),
    qos: row % 2 === 0 ? 1 : 0,
    responseTopic: `/${PK}/dev-0001/user/${row}`,
    correlationData: b64(text),
    userProps: [['tag', text]],
  };
}

/** A report of `sent`; `withApi: false` writes it as reports were written before the `api` column. */
function reportFile(sent: readonly PubMessage[], withApi = true): string {
  const keys = ['tag'];
  const columns = withApi ? REPORT_OUTCOME_COLUMNS : REPORT_OUTCOME_COLUMNS.filter((name) => name !== 'api');
  const lines = [csvLine([...columns, ...messageHeader(keys)])];
  for (const m of sent) {
    const outcome = [m.row * 3, m.topicFullName, 'failed', '', 'req-1', 'iot.device.NotExistedDevice', '=HYPERLINK("x")', 1, '2026-01-01T00:00:00.000Z', ...(withApi ? ['BatchPub'] : [])];
    lines.push(csvLine([...outcome, ...messageCells(m, keys)]));
  }
  return campaignFile('csv', lines.join(''));
}

describe('a report read as a campaign', () => {
  it('gives back every message exactly, whatever its first character, with the outcome columns ignored', async () => {
    const sent = TRICKY.map((text, index) => message(index + 1, text));
    const file = reportFile(sent);

    const read = messages(await readAll(file));

    expect(read.map(({ line: _line, ...rest }) => rest)).toEqual(sent.map(({ line: _line, ...rest }) => rest));
    const summary = await validateCampaign(file);
    expect(summary.errors).toEqual([]);
    expect(summary.valid).toBe(TRICKY.length);
  });

  it('reads a report written before the api column the same way', async () => {
    const sent = TRICKY.map((text, index) => message(index + 1, text));

    const read = messages(await readAll(reportFile(sent, false)));

    expect(read.map(({ line: _line, ...rest }) => rest)).toEqual(sent.map(({ line: _line, ...rest }) => rest));
  });

  it('keeps a binary payload whose base64 starts with "+" byte for byte', async () => {
    const payload = Buffer.from([0xf8, 0x00, 0xff, 0x3d]);
    const binary = { ...message(1, 'x'), messageContent: payload.toString('base64') };
    expect(binary.messageContent.startsWith('+')).toBe(true);

    const [read] = messages(await readAll(reportFile([binary])));

    expect(Buffer.from(read?.messageContent ?? '', 'base64')).toEqual(payload);
  });

  it('gives back random texts made of marks, quotes, separators and line breaks unchanged', async () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ["'", '=', '+', '-', '@', '\t', '\r', '\n', ',', '"', 'a', '1', ' ', 'é'];
    const texts = Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
    const sent = texts.map((text, index) => message(index + 1, text));

    const read = messages(await readAll(reportFile(sent)));

    expect(read.map((m) => m.userProps?.[0]?.[1])).toEqual(texts);
    expect(read.map((m) => Buffer.from(m.correlationData ?? '', 'base64').toString('utf8'))).toEqual(texts);
  });

  it('marks the cells a spreadsheet would run, in the file itself', () => {
    expect(csvLine(['=1+1', '+1', '-x', '@x', "'x", '-12', 'plain'])).toBe("'=1+1,'+1,'-x,'@x,''x,-12,plain\r\n");
  });

  it('is recognised only by the exact outcome header: elsewhere a leading quote is data and outcome names are unknown columns', async () => {
    const plain = campaignFile('csv', `ProductKey,DeviceName,TopicShortName,MessageContent\n${PK},dev-0001,notice,'=x\n`);
    const [read] = messages(await readAll(plain));
    expect(Buffer.from(read?.messageContent ?? '', 'base64').toString()).toBe("'=x");

    const reordered = campaignFile('csv', `topic,row,ProductKey,DeviceName,TopicShortName,MessageContent\n/t,1,${PK},dev-0001,notice,hi\n`);
    const summary = await validateCampaign(reordered);
    expect(summary.errors.map((error) => `${error.code}:${error.field}`)).toContain('UNKNOWN_COLUMN:topic');
  });
});
