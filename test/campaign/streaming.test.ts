import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { readCampaign, validateCampaign } from '../../src/campaign/index.js';
import { campaignFile } from './helpers.js';

const ROWS = 200_000;

async function writeLargeCsv(): Promise<string> {
  const path = campaignFile('csv', '');
  const out = createWriteStream(path);
  out.write('ProductKey,DeviceName,TopicShortName,Qos,MessageContent\n');
  for (let i = 0; i < ROWS; i++) {
    const line = `a1FleetDemo,dev-${String(i).padStart(6, '0')},firmware,1,"{""version"":""2.4.${i}""}"\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

describe('streaming', () => {
  it('validates a large CSV with flat memory and reports progress', async () => {
    const path = await writeLargeCsv();
    const before = process.memoryUsage().rss;
    let peak = before;
    const progress: number[] = [];
    const summary = await validateCampaign(path, {
      onProgress: (bytesRead, totalBytes) => {
        progress.push(bytesRead / totalBytes);
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(summary).toMatchObject({ rows: ROWS, valid: ROWS, invalid: 0, errors: [] });
    expect(progress.at(-1)).toBe(1);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('stops reading when the consumer stops', async () => {
    const path = campaignFile('csv', `ProductKey,DeviceName,TopicShortName,MessageContent\n${'a1FleetDemo,dev-00001,get,x\n'.repeat(50_000)}`);
    let seen = 0;
    for await (const _ of readCampaign(path)) if (++seen === 3) break;
    expect(seen).toBe(3);
  });

  it('caps the error list with maxErrors but counts every row', async () => {
    const path = campaignFile('csv', `ProductKey,DeviceName,TopicShortName,Qos,MessageContent\n${'a1FleetDemo,dev-00001,get,5,x\n'.repeat(1000)}`);
    const summary = await validateCampaign(path, { maxErrors: 10 });
    expect(summary).toMatchObject({ rows: 1000, invalid: 1000 });
    expect(summary.errors).toHaveLength(10);
  });
});
