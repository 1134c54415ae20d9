import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { csvLine } from '../report/csv.js';
import type { FleetDevice } from './fleet.js';

export const DEMO_PRODUCT_KEY = 'a1FleetDemo';
export const DEMO_TOPIC_SHORT_NAME = 'notice';

export function demoDevices(count: number): FleetDevice[] {
  return Array.from({ length: count }, (_, index) => {
    const deviceName = `dev-${String(index + 1).padStart(5, '0')}`;
    return { deviceName, topic: `/${DEMO_PRODUCT_KEY}/${deviceName}/user/${DEMO_TOPIC_SHORT_NAME}` };
  });
}

/** A firmware-notice campaign, one row per device, in the same shape as `samples/firmware-notice.csv`. */
export async function writeDemoCampaign(path: string, devices: readonly FleetDevice[]): Promise<void> {
  const out = createWriteStream(path);
  out.write(csvLine(['ProductKey', 'DeviceName', 'TopicShortName', 'Qos', 'MessageContent', 'UserProp.campaign']));
  for (const device of devices) {
    const content = '{"type":"firmware-notice","device":"{{DeviceName}}","version":"2.4.1","url":"https://updates.example.com/fw/2.4.1.bin"}';
    out.write(csvLine([DEMO_PRODUCT_KEY, device.deviceName, DEMO_TOPIC_SHORT_NAME, 1, content, 'firmware-2.4.1']));
  }
  out.end();
  await finished(out);
}
