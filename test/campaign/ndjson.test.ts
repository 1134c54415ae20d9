import { describe, expect, it } from 'vitest';
import { campaignFile, decode, errorLines, messages, readAll } from './helpers.js';

const LINE = '{"ProductKey": "a1FleetDemo", "DeviceName": "dev-00001", "TopicShortName": "get", "MessageContent": "héllo\\n\\"q\\""}';

describe('NDJSON campaigns', () => {
  it('skips blank lines but counts them, with CRLF or LF', async () => {
    const results = await readAll(campaignFile('ndjson', `\uFEFF${LINE}\r\n\r\n  \n${LINE}\n{"oops"\n\n${LINE}`));
    expect(results.map((r) => (r.ok ? r.message.line : r.line))).toEqual([1, 4, 5, 7]);
    expect(results.map((r) => (r.ok ? r.message.row : r.row))).toEqual([1, 2, 3, 4]);
    expect(errorLines(results)).toEqual(['5:MALFORMED_RECORD']);
    expect(decode(messages(results.slice(0, 1))[0]?.messageContent ?? '')).toBe('héllo\n"q"');
  });

  it('is detected from the content when the extension says nothing', async () => {
    const results = await readAll(campaignFile('txt', `${LINE}\n${LINE}\n`));
    expect(messages(results)).toHaveLength(2);
  });
});
