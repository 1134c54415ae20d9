import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/index.js';
import { Packer } from '../../src/queue/packing.js';
import type { PubMessage } from '../../src/types/pub-message.js';
import { runCli } from '../helpers/cli.js';
import { Harness, finished } from '../helpers/harness.js';
import { parseCsv } from '../pipeline/fixtures.js';
import { closeAll, subscribe, until, type Subscriber } from '../helpers/subscribers.js';

// Unique per run: the broker is the machine's Mosquitto.
const PK = `a1Pk${process.pid}`;
const OTHER_PK = `a1Po${process.pid}`;
const NOTICE = 'firmware 2.4 is ready';
/** The submit's setting that sends every packable row in a pack, for tests that count packs exactly. */
const EVERY_PACKABLE_ROW_PACKED = { FLEETCAST_PACK_PUB_SHARE: '0' };

interface Row {
  readonly ProductKey: string;
  readonly DeviceName?: string;
  readonly TopicShortName?: string;
  readonly TopicFullName?: string;
  readonly MessageContent: string;
  readonly ResponseTopic?: string;
}

function device(index: number): string {
  return `dev-${String(index).padStart(5, '0')}`;
}

function topicOf(row: Row): string {
  return row.TopicFullName ?? `/${row.ProductKey}/${row.DeviceName ?? ''}/user/${row.TopicShortName ?? ''}`;
}

