import { describe, expect, it } from 'vitest';
import { EMPTY_BODY_SHA256, sha256Hex, signV1, signV3, stringToSignV1 } from '../../src/emulator/index.js';

const ecsVector = new Map(
  Object.entries({
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Timestamp: '2016-02-23T12:46:24Z',
    Version: '2014-05-26',
  }),
);

describe('signature V1', () => {
  it('reproduces the official ECS vector (GET) and its string to sign', () => {
    expect(stringToSignV1('GET', ecsVector)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(signV1('GET', ecsVector, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('signs the real method: the same parameters with POST give the computed POST value', () => {
    expect(signV1('POST', ecsVector, 'testsecret')).toBe('MxbnVAM4w6sft9xjVpe/GCKueuk=');
  });

  it('ignores a Signature parameter already present', () => {
    const withSignature = new Map(ecsVector).set('Signature', 'anything');
    expect(signV1('GET', withSignature, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('reproduces the official IoT Pub vector', () => {
    const params = new Map(
      Object.entries({
        AccessKeyId: 'testid',
        Action: 'Pub',
        Format: 'XML',
        MessageContent: 'aGVsbG93b3JsZA=',
        ProductKey: '12345abcdeZ',
        Qos: '0',
        RegionId: 'cn-shanghai',
        ServiceCode: 'iot',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: '0715a395-aedf-4a41-bab7-746b43d38d88',
        SignatureVersion: '1.0',
        Timestamp: '2017-10-02T09:39:41Z',
        TopicFullName: '/productKey/testdevice/get',
        Version: '2017-04-20',
      }),
    );
    expect(stringToSignV1('GET', params)).toContain('MessageContent%3DaGVsbG93b3JsZA%253D');
    expect(stringToSignV1('GET', params)).toContain('TopicFullName%3D%252FproductKey%252Ftestdevice%252Fget');
    expect(signV1('GET', params, 'testsecret')).toBe('Y9eWn4nF8QPh3c4zAFkM/k/u7eA=');
  });

  it('reproduces the official SMS vector (non-ASCII and JSON values)', () => {
    const params = new Map(
      Object.entries({
        AccessKeyId: 'testId',
        Action: 'SendSms',
        Format: 'XML',
        OutId: '123',
        PhoneNumbers: '15300000001',
        RegionId: 'cn-hangzhou',
        SignName: '阿里云短信测试专用',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
        SignatureVersion: '1.0',
        TemplateCode: 'SMS_71390007',
        TemplateParam: '{"customer":"test"}',
        Timestamp: '2017-07-12T02:42:19Z',
        Version: '2017-05-25',
      }),
    );
    expect(signV1('GET', params, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('reproduces the project Pub vector (POST, user properties, space in a value)', () => {
    const params = new Map(
      Object.entries({
        AccessKeyId: 'testid',
        Action: 'Pub',
        Format: 'json',
        Version: '2018-01-20',
        Timestamp: '2024-01-01T00:00:00Z',
        SignatureNonce: '0123456789abcdef0123456789abcdef',
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
        ProductKey: 'a1Q5XoY0001',
        Qos: '1',
        TopicFullName: '/a1Q5XoY0001/device1/user/get',
        'UserProp.1.Key': 'k1',
        'UserProp.1.Value': 'v 1',
        MessageContent: 'aGVsbG8gd29ybGQ=',
      }),
    );
    expect(signV1('POST', params, 'testsecret')).toBe('uR6hvhLOb24WTyJHkKrU5wFw8yg=');
  });
});

describe('signature V3', () => {
  it('reproduces the official ACS3-HMAC-SHA256 vector', () => {
    const signature = signV3(
      {
        method: 'POST',
        path: '/',
        query: new Map([
          ['ImageId', 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd'],
          ['RegionId', 'cn-shanghai'],
        ]),
        headers: new Map([
          ['host', 'ecs.cn-shanghai.aliyuncs.com'],
          ['x-acs-action', 'RunInstances'],
          ['x-acs-content-sha256', EMPTY_BODY_SHA256],
          ['x-acs-date', '2023-10-26T10:22:32Z'],
          ['x-acs-signature-nonce', '3156853299f313e23d1673dc12e1703d'],
          ['x-acs-version', '2014-05-26'],
        ]),
        signedHeaders: ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'],
        hashedPayload: EMPTY_BODY_SHA256,
      },
      'YourAccessKeySecret',
    );
    expect(signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
  });

  it('reproduces the project Pub vector (form body, signed content-type)', () => {
    const body = 'MessageContent=aGVsbG8gd29ybGQ%3D';
    const hashedPayload = sha256Hex(body);
    expect(hashedPayload).toBe('6f8fa19ad9d28b5de468addb599cdd298a11d7c16a086fc752636406773ccd2b');
    const headers = new Map([
      ['content-type', 'application/x-www-form-urlencoded'],
      ['host', 'iot.cn-shanghai.aliyuncs.com'],
      ['x-acs-action', 'Pub'],
      ['x-acs-content-sha256', hashedPayload],
      ['x-acs-date', '2024-01-01T00:00:00Z'],
      ['x-acs-signature-nonce', '0123456789abcdef0123456789abcdef'],
      ['x-acs-version', '2018-01-20'],
    ]);
    const signature = signV3(
      {
        method: 'POST',
        path: '/',
        query: new Map([
          ['ProductKey', 'a1Q5XoY0001'],
          ['Qos', '1'],
          ['TopicFullName', '/a1Q5XoY0001/device1/user/get'],
          ['UserProp.1.Key', 'k1'],
          ['UserProp.1.Value', 'v 1'],
        ]),
        headers,
        signedHeaders: [...headers.keys()],
        hashedPayload,
      },
      'testsecret',
    );
    expect(signature).toBe('e2d7355fe3d17896f59304bf5eff3553ca627016c23fd717a5f4b661d2d54226');
  });
});
