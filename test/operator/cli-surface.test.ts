import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cleanupPrefix, redisUrl, testRedis, uniquePrefix } from '../helpers/redis.js';

/** The commands of DESIGN.md's command-line table. */
const DESIGN_COMMANDS = ['validate', 'submit', 'worker', 'status', 'pause', 'resume', 'cancel', 'retry-failed', 'report', 'emulator', 'demo'];
/** Nothing answers here: a command that touched Redis would fail with exit 3. */
const NO_REDIS = { REDIS_URL: 'redis://127.0.0.1:1' };

interface ValidateJson {
  rows: number;
  valid: number;
  invalid: number;
  errors: Array<{ line: number; field: string; code: string; message: string }>;
}

function lastJsonLine(stdout: string): ValidateJson {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as ValidateJson;
}

describe('the command line', () => {
  it('fleetcast --help lists every command', async () => {
    const result = await runCli(['--help']);

    expect(result.code).toBe(0);
    const listed = [...result.stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((match) => match[1]);
    for (const command of DESIGN_COMMANDS) expect(listed).toContain(command);
  });

  it('validate --json on samples/bad-rows.csv exits 2 and reports exactly lines 3, 5 and 7, without Redis', async () => {
    const result = await runCli(['validate', 'samples/bad-rows.csv', '--json'], NO_REDIS);

    expect(result.code).toBe(2);
    const summary = lastJsonLine(result.stdout);
    expect(summary).toMatchObject({ rows: 8, valid: 5, invalid: 3 });
    expect(summary.errors.map(({ line, field, code }) => ({ line, field, code }))).toEqual([
      { line: 3, field: 'Qos', code: 'INVALID_QOS' },
      { line: 5, field: 'DeviceName', code: 'MISSING_FIELD' },
      { line: 7, field: 'DeviceName', code: 'INVALID_DEVICE_NAME' },
    ]);
    for (const error of summary.errors) expect(error.message.length).toBeGreaterThan(10);
    expect(summary.errors[0]?.message).toContain('"2"');
  });

  it('validate without --json groups the bad rows by reason, each under its reason', async () => {
    const result = await runCli(['validate', 'samples/bad-rows.csv'], NO_REDIS);

    expect(result.code).toBe(2);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('samples/bad-rows.csv: csv, 8 rows, 5 valid, 3 invalid');
    const after = (heading: string): string | undefined => lines[lines.indexOf(heading) + 1];
    expect(after('INVALID_QOS: 1 error')).toMatch(/^ {2}line 3 Qos: invalid Qos "2"/);
    expect(after('MISSING_FIELD: 1 error')).toMatch(/^ {2}line 5 DeviceName: missing DeviceName/);
    expect(after('INVALID_DEVICE_NAME: 1 error')).toMatch(/^ {2}line 7 DeviceName: invalid DeviceName "dev 00006!"/);
    expect(result.stderr).toBe('');
  });

  it('validate exits 0 on every sample campaign', async () => {
    for (const sample of ['samples/firmware-notice.csv', 'samples/firmware-notice.json', 'samples/firmware-notice.ndjson']) {
      const result = await runCli(['validate', sample, '--json'], NO_REDIS);
      expect(result.code).toBe(0);
      expect(lastJsonLine(result.stdout)).toMatchObject({ invalid: 0, errors: [] });
    }
  });

  describe('status --json', () => {
    const prefix = uniquePrefix();
    const redis = testRedis();
    const env = { REDIS_URL: redisUrl(), FLEETCAST_PREFIX: prefix };

    afterAll(async () => {
      await cleanupPrefix(redis, prefix);
      await redis.quit();
    });

    it('prints JSON, with no campaign and with one', async () => {
      const empty = await runCli(['status', '--json'], env);
      expect(empty.code).toBe(0);
      expect(JSON.parse(empty.stdout)).toMatchObject({ campaigns: [] });

      expect((await runCli(['submit', 'samples/firmware-notice.csv', '--name', 'surface'], env)).code).toBe(0);
      const one = await runCli(['status', '--json'], env);

      expect(one.code).toBe(0);
      const parsed = JSON.parse(one.stdout) as { campaigns: Array<{ id: string; rows: number; sent: number }> };
      expect(parsed.campaigns).toEqual([expect.objectContaining({ id: 'surface', rows: 36, sent: 0 })]);
      expect((await runCli(['cancel', 'surface'], env)).code).toBe(0);
    });

    it('exits 3 with a JSON error when Redis does not answer', async () => {
      const result = await runCli(['status', '--json'], { ...NO_REDIS, FLEETCAST_PREFIX: prefix });

      expect(result.code).toBe(3);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'FC_REDIS_UNREACHABLE' } });
    });
  });
});
