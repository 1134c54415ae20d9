import { benchRow } from '../lib/campaign-file.js';
import { pubOnce, readEnv, reportOnSigterm, sdkClient } from './common.js';

/** The official SDK with 64 calls in flight and no rate limit; a throttled row is sent again at once. */
const IN_FLIGHT = 64;

const env = readEnv();
const client = sdkClient(env);
let next = 1;

async function lane(): Promise<void> {
  for (let row = next++; row <= env.rows; row = next++) {
    const message = benchRow(row);
    while ((await pubOnce(client, message)) === 'Throttling.User');
  }
}

reportOnSigterm();
setInterval(() => undefined, 60_000);
setTimeout(() => {
  void Promise.all(Array.from({ length: IN_FLIGHT }, lane)).then(() => process.stderr.write('baseline done\n'));
}, 200);
