import { writeFileSync } from 'node:fs';

export const PRODUCT_KEY = 'a1Dispatch1';

export function deviceName(index: number, tag = 'dev'): string {
  return `${tag}-${String(index + 1).padStart(6, '0')}`;
}

/** A simple CSV campaign of `rows` rows, one device each, on topic `/${PRODUCT_KEY}/<device>/user/notice`. */
export function writeSimpleCampaign(path: string, rows: number, tag = 'dev'): void {
  const lines = ['ProductKey,DeviceName,TopicShortName,MessageContent'];
  for (let index = 0; index < rows; index++) lines.push(`${PRODUCT_KEY},${deviceName(index, tag)},notice,notice {{DeviceName}}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}
