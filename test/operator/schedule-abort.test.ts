import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignRecord } from '../../src/queue/campaign-record.js';
import { runCli } from '../helpers/cli.js';
import { writeSimpleCampaign } from '../helpers/campaigns.js';
import { Harness } from '../helpers/harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('submit --cron carries abort rules and the canary to every firing', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('each firing campaign has the rules, the action and the canary given at submit', async () => {
    h = new Harness();
    await h.startEmulator();
    await h.startWorkers(1);
    const file = join(h.dir, 'nightly.csv');
    writeSimpleCampaign(file, 5);

    const submitted = await runCli(
      ['submit', file, '--cron', '*/2 * * * * *', '--tz', 'UTC', '--name', 'fw', '--abort', 'offline:20:200', '--abort', 'failed:40', '--abort-action', 'cancel', '--canary', '40%', '--canary-soak', '90s'],
      h.env(),
    );
    expect(submitted.code, submitted.stderr).toBe(0);

    let fired: CampaignRecord | undefined;
    for (let waited = 0; fired === undefined && waited < 15_000; waited += 100) {
      fired = (await h.store.list()).find((record) => record.id.startsWith('fw-'));
      if (fired === undefined) await sleep(100);
    }
    expect(fired?.abortRules).toEqual([
      { abortClass: 'offline', percent: 20, minimumRows: 200 },
      { abortClass: 'failed', percent: 40, minimumRows: 100 },
    ]);
    expect(fired?.abortAction).toBe('cancel');
    expect(fired?.canary).toMatchObject({ rows: 2, soakMs: 90_000 });
    expect((await runCli(['unschedule', 'fw'], h.env())).code).toBe(0);
  });
});
