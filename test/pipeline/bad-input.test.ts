import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cleanupPrefix, keysOf, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';

const HEADER = 'ProductKey,DeviceName,TopicShortName,Qos,MessageContent\n';
const GOOD = 'a1BadInput1,dev-00001,notice,0,hello\n';

/** Each case: a file, the line the error must name, and a word of the reason. */
const CASES: ReadonlyArray<{ name: string; content: string | Buffer; line: number; reason: RegExp }> = [
  { name: 'unknown column', content: 'ProductKey,DeviceName,TopicShortName,Qos,MessageContent,Colour\na1BadInput1,dev-00001,notice,0,hello,red\n', line: 2, reason: /unknown column/i },
  { name: 'missing required field', content: `${HEADER}${GOOD},dev-00002,notice,0,hello\n`, line: 3, reason: /ProductKey/ },
  { name: 'invalid topic', content: `${HEADER}${GOOD}a1BadInput1,dev-00002,no/+/wild,0,hello\n`, line: 3, reason: /topic/i },
  { name: 'invalid DeviceName', content: `${HEADER}${GOOD}${GOOD}a1BadInput1,bad name!,notice,0,hello\n`, line: 4, reason: /DeviceName/ },
  { name: 'Qos not 0 or 1', content: `${HEADER}a1BadInput1,dev-00001,notice,2,hello\n`, line: 2, reason: /Qos/ },
  {
    name: 'payload over 256 KB',
    content: `${HEADER}${GOOD}a1BadInput1,dev-00002,notice,0,${'x'.repeat(262_145)}\n`,
    line: 3,
    reason: /256|large/i,
  },
  {
    name: 'invalid base64',
    content: `ProductKey,DeviceName,TopicShortName,MessageContentBase64\na1BadInput1,dev-00001,notice,aGVsbG8=\na1BadInput1,dev-00002,notice,not*base64\n`,
    line: 3,
    reason: /base64/i,
  },
  { name: 'empty file', content: '', line: 1, reason: /empty/i },
  { name: 'not UTF-8', content: Buffer.concat([Buffer.from(`${HEADER}${GOOD}a1BadInput1,dev-00002,notice,0,caf`), Buffer.from([0xe9, 0x0a])]), line: 3, reason: /UTF-8/i },
];

describe('bad input gets a clear error and nothing is enqueued', () => {
  let redis: Redis;
  let dir: string;
  const prefix = uniquePrefix();

  beforeAll(() => {
    redis = testRedis();
    dir = mkdtempSync(join(tmpdir(), 'fleetcast-bad-'));
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    rmSync(dir, { recursive: true, force: true });
    await redis.quit();
  });

  for (const badCase of CASES) {
    it(`refuses a file with ${badCase.name}: exit 2, the line named, Redis untouched`, async () => {
      const file = join(dir, `${badCase.name.replace(/\W+/g, '-')}.csv`);
      writeFileSync(file, badCase.content);

      const result = await runCli(['submit', file, '--name', 'bad'], { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: prefix });

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`line ${badCase.line}\\b`));
      expect(result.stderr).toMatch(badCase.reason);
      expect(await keysOf(redis, prefix)).toEqual([]);
    });
  }

  it('with --skip-invalid sends the valid rows and writes the rejects with their lines', async () => {
    const file = join(dir, 'mixed.csv');
    writeFileSync(file, `${HEADER}${GOOD}a1BadInput1,dev-00002,notice,2,hello\na1BadInput1,dev-00003,notice,1,hi\n`);
    const rejects = join(dir, 'mixed.rejects.csv');

    const result = await runCli(['submit', file, '--name', 'mixed', '--skip-invalid', '--rejects', rejects, '--json'], {
      REDIS_URL: redisUrl(),
      FLEETCAST_PREFIX: prefix,
    });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ submitted: { id: 'mixed', rows: 2, invalid: 1, chunks: 1 } });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(rejects, 'utf8')).toMatch(/^line,row,field,code,message\r\n3,2,Qos,INVALID_QOS,/);
  });

  it('exits 3 with a way to get Redis when nothing answers', async () => {
    const file = join(dir, 'ok.csv');
    writeFileSync(file, `${HEADER}${GOOD}`);

    const result = await runCli(['submit', file], { REDIS_URL: 'redis://127.0.0.1:1', FLEETCAST_PREFIX: prefix });

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Redis does not answer at redis://127.0.0.1:1');
    expect(result.stderr).toMatch(/apt-get install redis-server/);
  });

  it('exits 3 and queues nothing when the temp folder cannot hold the rows', async () => {
    const file = join(dir, 'ok-temp.csv');
    writeFileSync(file, `${HEADER}${GOOD}`);
    const own = uniquePrefix();

    const result = await runCli(['submit', file, '--name', 'temp'], { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: own, TMPDIR: join(dir, 'no-such-folder') });

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/temp folder \S*no-such-folder .*set TMPDIR/);
    expect(await keysOf(redis, own)).toEqual([]);
  });

  it('names every bad configuration value in one message', async () => {
    const result = await runCli(['worker'], {
      REDIS_URL: 'http://nope',
      FLEETCAST_RATE: 'fast',
      FLEETCAST_ENDPOINT: 'ftp://x',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'super-secret-value',
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('REDIS_URL');
    expect(result.stderr).toContain('FLEETCAST_RATE');
    expect(result.stderr).toContain('FLEETCAST_ENDPOINT');
    expect(result.stderr).not.toContain('super-secret-value');
  });
});
