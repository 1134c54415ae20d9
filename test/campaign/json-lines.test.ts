import { describe, expect, it } from 'vitest';
import { CampaignFileError, validateCampaign } from '../../src/campaign/index.js';
import { campaignFile, errorLines, readAll } from './helpers.js';

function message(index: number, qos: number): string {
  // Braces, brackets, escaped quotes and a backslash inside strings must not end the value early.
  const content = JSON.stringify(`} ] { [ "x" \\ ${index}`);
  return `{\n  "ProductKey": "a1FleetDemo",\n  "DeviceName": "dev-${String(index).padStart(5, '0')}",\n  "TopicShortName": "fw",\n  "Qos": ${qos},\n  "MessageContent": ${content}\n}`;
}

describe('JSON campaign lines', () => {
  it('reports each message at the line of its {, across chunk boundaries', async () => {
    const count = 6_000;
    const bad = new Set([1, 2_500, 6_000]);
    const parts: string[] = [];
    for (let index = 1; index <= count; index++) parts.push(message(index, bad.has(index) ? 5 : 1));
    // Line 1 is `{"messages": [`; each message takes 7 lines and the next starts right after its `},`.
    const summary = await validateCampaign(campaignFile('json', `{"messages": [\n${parts.join(',\n')}\n]}\n`));
    expect(summary).toMatchObject({ rows: count, valid: count - bad.size, invalid: bad.size });
    expect(summary.errors.map((error) => error.line)).toEqual([...bad].map((index) => 2 + (index - 1) * 7));
  });

  it('names the line where the file ends and the line where the cut value starts', async () => {
    const text = `[\n${message(1, 1)},\n{"ProductKey": "a1FleetDemo",\n"MessageContent": "open`;
    const error = await readAll(campaignFile('json', text)).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CampaignFileError);
    expect((error as CampaignFileError).rowErrors[0]).toMatchObject({ code: 'MALFORMED_FILE', line: 10, message: 'malformed file: the file ends inside the value that starts on line 9' });
  });

  it('reads a number element as a value of its own, at its line', async () => {
    expect(errorLines(await readAll(campaignFile('json', `[${message(1, 0)}, 7]`)))).toEqual(['7:MALFORMED_RECORD']);
  });
});
