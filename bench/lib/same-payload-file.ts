import { PRODUCT_KEY, deviceName, writeCsvLines } from './campaign-file.js';

/** No `{{DeviceName}}` in it: every row carries the exact same payload, as a firmware notice to a fleet does. */
const SAME_CONTENT_CSV = '"{""fw"":""2.4.1"",""channel"":""stable""}"';

/**
 * Writes a campaign CSV of `rows` rows that `--pack` can put into `BatchPub` calls: one product, one payload,
 * `rows` distinct devices on `/${PRODUCT_KEY}/dev-N/user/notice`.
 */
export async function writeSamePayloadCsv(path: string, rows: number): Promise<void> {
  await writeCsvLines(path, rows, (row) => `${PRODUCT_KEY},${deviceName(row)},notice,0,${SAME_CONTENT_CSV}\n`);
}
