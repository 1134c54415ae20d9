import { describe, expect, it } from 'vitest';
import { formatFromContent } from '../../src/campaign/format.js';
import { base64Problem, decodedLength } from '../../src/campaign/payload.js';
import { parseTemplate } from '../../src/campaign/template.js';
import { checkFullTopic, shortNameProblem } from '../../src/campaign/topic.js';
import { Utf8Checker } from '../../src/campaign/utf8.js';

describe('base64', () => {
  it.each(['', 'QQ==', 'QUI=', 'QUJD', 'aGVsbG8gd29ybGQ='])('accepts %j', (text) => expect(base64Problem(text)).toBeUndefined());
  it.each(['QQ', 'QR==', 'QUJ=', 'QU=I', 'QU I', 'QUJD\n', 'QU-_', '====', 'Q==='])('rejects %j', (text) => expect(base64Problem(text)).toBeDefined());
  it('counts decoded bytes', () => expect([decodedLength('QQ=='), decodedLength('QUI='), decodedLength('QUJD')]).toEqual([1, 2, 3]));
});

describe('topics', () => {
  it('accepts device and broadcast topics of the product', () => {
    expect(checkFullTopic('/a1FleetDemo/dev-1:x@y/user/fw/notice', 'a1FleetDemo').problems).toEqual([]);
    const broadcast = checkFullTopic('/broadcast/a1FleetDemo/fw_all', 'a1FleetDemo');
    expect(broadcast.problems).toEqual([]);
    expect(broadcast.parsed?.deviceName).toBeUndefined();
  });
  it.each([
    ['/a1FleetDemo/dev-00001/user/+', 'INVALID_TOPIC'],
    ['/a1FleetDemo/dev-00001/user//x', 'INVALID_TOPIC'],
    ['/sys/a1FleetDemo/dev-00001/thing/event', 'INVALID_TOPIC'],
    ['a1FleetDemo/dev-00001/user/x', 'INVALID_TOPIC'],
    ['/a1FleetDemo/dev-00001', 'INVALID_TOPIC'],
    ['/a1FleetDemo/dev-00001/user/a/b/c/d/e', 'INVALID_TOPIC'],
    ['/a1Other/dev-00001/user/x', 'FOREIGN_TOPIC'],
    ['/broadcast/a1Other/x', 'FOREIGN_TOPIC'],
    [`/a1FleetDemo/dev-00001/user/${'a'.repeat(101)}`, 'TOPIC_TOO_LONG'],
    [`/a1FleetDemo/dev-00001/user/${'é'.repeat(51)}`, 'TOPIC_TOO_LONG'],
  ])('rejects %s', (topic, code) => expect(checkFullTopic(topic, 'a1FleetDemo').problems.map((p) => p.code)).toContain(code));
  it('checks short names level by level', () => {
    expect(shortNameProblem('fw/notice_1')).toBeUndefined();
    expect(shortNameProblem('fw-notice')?.detail).toContain('letters, digits and underscore');
    expect(shortNameProblem('/fw')?.detail).toContain("must not start with '/'");
    expect(shortNameProblem('fw/#')?.detail).toContain('wildcards');
  });
});

describe('templates', () => {
  it('splits literals and names', () => {
    expect(parseTemplate('a{{X}}b{{ Y.z }}{{bad name}}')).toEqual({ literals: ['a', 'b', '{{bad name}}'], names: ['X', 'Y.z'] });
  });
});

describe('format detection', () => {
  it.each([
    ['[{"a":1}]', 'json'],
    ['{"messages": []}', 'json'],
    ['{\n "name": "x"', 'json'],
    ['{"DeviceName":"d"}\n{"DeviceName":"e"}', 'ndjson'],
    ['\uFEFFProductKey,DeviceName', 'csv'],
  ])('%j is %s', (head, format) => expect(formatFromContent(head)).toBe(format));
});

describe('UTF-8 checker', () => {
  it('holds back a character cut between chunks and finds bad bytes by offset', () => {
    const checker = new Utf8Checker();
    const euro = Buffer.from('€');
    expect(checker.push(Buffer.concat([Buffer.from('ab'), euro.subarray(0, 1)]))).toEqual(Buffer.from('ab'));
    expect(checker.push(euro.subarray(1))).toEqual(euro);
    expect(checker.end()).toBeUndefined();
    expect(checker.push(Buffer.from([0x61, 0xc0, 0x80]))).toEqual({ invalidAt: 6 });
  });
});
