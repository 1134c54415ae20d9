import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cleanupPrefix, keysOf, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';

const HEADER = 'ProductKey,DeviceName,TopicShortName,Qos,MessageContent\n';

function row(index: number, qos: number): string {
  return `a1Rejects01,dev-${String(index).padStart(6, '0')},notice,${qos},hello\n`;
}

describe('submit --skip-invalid writes the rejects as it reads', () => {
  let redis: Redis;
  let dir: string;
  const prefix = uniquePrefix();

  beforeAll(() => {
    redis = testRedis();
    dir = mkdtempSync(join(tmpdir(), 'fleetcast-rejects-'));
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    rmSync(dir, { recursive: true, force: true });
    await redis.quit();
  });

  it('queues the few good rows of a mostly bad file and lists every bad row, in file order', async () => {
    const rows = 30_000;
    let text = HEADER;
    for (let index = 1; index <= rows; index++) text += row(index, index % 1_000 === 0 ? 1 : 2);
    const file = join(dir, 'mostly-bad.csv');
    writeFileSync(file, text);

    const result = await runCli(['submit', file, '--name', 'mostly-bad', '--skip-invalid', '--json'], { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: prefix });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ submitted: { rows: 30, invalid: rows - 30, rejectsPath: `${file}.rejects.csv` } });
    const lines = readFileSync(`${file}.rejects.csv`, 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + rows - 30);
    expect(lines[1]).toMatch(/^2,1,Qos,INVALID_QOS,/);
    expect(lines[lines.length - 1]).toMatch(/^30000,29999,Qos,INVALID_QOS,/);
    expect(readdirSync(dir).filter((name) => name.endsWith('.part'))).toEqual([]);
  });

  it('leaves no rejects file when the file itself is refused', async () => {
    const file = join(dir, 'refused.csv');
    writeFileSync(file, `${HEADER.trimEnd()},Colour\n${row(1, 2).trimEnd()},red\n`);
    const own = uniquePrefix();

    const result = await runCli(['submit', file, '--name', 'refused', '--skip-invalid'], { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: own });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown column Colour/);
    expect(existsSync(`${file}.rejects.csv`)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.startsWith('refused.csv.'))).toEqual([]);
    expect(await keysOf(redis, own)).toEqual([]);
  });

  it('exits 2, queuing nothing, when the rejects cannot be written', async () => {
    const file = join(dir, 'unwritable.csv');
    writeFileSync(file, `${HEADER}${row(1, 2)}${row(2, 1)}`);
    const own = uniquePrefix();

    const result = await runCli(['submit', file, '--name', 'unwritable', '--skip-invalid', '--rejects', join(dir, 'no-such-folder', 'r.csv')], {
      REDIS_URL: redisUrl(),
      FLEETCAST_PREFIX: own,
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot write the rejected rows to \S*no-such-folder\/r\.csv/);
    expect(await keysOf(redis, own)).toEqual([]);
  });
});