function writeRows(path: string, rows: readonly Row[]): void {
  writeFileSync(path, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
}

/** Real MQTT devices: clients that each subscribe to the exact topics of up to 250 rows and keep what arrives. */
async function subscribeAll(mqttUrl: string, prefix: string, topics: readonly string[]): Promise<{ subscribers: Subscriber[]; byTopic(): Map<string, string[]> }> {
  const subscribers: Subscriber[] = [];
  for (let start = 0; start < topics.length; start += 250) {
    const subscriber = await subscribe(mqttUrl, `${prefix}-${start}`, topics[start] ?? '');
    await subscriber.client.subscribeAsync(topics.slice(start + 1, start + 250), { qos: 1 });
    subscribers.push(subscriber);
  }
  const byTopic = (): Map<string, string[]> => {
    const seen = new Map<string, string[]>();
    for (const subscriber of subscribers) {
      for (const message of subscriber.messages) seen.set(message.topic, [...(seen.get(message.topic) ?? []), message.payload.toString('utf8')]);
    }
    return seen;
  };
  return { subscribers, byTopic };
}

function received(byTopic: Map<string, string[]>): number {
  return [...byTopic.values()].reduce((sum, payloads) => sum + payloads.length, 0);
}

function callsOf(emulator: RunningEmulator, action: string): Array<{ code: string; topic?: string }> {
  return emulator.stats.calls().filter((call) => call.action === action);
}

/** How the Packer groups these rows: the BatchPub calls and Pub rows a campaign of them must make. */
function expectedCalls(rows: readonly Row[]): { packs: number; singles: number } {
  const packer = new Packer();
  let packs = 0;
  let singles = 0;
  rows.forEach((row, index) => {
    const output = packer.add(messageOf(row, index + 1));
    packs += output.packs.length;
    singles += output.singles.length;
  });
  const rest = packer.flush();
  return { packs: packs + rest.packs.length, singles: singles + rest.singles.length };
}

function messageOf(row: Row, number: number): PubMessage {
  return {
    row: number,
    line: number,
    productKey: row.ProductKey,
    topicFullName: topicOf(row),
    messageContent: Buffer.from(row.MessageContent).toString('base64'),
    qos: 0,
    ...(row.ResponseTopic === undefined ? {} : { responseTopic: row.ResponseTopic }),
  };
}

describe('--pack: rows with one payload for many devices go out in BatchPub calls', () => {
  let h: Harness;
  let subscribers: Subscriber[] = [];
  afterEach(async () => {
    await closeAll(subscribers);
    subscribers = [];
    await h.close();
  });

  /** An emulator with the cloud's quotas, a subscribed device per row, the campaign file, and the workers. */
  async function setUp(rows: readonly Row[], name: string, options: { workers?: number; workerEnv?: Record<string, string>; devices?: EmulatorOptions['devices'] } = {}) {
    h = new Harness();
    const emulator = await h.startEmulator({ qps: 1600, batchPubQps: 50, mqtt: 'mqtt://127.0.0.1:1883', ...(options.devices === undefined ? {} : { devices: options.devices }) });
    const file = join(h.dir, `${name}.ndjson`);
    writeRows(file, rows);
    const devices = await subscribeAll(emulator.mqttUrl ?? '', h.prefix, rows.map(topicOf));
    subscribers = devices.subscribers;
    await h.startWorkers(options.workers ?? 1, options.workerEnv ?? {});
    return { emulator, file, devices };
  }

  it('a 5,000-row notice reaches each device once in 1,250 calls, a quarter of its rows by Pub beside the packs; the report says which API per row', async () => {
    const rows: Row[] = Array.from({ length: 5_000 }, (_, index) => ({ ProductKey: PK, DeviceName: device(index), TopicShortName: 'notice', MessageContent: NOTICE }));
    const { emulator, file, devices } = await setUp(rows, 'notice');
    const report = join(h.dir, 'notice.report.csv');

    // FLEETCAST_PACK_PUB_SHARE=auto: 1,600 ÷ (1,600 + 100 × 50) of the rows go by Pub, so both quotas work at once.
    const result = await runCli(['submit', file, '--name', 'notice', '--pack', '--wait', '--report', report, '--json'], h.env());

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await until(() => received(devices.byTopic()) >= rows.length, 15_000, 'a message at every device');
    const byTopic = devices.byTopic();
    expect(byTopic.size).toBe(rows.length);
    for (const row of rows) expect(byTopic.get(topicOf(row))).toEqual([NOTICE]);
    const byPub = Math.floor((5_000 * 1_600) / 6_600);
    expect(callsOf(emulator, 'Pub').map((call) => call.code)).toEqual(Array(byPub).fill('OK'));
    expect(callsOf(emulator, 'BatchPub').map((call) => call.code)).toEqual(Array(Math.ceil((5_000 - byPub) / 100)).fill('OK'));
    const lines = parseCsv(readFileSync(report, 'utf8'));
    expect(lines).toHaveLength(rows.length);
    expect(lines.every((line) => line.status === 'sent' && line.attempts === '1')).toBe(true);
    const packed = lines.filter((line) => line.api === 'BatchPub');
    expect(packed.every((line) => line.MessageId === '')).toBe(true);
    const pubLines = lines.filter((line) => line.api === 'Pub');
    expect(pubLines.map((line) => line.MessageId)).toEqual(pubLines.map(() => expect.stringMatching(/^\d+$/) as unknown));
    expect(pubLines).toHaveLength(byPub);
    // One RequestId per BatchPub call, shared by the rows it carried: full packs of 100, the last one the rest.
    const rowsByRequest = new Map<string, number>();
    for (const line of packed) rowsByRequest.set(line.RequestId ?? '', (rowsByRequest.get(line.RequestId ?? '') ?? 0) + 1);
    expect([...rowsByRequest.values()].sort((a, b) => b - a)).toEqual([...Array<number>(Math.floor(packed.length / 100)).fill(100), packed.length % 100]);
    const record = await h.campaign('notice');
    expect([record.sent, record.sentBatchPub, record.failed]).toEqual([5_000, 5_000 - byPub, 0]);
    const status = await runCli(['status', 'notice'], h.env());
    expect(status.stdout).toContain(`sent       5000 (${5_000 - byPub} by BatchPub, ${byPub} by Pub)`);
  }, 120_000);

  it('--canary sends its rows by Pub and holds; after resume the rest go in packs, no faster than --rate in deliveries', async () => {
    const rows: Row[] = Array.from({ length: 2_100 }, (_, index) => ({ ProductKey: PK, DeviceName: device(index), TopicShortName: 'canary', MessageContent: NOTICE }));
    const { emulator, file, devices } = await setUp(rows, 'canary');

    const submitted = await runCli(['submit', file, '--name', 'canary', '--pack', '--canary', '100', '--rate', '1000', '--json'], h.env(EVERY_PACKABLE_ROW_PACKED));
    expect(submitted.code).toBe(0);
    const held = await h.waitForCampaign('canary', (record) => record.state === 'canary', 20_000);

    expect([held.sent, held.sentBatchPub]).toEqual([100, 0]);
    expect(callsOf(emulator, 'Pub').map((call) => call.topic)).toEqual(expect.arrayContaining(rows.slice(0, 100).map(topicOf)));
    expect(callsOf(emulator, 'BatchPub')).toEqual([]);
    expect((await runCli(['resume', 'canary'], h.env())).code).toBe(0);
    const record = await h.waitForCampaign('canary', finished, 30_000);

    expect([record.state, record.sent, record.sentBatchPub]).toEqual(['finished', 2_100, 2_000]);
    expect(callsOf(emulator, 'Pub')).toHaveLength(100);
    const packs = emulator.stats.calls().filter((call) => call.action === 'BatchPub');
    expect(packs.map((call) => call.code)).toEqual(Array(20).fill('OK'));
    // --rate 1000 counts deliveries: 20 packs of 100 take at least 1.9 s of the campaign's tokens.
    expect((packs.at(-1)?.t ?? 0) - (packs[0]?.t ?? 0)).toBeGreaterThanOrEqual(1_900 * 0.98);
    await until(() => received(devices.byTopic()) >= rows.length, 15_000, 'a message at every device');
    expect(received(devices.byTopic())).toBe(rows.length);
  });

  it('a mixed file sends every row once: packable rows packed, per-device payloads, MQTT 5 rows and a lone device by Pub', async () => {
    const rows: Row[] = [];
    for (let index = 0; index < 900; index++) {
      const kind = index % 9;
      if (kind < 4) rows.push({ ProductKey: PK, DeviceName: device(index), TopicShortName: 'notice', MessageContent: NOTICE });
      else if (kind === 4) rows.push({ ProductKey: PK, DeviceName: device(index), TopicShortName: 'notice', MessageContent: `for ${device(index)} only` });
      else if (kind === 5) rows.push({ ProductKey: OTHER_PK, TopicFullName: `/${OTHER_PK}/${device(index)}/user/notice`, MessageContent: NOTICE });
      else if (kind === 6) rows.push({ ProductKey: PK, DeviceName: device(index), TopicShortName: 'fw/ota', MessageContent: NOTICE });
      else if (kind === 7) rows.push({ ProductKey: PK, DeviceName: device(index), TopicShortName: 'notice', MessageContent: NOTICE, ResponseTopic: `/${PK}/${device(index)}/user/ack` });
      else rows.push({ ProductKey: PK, DeviceName: device(index), TopicShortName: 'notice', MessageContent: 'a payload of its own' });
    }
    rows.push({ ProductKey: PK, DeviceName: 'lone-device', TopicShortName: 'other', MessageContent: NOTICE });
    const expected = expectedCalls(rows);
    expect(expected.packs).toBeGreaterThan(4);
    const { emulator, file, devices } = await setUp(rows, 'mixed', { workers: 2 });
    const report = join(h.dir, 'mixed.report.csv');

    const result = await runCli(['submit', file, '--name', 'mixed', '--pack', '--wait', '--report', report, '--json'], h.env(EVERY_PACKABLE_ROW_PACKED));

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await until(() => received(devices.byTopic()) >= rows.length, 15_000, 'a message at every device');
    const byTopic = devices.byTopic();
    for (const row of rows) expect(byTopic.get(topicOf(row))).toEqual([row.MessageContent]);
    expect(received(byTopic)).toBe(rows.length);
    expect(callsOf(emulator, 'BatchPub').filter((call) => call.code === 'OK')).toHaveLength(expected.packs);
    expect(callsOf(emulator, 'Pub').filter((call) => call.code === 'OK')).toHaveLength(expected.singles);
    const lines = parseCsv(readFileSync(report, 'utf8'));
    const pubLines = lines.filter((line) => line.api === 'Pub');
    expect(pubLines).toHaveLength(expected.singles);
    expect(pubLines.every((line) => /^\d+$/.test(line.MessageId ?? ''))).toBe(true);
    // Rows with MQTT 5 properties or a payload of their own never ride in a pack.
    const payloadOf = (line: Record<string, string>): string => Buffer.from(line.MessageContentBase64 ?? '', 'base64').toString('utf8');
    const packedAlone = lines.filter((line) => line.api === 'BatchPub' && (line.ResponseTopic !== '' || payloadOf(line).startsWith('for ')));
    expect(packedAlone).toEqual([]);
    expect(lines.filter((line) => line.api === 'BatchPub' && payloadOf(line) === 'a payload of its own')).toHaveLength(100);
    const record = await h.campaign('mixed');
    expect([record.sent, record.sentBatchPub]).toEqual([rows.length, rows.length - expected.singles]);
  });

  it('a pack holding an unknown device is split: exactly that row fails, every other row is sent by Pub', async () => {
    const names = Array.from({ length: 60 }, (_, index) => device(index));
    const unknown = names[37] ?? '';
    const registered = names.filter((name) => name !== unknown).map((DeviceName) => ({ ProductKey: PK, DeviceName }));
    const rows: Row[] = names.map((name) => ({ ProductKey: PK, DeviceName: name, TopicShortName: 'notice', MessageContent: NOTICE }));
    const { emulator, file, devices } = await setUp(rows, 'unknown', { devices: registered });
    const report = join(h.dir, 'unknown.report.csv');

    const result = await runCli(['submit', file, '--name', 'unknown', '--pack', '--wait', '--report', report, '--json'], h.env(EVERY_PACKABLE_ROW_PACKED));

    expect(result.code).toBe(1);
    await until(() => received(devices.byTopic()) >= rows.length - 1, 15_000, 'a message at every known device');
    const lines = parseCsv(readFileSync(report, 'utf8'));
    const failed = lines.filter((line) => line.status !== 'sent');
    expect(failed.map((line) => [line.row, line.status, line.Code, line.api])).toEqual([['38', 'failed', 'iot.device.NotExistedDevice', 'Pub']]);
    expect(lines.filter((line) => line.status === 'sent' && line.api === 'Pub')).toHaveLength(59);
    expect(callsOf(emulator, 'BatchPub').map((call) => call.code)).toEqual(['iot.device.NotExistedDevice']);
    expect(callsOf(emulator, 'Pub')).toHaveLength(60);
    const byTopic = devices.byTopic();
    expect(received(byTopic)).toBe(59);
    expect(byTopic.has(`/${PK}/${unknown}/user/notice`)).toBe(false);
  });

  it('pause, resume and cancel mid-campaign leave no packed row unaccounted', async () => {
    const rows: Row[] = Array.from({ length: 3_000 }, (_, index) => ({ ProductKey: PK, DeviceName: device(index), TopicShortName: 'notice', MessageContent: NOTICE }));
    // Three BatchPub calls a second: the campaign takes ten seconds, long enough to hold and stop it halfway.
    const { emulator, file, devices } = await setUp(rows, 'held', { workerEnv: { FLEETCAST_BATCHPUB_RATE: '3' } });
    const submitted = await runCli(['submit', file, '--name', 'held', '--pack'], h.env(EVERY_PACKABLE_ROW_PACKED));
    expect(submitted.code).toBe(0);
    await h.waitForCampaign('held', (record) => record.sent >= 300, 20_000);

    expect((await runCli(['pause', 'held'], h.env())).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const callsWhilePaused = callsOf(emulator, 'BatchPub').length;
    const pausedRecord = await h.campaign('held');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(callsOf(emulator, 'BatchPub').length).toBe(callsWhilePaused);
    expect((await h.campaign('held')).sent).toBe(pausedRecord.sent);
    expect(pausedRecord.sent % 100).toBe(0);

    expect((await runCli(['resume', 'held'], h.env())).code).toBe(0);
    await h.waitForCampaign('held', (record) => record.sent >= pausedRecord.sent + 300, 20_000);
    expect((await runCli(['cancel', 'held'], h.env())).code).toBe(0);
    const record = await h.waitForCampaign('held', finished, 20_000);

    expect(record.state).toBe('cancelled');
    expect(record.sent + record.cancelled).toBe(rows.length);
    expect(record.sent).toBe(record.sentBatchPub);
    expect(record.failed).toBe(0);
    await until(() => received(devices.byTopic()) >= record.sent, 10_000, 'the sent rows at their devices');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Exactly the rows that ended sent reached their devices, once each; no cancelled row did.
    const byTopic = devices.byTopic();
    expect(received(byTopic)).toBe(record.sent);
    expect(callsOf(emulator, 'BatchPub').filter((call) => call.code === 'OK')).toHaveLength(record.sent / 100);
    const outcomes = await h.store.outcomes('held', 1, rows.length);
    expect(outcomes).toHaveLength(rows.length);
    const sentTopics = outcomes.filter((outcome) => outcome.status === 'sent').map((outcome) => outcome.topic).sort();
    expect(sentTopics).toEqual([...byTopic.keys()].sort());
  });
});
