import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { PRODUCT_KEY, writeSimpleCampaign } from '../helpers/campaigns.js';
import { runCli, startWorkerProcess, type WorkerProcess } from '../helpers/cli.js';
import { Harness } from '../helpers/harness.js';
import { parseCsv } from './fixtures.js';

const ACCESS_KEY_ID = 'errtext-key-0042';
const SECRET = 'errtext-secret-5c1d9e7a';
const ACCESS_KEYS = [{ accessKeyId: ACCESS_KEY_ID, accessKeySecret: SECRET }];

/** Never anywhere: the key, the secret, signed parameters, Authorization, a URL with its query. */
const NEVER: readonly (string | RegExp)[] = [
  ACCESS_KEY_ID,
  SECRET,
  encodeURIComponent(SECRET),
  /Signature(?:Nonce)?\s*(?:=|%3D)/i,
  /SignatureNonce/i,
  /x-acs-signature-nonce/i,
  /Authorization/i,
  /AccessKeyId\s*(?:=|%3D)/i,
  /https?:\/\/[^\s"']*\?/i,
];
/** Never in a message a user reads: besides the above, no query text at all. */
const NEVER_IN_MESSAGE: readonly (string | RegExp)[] = [...NEVER, '?', /TopicFullName/i];

type Outcome = 'pause' | 'retry' | 'fail';

interface Case {
  readonly what: string;
  /** Emulator options; none: no emulator, `endpoint` is called instead. */
  readonly emulator?: EmulatorOptions;
  readonly endpoint?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly code: string;
  readonly outcome: Outcome;
  /** The sentence after `Code: `, given the endpoint's host. */
  readonly message: (host: string) => string | RegExp;
}

const PROXY = 'check FLEETCAST_ENDPOINT, or a proxy in between';

const CASES: readonly Case[] = [
  {
    what: 'an unresolvable host',
    endpoint: 'http://fleetcast-no-such-host.invalid:80',
    code: 'ENOTFOUND',
    outcome: 'pause',
    message: () => 'cannot resolve fleetcast-no-such-host.invalid — check FLEETCAST_ENDPOINT or ALIBABA_CLOUD_REGION_ID',
  },
  {
    what: 'a closed port',
    endpoint: 'http://127.0.0.1:1',
    code: 'ECONNREFUSED',
    outcome: 'retry',
    message: () => '127.0.0.1:1 refused the connection — check FLEETCAST_ENDPOINT (host and port)',
  },
  {
    what: 'a call that hangs past the timeout',
    emulator: { faultHang: 1 },
    env: { FLEETCAST_TIMEOUT_MS: '400' },
    code: 'RequestTimeout',
    outcome: 'retry',
    message: (host) => `no answer from ${host} within 400 ms — check the network and FLEETCAST_ENDPOINT, or raise FLEETCAST_TIMEOUT_MS`,
  },
  {
    what: 'a reset connection',
    emulator: { faultReset: 1 },
    code: 'ECONNRESET',
    outcome: 'retry',
    message: (host) => `the connection to ${host} was reset before the answer came — check the network or a proxy in between`,
  },
  {
    what: 'HTTP 503 ServiceUnavailable',
    emulator: { faultUnavailable: 1 },
    code: 'ServiceUnavailable',
    outcome: 'retry',
    message: () => 'The request has failed due to a temporary failure of the server.',
  },
  {
    what: 'a system error',
    emulator: { faultSystem: 1 },
    code: 'iot.system.SystemException',
    outcome: 'retry',
    message: () => 'A system exception occurred.',
  },
  {
    what: 'HTTP 502 without a body',
    emulator: { faultEmpty: 1 },
    code: 'InvalidResponse',
    outcome: 'retry',
    message: (host) => `HTTP 502 without a body from ${host} — ${PROXY}`,
  },
  {
    what: 'HTTP 403 without a body',
    emulator: { faultEmpty: 1, faultStatus: 403 },
    code: 'InvalidResponse',
    outcome: 'retry',
    message: (host) => `HTTP 403 without a body from ${host} — ${PROXY}`,
  },
  {
    what: 'a body that is not JSON',
    emulator: { faultNotJson: 1, faultStatus: 504 },
    code: 'InvalidResponse',
    outcome: 'retry',
    message: (host) => `HTTP 504 with a body that is not JSON (text/html) from ${host} — ${PROXY}`,
  },
  {
    what: 'a wrong secret',
    emulator: { accessKeys: [{ accessKeyId: ACCESS_KEY_ID, accessKeySecret: 'the-right-secret' }] },
    code: 'SignatureDoesNotMatch',
    outcome: 'pause',
    message: () => 'Specified signature is not matched with our calculation — check the AccessKey secret (ALIBABA_CLOUD_ACCESS_KEY_SECRET)',
  },
  {
    what: 'an unknown AccessKey',
    emulator: { accessKeys: [{ accessKeyId: 'someone-else-key', accessKeySecret: SECRET }] },
    code: 'InvalidAccessKeyId.NotFound',
    outcome: 'pause',
    message: () => 'Specified access key is not found — check the AccessKey id (ALIBABA_CLOUD_ACCESS_KEY_ID)',
  },
  {
    what: 'a clock off by more than the tolerance',
    emulator: { timestampToleranceMs: 0 },
    code: 'InvalidTimeStamp.Expired',
    outcome: 'pause',
    message: () => "Specified time stamp or date value is expired — check the worker's clock (sync it with NTP)",
  },
  {
    what: 'a device that does not exist',
    emulator: { devices: [{ ProductKey: PRODUCT_KEY, DeviceName: 'someone-else' }] },
    code: 'iot.device.NotExistedDevice',
    outcome: 'fail',
    message: () => new RegExp(`^The device ${PRODUCT_KEY}/dev-\\d{6} does not exist\\.$`),
  },
];

const ROWS = 3;
/** Cases at once: each starts a worker process, and the machine may be small. */
const AT_ONCE = 3;
const turns = turnstile(AT_ONCE);

describe.concurrent.each(['v1', 'v3'] as const)('what a user reads of a failed call, signed %s', (signature) => {
  it.each(CASES)('$what: $code in one short sentence, without the signed request', async (c) => {
    await turns(async () => {
      const h = new Harness();
      try {
        await expectReadableFailure(h, c, signature);
      } finally {
        await h.close();
      }
    });
  }, 180_000);
});

/** Runs at most `limit` of the functions given to it at a time. */
function turnstile(limit: number): (run: () => Promise<void>) => Promise<void> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (run) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      await run();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

async function expectReadableFailure(h: Harness, c: Case, signature: 'v1' | 'v3'): Promise<void> {
  const emulator = c.emulator === undefined ? undefined : await h.startEmulator({ accessKeys: ACCESS_KEYS, ...c.emulator });
  const endpoint = c.endpoint ?? emulator?.url ?? '';
  const env = {
    FLEETCAST_ENDPOINT: endpoint,
    FLEETCAST_SIGNATURE: signature,
    FLEETCAST_DEBUG: '1',
    ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY_ID,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
    ...c.env,
  };
  const sentence = exactly(c.code, c.message(new URL(endpoint).host));
  const name = `errors-${signature}`;
  const file = join(h.dir, `${name}.csv`);
  writeSimpleCampaign(file, ROWS);

  // Independent: the rows wait in the queue until the worker is ready.
  const starting = startWorkerProcess(h.env(env), ['--metrics-port', '0'], 60_000).then((started) => {
    h.workers.push(started);
    return started;
  });
  const [worker, submitted] = await Promise.all([starting, runCli(['submit', file, '--name', name, '--json'], h.env(env))]);
  expect(submitted.code, submitted.stderr).toBe(0);

  const record = await h.waitForCampaign(name, reached(c.outcome), 20_000);
  if (c.outcome === 'pause') expectShortSentence(record.pausedReason ?? '', sentence);
  await until(() => debugFailures(worker).length > 0, 20_000, 'the worker to log a failed call');

  const status = await runCli(['status', name, '--json'], h.env(env));
  expect(status.code, status.stderr).toBe(0);
  const view = (JSON.parse(status.stdout) as { campaigns: Array<{ pausedReason: string | null }> }).campaigns[0];
  if (c.outcome === 'pause') expectShortSentence(view?.pausedReason ?? '', sentence);
  else expect(view?.pausedReason).toBeNull();
  expectNone(NEVER_IN_MESSAGE, status.stdout);

  if (c.outcome === 'fail') {
    const report = join(h.dir, 'report.csv');
    const written = await runCli(['report', name, '--out', report], h.env(env));
    expect(written.code, written.stderr).toBe(0);
    const lines = parseCsv(readFileSync(report, 'utf8'));
    expect(lines).toHaveLength(ROWS);
    for (const line of lines) {
      expect(line).toMatchObject({ status: 'failed', Code: c.code });
      expect(line.RequestId).toMatch(/^[\w-]{8,}$/);
      expectShortSentence(`${line.Code ?? ''}: ${line.ErrorMessage ?? ''}`, sentence);
    }
    expectNone(NEVER, readFileSync(report, 'utf8'));
  }

  for (const failure of debugFailures(worker)) expectShortSentence(failure, sentence);
  await expectCleanMetrics(worker, c.code);
  expectNone(NEVER, worker.output());
  expectNone(NEVER, JSON.stringify(await dumpPrefix(h.redis, h.prefix)));
}

function reached(outcome: Outcome): (record: { state: string; done: number; rows: number }) => boolean {
  if (outcome === 'pause') return (record) => record.state === 'paused';
  if (outcome === 'fail') return (record) => record.done >= record.rows;
  return (record) => record.state === 'running';
}

const DEBUG_MARK = 'debug: Pub failed: ';

/** The refusals the worker printed with FLEETCAST_DEBUG, each `Code: sentence` on the line of its mark. */
function debugFailures(worker: WorkerProcess): string[] {
  return worker
    .output()
    .split('\n')
    .filter((line) => line.includes(DEBUG_MARK))
    .map((line) => line.slice(line.indexOf(DEBUG_MARK) + DEBUG_MARK.length));
}

/** `Code: sentence`, the sentence exactly as given, or matching the pattern given. */
function exactly(code: string, message: string | RegExp): RegExp {
  const text = typeof message === 'string' ? message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : message.source.replace(/^\^|\$$/g, '');
  return new RegExp(`^${code.replace(/\./g, '\\.')}: ${text}$`);
}

/** One line, one short sentence led by the Code, nothing of the signed request. */
function expectShortSentence(text: string, sentence: RegExp): void {
  expect(text).toMatch(sentence);
  expect(text.length).toBeLessThanOrEqual(200);
  expectNone(NEVER_IN_MESSAGE, text);
}

/** Every label value on the worker's /metrics, once the refusal's Code is among them. */
async function expectCleanMetrics(worker: WorkerProcess, code: string): Promise<void> {
  const port = /metrics on [\d.]+:(\d+)\/metrics/.exec(worker.output())?.[1];
  expect(port).toBeDefined();
  let text = '';
  await until(
    async () => {
      text = await (await fetch(`http://127.0.0.1:${port ?? ''}/metrics`)).text();
      return text.includes(`code="${code}"`);
    },
    10_000,
    `code="${code}" on /metrics`,
  );
  const values = [...text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((match) => ({ label: match[1], value: match[2] ?? '' }));
  expect(values.length).toBeGreaterThan(0);
  for (const { value } of values) expectNone(NEVER_IN_MESSAGE.filter((item) => item !== PRODUCT_KEY), value);
  for (const { value } of values.filter((entry) => entry.label === 'code')) expect([code, 'OK']).toContain(value);
}

function expectNone(never: readonly (string | RegExp)[], text: string): void {
  for (const item of never) {
    if (typeof item === 'string') expect(text, `"${item}" in: ${text.slice(0, 400)}`).not.toContain(item);
    else expect(text, `${String(item)} in: ${text.slice(0, 400)}`).not.toMatch(item);
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function dumpPrefix(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys = await redis.keys(`${prefix}*`);
  const dump: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'hash') dump[key] = await redis.hgetall(key);
    else if (type === 'string') dump[key] = await redis.get(key);
    else if (type === 'list') dump[key] = await redis.lrange(key, 0, -1);
    else if (type === 'set') dump[key] = await redis.smembers(key);
    else if (type === 'stream') dump[key] = await redis.xrange(key, '-', '+');
  }
  return dump;
}
