import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export const PRODUCT_KEY = 'a1BenchFleet';
const HEADER = 'ProductKey,DeviceName,TopicShortName,Qos,MessageContent\n';
const CONTENT_CSV = '"{""fw"":""2.4.1"",""device"":""{{DeviceName}}""}"';

export function deviceName(row: number, tag = ''): string {
  return `dev${tag}-${String(row).padStart(8, '0')}`;
}

/** One row as the baselines send it: the same topic and payload fleetcast makes of the CSV row. */
export interface BenchRow {
  readonly productKey: string;
  readonly topicFullName: string;
  readonly messageContent: string;
}

export function benchRow(row: number): BenchRow {
  const name = deviceName(row);
  return {
    productKey: PRODUCT_KEY,
    topicFullName: `/${PRODUCT_KEY}/${name}/user/notice`,
    messageContent: Buffer.from(JSON.stringify({ fw: '2.4.1', device: name })).toString('base64'),
  };
}

/** Writes a campaign CSV of `rows` rows (about 80 bytes each) without holding it in memory. */
export async function writeCampaignCsv(path: string, rows: number, tag = ''): Promise<void> {
  await writeCsvLines(path, rows, (row) => `${PRODUCT_KEY},${deviceName(row, tag)},notice,0,${CONTENT_CSV}\n`);
}

/** Writes the campaign header and `lineOf(row)` for rows 1..`rows`, in batches, without holding the file in memory. */
export async function writeCsvLines(path: string, rows: number, lineOf: (row: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(HEADER);
  const batch = 10_000;
  for (let start = 1; start <= rows; start += batch) {
    let text = '';
    const end = Math.min(rows, start + batch - 1);
    for (let row = start; row <= end; row++) text += lineOf(row);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
