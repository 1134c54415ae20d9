import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { Harness } from '../helpers/harness.js';
import { closeAll, subscribe, until, type Subscriber } from '../helpers/subscribers.js';
import { parseCsv } from '../pipeline/fixtures.js';

const PK = 'a1Resend01';
const NO_AUTOPAUSE = { FLEETCAST_ABORT_MIN_ROWS: '0' };
/** Texts whose first character a spreadsheet would act on, or that the report's marking must give back unchanged. */
const TEXTS = ['=1+1', '-rf /', '+49 30 1234', '@SUM(A1)', "'quoted", "'=marked already", '\tindented', 'two\r\nlines, "quoted"', '-12', 'ünïcødé ✓'];
/** A binary payload whose base64 starts with "+", sent on row 5. */
const BINARY = Buffer.from([0xf8, 0x00, 0xff, 0x3d, 0x0a]);

interface Row {
  readonly device: string;
  readonly payload: Buffer;
  readonly json: Record<string, unknown>;
}

function device(index: number): string {
  return `dev-${String(index + 1).padStart(4, '0')}`;
}

function rowOf(index: number): Row {
  const text = TEXTS[index] ?? '';
  const binary = index === 4;
  const json: Record<string, unknown> = {
    ProductKey: PK,
    DeviceName: device(index),
    TopicShortName: 'notice',
    Qos: index % 2,
    ...(binary ? { MessageContentBase64: BINARY.toString('base64') } : { MessageContent: text }),
    CorrelationData: `-corr ${text}`,
    ResponseTopic: `/${PK}/${device(index)}/user/reply`,
    UserProp: { note: text, campaign: '=fw' },
  };
  return { device: device(index), payload: binary ? BINARY : Buffer.from(text, 'utf8'), json };
}

const ROWS = TEXTS.map((_, index) => rowOf(index));
/** Rows 1, 3, 5, … (indexes 0, 2, 4, …) have no device at the first emulator. */
const FAILING = ROWS.filter((_, index) => index % 2 === 0);

function topic(row: Row): string {
  return `/${PK}/${row.device}/user/notice`;
}

describe('fleetcast report --failed-only, submitted again', () => {
  let harness: Harness;
  let subscribers: Subscriber[] = [];

  afterEach(async () => {
    await closeAll(subscribers);
    subscribers = [];
    await harness.close();
  });

  /** Runs the campaign against an emulator that knows only the devices of the even rows. */
  async function firstRun(): Promise<string> {
    harness = new Harness();
    const known = ROWS.filter((row) => !FAILING.includes(row)).map((row) => ({ ProductKey: PK, DeviceName: row.device }));
    const emulator = await harness.startEmulator({ devices: known });
    const file = join(harness.dir, 'notice.ndjson');
    writeFileSync(file, `${ROWS.map((row) => JSON.stringify(row.json)).join('\n')}\n`);
    const [worker] = await harness.startWorkers(1, NO_AUTOPAUSE);
    expect((await runCli(['submit', file, '--name', 'notice', '--wait'], harness.env(NO_AUTOPAUSE))).code).toBe(1);
    await worker?.stop();
    await emulator.close();
    return file;
  }

  it('carries each failed row as sent, spreadsheet-safe, and sending the report delivers exactly those rows byte for byte', async () => {
    await firstRun();
    const out = join(harness.dir, 'resend.csv');

    const report = await runCli(['report', 'notice', '--failed-only', '--out', out, '--json'], harness.env());

    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ rows: FAILING.length, failed: FAILING.length, sent: 0, messageColumns: true });
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[0]).toBe(
      'row,topic,status,MessageId,RequestId,Code,ErrorMessage,attempts,time,api,' +
        'ProductKey,TopicFullName,Qos,MessageContentBase64,IotInstanceId,ResponseTopic,CorrelationData,UserProp.note,UserProp.campaign',
    );
    const lines = parseCsv(text);
    expect(lines.map((line) => line.row)).toEqual(['1', '3', '5', '7', '9']);
    for (const line of lines) {
      expect(line).toMatchObject({ status: 'failed', Code: 'iot.device.NotExistedDevice' });
      for (const cell of Object.values(line)) expect(/^[=+\-@\t\r]/.test(cell) && !/^-\d+$/.test(cell)).toBe(false);
    }

    const validated = await runCli(['validate', out, '--json'], harness.env());
    expect(validated.code).toBe(0);
    expect(JSON.parse(validated.stdout)).toEqual({ rows: FAILING.length, valid: FAILING.length, invalid: 0, errors: [] });

    const second = await harness.startEmulator({ mqtt: undefined, mqttPort: 0 });
    subscribers = await Promise.all(ROWS.map((row) => subscribe(second.mqttUrl ?? '', `${harness.prefix}-${row.device}`, topic(row))));
    await harness.startWorkers(1, NO_AUTOPAUSE);
    const resent = await runCli(['submit', out, '--name', 'resend', '--wait'], harness.env(NO_AUTOPAUSE));
    expect(resent.stderr).not.toContain('fleetcast:');
    expect(resent.code).toBe(0);

    expect(second.stats.calls().map((call) => call.topic).sort()).toEqual(FAILING.map(topic).sort());
    await until(() => subscribers.reduce((sum, s) => sum + s.messages.length, 0) >= FAILING.length, 10_000, 'deliveries');
    await new Promise((resolve) => setTimeout(resolve, 300));
    ROWS.forEach((row, index) => {
      const received = subscribers[index]?.messages ?? [];
      if (!FAILING.includes(row)) return expect(received).toHaveLength(0);
      expect(received).toHaveLength(1);
      const [message] = received;
      expect(message?.payload.equals(row.payload)).toBe(true);
      expect(message?.packet.qos).toBe(index % 2);
      expect(message?.packet.properties?.userProperties).toEqual({ note: TEXTS[index], campaign: '=fw' });
      expect(message?.packet.properties?.responseTopic).toBe(`/${PK}/${row.device}/user/reply`);
      expect((message?.packet.properties?.correlationData as Buffer).toString('utf8')).toBe(`-corr ${TEXTS[index] ?? ''}`);
    });
  });

  it('refuses a failed-only report once the campaign file has changed, and writes nothing', async () => {
    const file = await firstRun();
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n`);
    const out = join(harness.dir, 'refused.csv');

    const refused = await runCli(['report', 'notice', '--failed-only', '--out', out], harness.env());

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('has changed since it was submitted');
    expect(() => readFileSync(out)).toThrow();
  });

  it('writes a full report without the message columns, and says why, when the file is gone', async () => {
    const file = await firstRun();
    rmSync(file);
    const out = join(harness.dir, 'full.csv');

    const full = await runCli(['report', 'notice', '--out', out], harness.env());

    expect(full.code).toBe(0);
    expect(full.stderr).toContain('is gone');
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[0]).toBe('row,topic,status,MessageId,RequestId,Code,ErrorMessage,attempts,time,api');
    expect(parseCsv(text).map((line) => line.status)).toEqual(ROWS.map((row) => (FAILING.includes(row) ? 'failed' : 'sent')));
  });
});
