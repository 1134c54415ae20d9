import { writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { csvLine } from '../../src/csv/csv-line.js';
import type { Subscriber } from '../helpers/subscribers.js';

export const PRODUCT_KEY = 'a1PipeTest1';

/** What a device must receive for one row of the awkward campaign. */
export interface ExpectedMessage {
  readonly deviceName: string;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1;
  readonly responseTopic: string;
  readonly correlationData: Buffer;
  readonly userProperties: Readonly<Record<string, string>>;
}

const AWKWARD = [
  'plain notice for {{DeviceName}}',
  'commas, "quotes", and more, "everywhere"',
  'line one\nline two\r\nline three',
  '固件更新 2.4.1 — Überarbeitung für {{DeviceName}} 🚀',
  '{"type":"firmware","device":"{{DeviceName}}","note":"a, b; \\"c\\""}',
];

/** A CSV campaign with one row per device and rows that stress quoting, newlines and non-ASCII text. */
export function writeAwkwardCampaign(path: string, devices: number): ExpectedMessage[] {
  const expected: ExpectedMessage[] = [];
  let text = csvLine(['ProductKey', 'DeviceName', 'TopicShortName', 'Qos', 'MessageContent', 'ResponseTopic', 'CorrelationData', 'UserProp.fw', 'UserProp.batch']);
  for (let index = 0; index < devices; index++) {
    const deviceName = `dev-${String(index + 1).padStart(5, '0')}`;
    const template = AWKWARD[index % AWKWARD.length] ?? '';
    const qos = (index % 2) as 0 | 1;
    const correlation = `req-${index + 1}-ü`;
    const responseTopic = `/${PRODUCT_KEY}/${deviceName}/user/reply`;
    text += csvLine([PRODUCT_KEY, deviceName, 'fw/notice', qos, template, responseTopic, correlation, '2.4.1', `b${index % 7}`]);
    expected.push({
      deviceName,
      topic: `/${PRODUCT_KEY}/${deviceName}/user/fw/notice`,
      payload: Buffer.from(template.replaceAll('{{DeviceName}}', deviceName), 'utf8'),
      qos,
      responseTopic,
      correlationData: Buffer.from(correlation, 'utf8'),
      userProperties: { fw: '2.4.1', batch: `b${index % 7}` },
    });
  }
  writeFileSync(path, text);
  return expected;
}

/** Parses the report CSV written by fleetcast (RFC 4180) into records keyed by header. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  const [header, ...data] = rows;
  return data.map((cells) => Object.fromEntries((header ?? []).map((name, index) => [name, cells[index] ?? ''])));
}

/** Each subscriber (in the order of `expected`) got exactly its one message: topic, payload bytes, QoS and MQTT 5 properties. */
export function expectEachDeviceGotItsMessage(subscribers: readonly Subscriber[], expected: readonly ExpectedMessage[]): void {
  subscribers.forEach((subscriber, index) => {
    const want = expected[index];
    expect(subscriber.messages).toHaveLength(1);
    const got = subscriber.messages[0];
    expect(got?.topic).toBe(want?.topic);
    expect(got?.payload.equals(want?.payload ?? Buffer.alloc(0))).toBe(true);
    expect(got?.packet.qos).toBe(want?.qos);
    expect(got?.packet.properties?.responseTopic).toBe(want?.responseTopic);
    expect(Buffer.from(got?.packet.properties?.correlationData ?? []).equals(want?.correlationData ?? Buffer.alloc(0))).toBe(true);
    expect(got?.packet.properties?.userProperties).toEqual(want?.userProperties);
  });
}

const TWO_POW_53 = 2n ** 53n;

/** Report lines, in row order, of rows each sent once: the topic expected, and the MessageId the endpoint issued for it. */
export function expectSentReportLines(lines: readonly Record<string, string | undefined>[], expected: readonly ExpectedMessage[], messageIdByTopic: ReadonlyMap<string | undefined, string | undefined>): void {
  lines.forEach((line, index) => {
    expect(line.row).toBe(String(index + 1));
    expect(line.status).toBe('sent');
    expect(line.topic).toBe(expected[index]?.topic);
    expect(line.MessageId).toMatch(/^\d{16,20}$/);
    expect(BigInt(line.MessageId ?? '0')).toBeGreaterThan(TWO_POW_53);
    expect(line.MessageId).toBe(messageIdByTopic.get(line.topic));
    expect(line.attempts).toBe('1');
  });
}
