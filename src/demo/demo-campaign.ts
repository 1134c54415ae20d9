import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { csvLine } from '../csv/csv-line.js';
import type { FleetDevice } from './fleet.js';

export const DEMO_PRODUCT_KEY = 'a1FleetDemo';
export const DEMO_TOPIC_SHORT_NAME = 'notice';

export function demoDevices(count: number, productKey = DEMO_PRODUCT_KEY): FleetDevice[] {
  return Array.from({ length: count }, (_, index) => {
    const deviceName = `dev-${String(index + 1).padStart(5, '0')}`;
    return { deviceName, topic: `/${productKey}/${deviceName}/user/${DEMO_TOPIC_SHORT_NAME}` };
  });
}

/** The one notice of a `demo --pack` campaign: the same bytes for every device, so that rows share BatchPub calls. */
export const DEMO_SHARED_NOTICE = '{"type":"firmware-notice","version":"2.4.1","url":"https://updates.example.com/fw/2.4.1.bin"}';

/**
 * A firmware-notice campaign, one row per device, in the same shape as `samples/firmware-notice.csv`; with `shared`,
 * every row carries DEMO_SHARED_NOTICE and no user property, as a notice sent with `--pack` does.
 */
export async function writeDemoCampaign(path: string, devices: readonly FleetDevice[], shared = false): Promise<void> {
  const out = createWriteStream(path);
  out.write(csvLine(['ProductKey', 'DeviceName', 'TopicShortName', 'Qos', 'MessageContent', ...(shared ? [] : ['UserProp.campaign'])]));
  for (const device of devices) {
    const content = shared ? DEMO_SHARED_NOTICE : '{"type":"firmware-notice","device":"{{DeviceName}}","version":"2.4.1","url":"https://updates.example.com/fw/2.4.1.bin"}';
    const cells = [productKeyOf(device), device.deviceName, DEMO_TOPIC_SHORT_NAME, 1, content, ...(shared ? [] : ['firmware-2.4.1'])];
    const written = out.write(csvLine(cells));
    if (!written) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

/** The ProductKey of a device's topic `/${ProductKey}/${DeviceName}/user/...`. */
function productKeyOf(device: FleetDevice): string {
  return device.topic.split('/')[1] ?? DEMO_PRODUCT_KEY;
}
