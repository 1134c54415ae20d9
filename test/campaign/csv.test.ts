import { describe, expect, it } from 'vitest';
import { CampaignFileError, readCampaign, validateCampaign } from '../../src/campaign/index.js';
import { HEADER, ROW, campaignFile, decode, errorLines, messages, readAll } from './helpers.js';

async function fileError(path: string): Promise<CampaignFileError> {
  try {
    for await (const _ of readCampaign(path)) {
      // read to the end
    }
  } catch (error) {
    if (error instanceof CampaignFileError) return error;
    throw error;
  }
  throw new Error('expected a file-level error');
}

describe('CSV campaigns', () => {
  it('resolves a row into a Pub message', async () => {
    const [message] = messages(await readAll(campaignFile('csv', `${HEADER}\n${ROW}\n`)));
    expect(message).toEqual({
      row: 1,
      line: 2,
      productKey: 'a1FleetDemo',
      topicFullName: '/a1FleetDemo/dev-00001/user/firmware',
      messageContent: Buffer.from('hello').toString('base64'),
      qos: 1,
    });
  });

  it('accepts a BOM and CRLF line ends', async () => {
    const path = campaignFile('csv', `\uFEFF${HEADER}\r\n${ROW}\r\n${ROW.replace('00001', '00002')}\r\n`);
    const result = messages(await readAll(path));
    expect(result.map((m) => [m.line, m.topicFullName, decode(m.messageContent)])).toEqual([
      [2, '/a1FleetDemo/dev-00001/user/firmware', 'hello'],
      [3, '/a1FleetDemo/dev-00002/user/firmware', 'hello'],
    ]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('reports a multi-line quoted record at the line where it starts (%s)', async (_name, eol) => {
    const text = [HEADER, 'a1FleetDemo,dev-00001,firmware,0,"one', 'two', 'three"', 'a1FleetDemo,dev-00002,firmware,3,x', ''].join(eol);
    const results = await readAll(campaignFile('csv', text));
    const first = messages(results.slice(0, 1))[0];
    expect(first?.line).toBe(2);
    expect(decode(first?.messageContent ?? '')).toBe(`one${eol}two${eol}three`);
    expect(errorLines(results)).toEqual(['5:INVALID_QOS']);
  });

  it('keeps non-ASCII text, quotes, commas and newlines byte-exact', async () => {
    const payload = '{"msg":"固件 2.4, «ready»","emoji":"🚀","nl":"a\nb"}';
    const cell = `"${payload.replaceAll('"', '""')}"`;
    const [message] = messages(await readAll(campaignFile('csv', `${HEADER}\na1FleetDemo,dev-00001,firmware,0,${cell}\n`)));
    expect(Buffer.from(message?.messageContent ?? '', 'base64').equals(Buffer.from(payload, 'utf8'))).toBe(true);
  });

  it('skips blank lines but counts them', async () => {
    const results = await readAll(campaignFile('csv', `${HEADER}\n\n${ROW}\n\n\na1FleetDemo,dev-00002,firmware,9,x\n\n`));
    expect(results.map((r) => (r.ok ? r.message.line : r.line))).toEqual([3, 6]);
    expect(errorLines(results)).toEqual(['6:INVALID_QOS']);
  });

  it('treats empty cells as absent, so the defaults apply', async () => {
    const path = campaignFile('csv', `${HEADER},IotInstanceId\n,dev-00001,firmware,,hi,\n`);
    const [message] = messages(await readAll(path, { defaults: { ProductKey: 'a1FleetDemo', IotInstanceId: 'iot-cn-demo' } }));
    expect(message).toMatchObject({ productKey: 'a1FleetDemo', qos: 0, iotInstanceId: 'iot-cn-demo' });
  });

  it('reads UserProp.<key> columns in order and fills placeholders from data columns', async () => {
    const text = 'ProductKey,DeviceName,TopicShortName,UserProp.b,UserProp.a,Version,MessageContent\n' + 'a1FleetDemo,dev-00001,fw,2,1,2.4.1,"{{DeviceName}} -> {{ Version }} ({{UserProp.a}})"\n';
    const [message] = messages(await readAll(campaignFile('csv', text)));
    expect(message?.userProps).toEqual([
      ['b', '2'],
      ['a', '1'],
    ]);
    expect(decode(message?.messageContent ?? '')).toBe('dev-00001 -> 2.4.1 (1)');
  });

  it('reports records with a stray quote or the wrong number of cells, and reads on', async () => {
    const text = `${HEADER}\na1FleetDemo,dev-00001,firm"ware,1,x\na1FleetDemo,dev-00002,firmware,1\n"a1FleetDemo"x,dev-00003,firmware,1,x\n${ROW}\n`;
    const results = await readAll(campaignFile('csv', text));
    expect(errorLines(results)).toEqual(['2:MALFORMED_RECORD', '3:MALFORMED_RECORD', '4:MALFORMED_RECORD']);
    expect(results[3]?.ok).toBe(true);
  });

  it('throws on a quote never closed, naming the line where the record starts', async () => {
    const error = await fileError(campaignFile('csv', `${HEADER}\n${ROW}\na1FleetDemo,dev-00002,firmware,1,"open\nmore\n`));
    expect(error.code).toBe('FC_BAD_INPUT');
    expect(error.message).toContain('line 3');
    expect(error.rowErrors.map((e) => `${e.line}:${e.code}`)).toEqual(['3:MALFORMED_RECORD']);
  });

  it('throws on an empty file and on a header without rows', async () => {
    expect((await fileError(campaignFile('csv', ''))).rowErrors[0]).toMatchObject({ code: 'EMPTY_FILE', line: 1, row: 0 });
    expect((await fileError(campaignFile('csv', `\uFEFF${HEADER}\r\n`))).rowErrors[0]).toMatchObject({ code: 'EMPTY_FILE', line: 1 });
  });

  it('throws on header problems, listing every one', async () => {
    const error = await fileError(campaignFile('csv', 'ProductKey,DeviceName,,DeviceName,UserProp.\nx,y,z,w,v\n'));
    expect(error.rowErrors.map((e) => e.code)).toEqual(['MALFORMED_FILE', 'DUPLICATE_COLUMN', 'INVALID_USER_PROP']);
    expect(error.details).toHaveLength(3);
  });

  it('throws NOT_UTF8 naming the line of the bad byte', async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\n${ROW}\na1FleetDemo,dev-00002,firmware,1,caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const error = await fileError(campaignFile('csv', bytes));
    expect(error.rowErrors[0]).toMatchObject({ code: 'NOT_UTF8', line: 3, row: 0 });
    expect(error.message).toContain('line 3');
  });

  it('reads characters cut by a chunk boundary', async () => {
    const row = 'a1FleetDemo,dev-00001,firmware,0,"ü€🚀 固件"\n';
    const text = `${HEADER}\n${row.repeat(20_000)}`;
    const summary = await validateCampaign(campaignFile('csv', text));
    expect(summary).toMatchObject({ rows: 20_000, valid: 20_000, invalid: 0, errors: [] });
  });
});
