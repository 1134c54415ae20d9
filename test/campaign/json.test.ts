import { describe, expect, it } from 'vitest';
import { CampaignFileError, readCampaignName, validateCampaign } from '../../src/campaign/index.js';
import { campaignFile, decode, errorLines, messages, readAll } from './helpers.js';

const DEFAULTS = '{"ProductKey": "a1FleetDemo", "TopicShortName": "firmware", "Qos": 1, "MessageContent": "v{{Version}} for {{DeviceName}}", "UserProp": {"campaign": "fw"}}';
const MESSAGES = `[
  {"DeviceName": "dev-00001", "Version": "2.4.1"},
  {
    "DeviceName": "dev-00002",
    "Version": "2.4.2", "UserProp": {"extra": "1"}
  }
]`;

describe('JSON campaigns', () => {
  it('reads name and defaults, and reports each message at the line of its {', async () => {
    const path = campaignFile('json', `{\n"name": "fw-2.4",\n"defaults": ${DEFAULTS},\n"messages": ${MESSAGES}\n}\n`);
    const result = messages(await readAll(path));
    expect(result.map((m) => [m.row, m.line, decode(m.messageContent), m.qos])).toEqual([
      [1, 5, 'v2.4.1 for dev-00001', 1],
      [2, 6, 'v2.4.2 for dev-00002', 1],
    ]);
    expect(result[1]?.userProps).toEqual([
      ['campaign', 'fw'],
      ['extra', '1'],
    ]);
    expect((await validateCampaign(path)).name).toBe('fw-2.4');
  });

  it('applies defaults that come after the messages', async () => {
    const path = campaignFile('json', `{"messages": ${MESSAGES},\n"defaults": ${DEFAULTS}, "name": "late"}`);
    const summary = await validateCampaign(path);
    expect(summary).toMatchObject({ name: 'late', rows: 2, valid: 2, errors: [] });
    expect(await readCampaignName(path)).toBe('late');
  });

  it('reads a bare array, with command-line defaults', async () => {
    const path = campaignFile('json', '[{"DeviceName": "dev-00001", "MessageContent": "hi", "Qos": "0"}]');
    const [message] = messages(await readAll(path, { defaults: { ProductKey: 'a1FleetDemo', TopicShortName: 'get' } }));
    expect(message).toMatchObject({ line: 1, topicFullName: '/a1FleetDemo/dev-00001/user/get', qos: 0 });
    expect(await readCampaignName(path)).toBeUndefined();
  });

  it('lets file defaults override command-line defaults, and rows override both', async () => {
    const path = campaignFile('json', '{"defaults": {"IotInstanceId": "iot-file"}, "messages": [{"ProductKey": "a1FleetDemo", "DeviceName": "dev-00001", "TopicShortName": "get", "MessageContent": "x"}, {"ProductKey": "a1FleetDemo", "DeviceName": "dev-00001", "TopicShortName": "get", "MessageContent": "x", "IotInstanceId": "iot-row"}]}');
    const result = messages(await readAll(path, { defaults: { IotInstanceId: 'iot-cli', Qos: '1' } }));
    expect(result.map((m) => [m.iotInstanceId, m.qos])).toEqual([
      ['iot-file', 1],
      ['iot-row', 1],
    ]);
  });

  it('reports a message that is not an object or not valid JSON as a row, and reads on', async () => {
    const path = campaignFile('json', '[\n  1,\n  {"a": tru},\n  {"ProductKey": "a1FleetDemo", "DeviceName": "dev-00001", "TopicShortName": "get", "MessageContent": "x", "Qos": true}\n]');
    expect(errorLines(await readAll(path))).toEqual(['2:MALFORMED_RECORD', '3:MALFORMED_RECORD', '4:INVALID_QOS']);
  });

  it('rejects a wrong field type and a UserProp that is not an object', async () => {
    const path = campaignFile('json', '[{"ProductKey": "a1FleetDemo", "DeviceName": 12345, "TopicShortName": "get", "MessageContent": "x", "UserProp": "k=v"}]');
    expect(errorLines(await readAll(path))).toEqual(['1:INVALID_TYPE', '1:MISSING_FIELD', '1:INVALID_TYPE']);
  });

  it('throws on structural problems, naming the line', async () => {
    const cases: Array<[string, string, number]> = [
      ['{"name": "x",\n"bogus": 1, "messages": []}', 'MALFORMED_FILE', 2],
      ['{"messages": [\n{"a": 1}\n', 'MALFORMED_FILE', 3],
      ['{"messages": []}', 'EMPTY_FILE', 1],
      ['', 'EMPTY_FILE', 1],
      ['[{"a": 1}] x', 'MALFORMED_FILE', 1],
    ];
    for (const [text, code, line] of cases) {
      const promise = readAll(campaignFile('json', text));
      await expect(promise).rejects.toBeInstanceOf(CampaignFileError);
      await promise.catch((error: CampaignFileError) => expect(error.rowErrors[0]).toMatchObject({ code, line, row: 0 }));
    }
  });

  it('flags a data key that no placeholder uses', async () => {
    const path = campaignFile('json', '[\n{"ProductKey": "a1FleetDemo", "DeviceName": "dev-00001", "TopicShortName": "get", "MessageContent": "x", "Verison": "1"}]');
    expect(errorLines(await readAll(path))).toEqual(['2:UNKNOWN_COLUMN']);
  });
});
