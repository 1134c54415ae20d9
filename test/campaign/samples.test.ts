import { describe, expect, it } from 'vitest';
import { readCampaignName, validateCampaign } from '../../src/campaign/index.js';

describe('samples', () => {
  it.each(['samples/firmware-notice.csv', 'samples/firmware-notice.json', 'samples/firmware-notice.ndjson'])('%s is valid', async (path) => {
    const summary = await validateCampaign(path);
    expect(summary.errors).toEqual([]);
    expect(summary.rows).toBeGreaterThan(10);
    expect(summary.valid).toBe(summary.rows);
  });

  it('firmware-notice.json is named', async () => {
    expect(await readCampaignName('samples/firmware-notice.json')).toBe('firmware-notice-2.4');
  });

  it('bad-rows.csv is bad on lines 3, 5 and 7 only', async () => {
    const summary = await validateCampaign('samples/bad-rows.csv');
    expect(summary.errors.map((e) => `${e.line}:${e.code}`)).toEqual(['3:INVALID_QOS', '5:MISSING_FIELD', '7:INVALID_DEVICE_NAME']);
    expect(summary).toMatchObject({ format: 'csv', rows: 8, valid: 5, invalid: 3 });
  });
});
