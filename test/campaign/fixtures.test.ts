import { describe, expect, it } from 'vitest';
import { validateCampaign } from '../../src/campaign/index.js';
import { decode, errorLines, messages, readAll } from './helpers.js';

const FIXTURES = 'test/fixtures/campaign';

describe('fixture files', () => {
  it('crlf-multiline.csv: a quoted CRLF record starts on line 2, the next on line 4', async () => {
    const results = await readAll(`${FIXTURES}/crlf-multiline.csv`);
    expect(decode(messages(results.slice(0, 1))[0]?.messageContent ?? '')).toBe('line one\r\nline "two", with comma');
    expect(errorLines(results)).toEqual(['4:INVALID_QOS']);
  });

  it('latin1.csv: reported as NOT_UTF8 on line 3', async () => {
    const summary = await validateCampaign(`${FIXTURES}/latin1.csv`);
    expect(summary.errors).toEqual([expect.objectContaining({ code: 'NOT_UTF8', line: 3, row: 0 })]);
  });
});
