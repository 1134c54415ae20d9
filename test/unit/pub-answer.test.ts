import { describe, expect, it } from 'vitest';
import { parseAnswer, pubQuery, refusalOf } from '../../src/pub/pub-client.js';

describe('reading Pub answers', () => {
  it('keeps every digit of a MessageId above 2^53, which JSON.parse would round', () => {
    const body = '{"RequestId":"BB71E443-4447-4024-A000-EDE09922891E","Success":true,"MessageId":889455942124347329}';
    expect(String((JSON.parse(body) as { MessageId: number }).MessageId)).not.toBe('889455942124347329');
    expect(parseAnswer(body, 200)).toEqual({ ok: true, messageId: '889455942124347329', requestId: 'BB71E443-4447-4024-A000-EDE09922891E' });
  });

  it('reads a quoted MessageId too', () => {
    expect(parseAnswer('{"Success":true,"MessageId":"1234291569964771840","RequestId":"r"}', 200)).toMatchObject({ ok: true, messageId: '1234291569964771840' });
  });

  it('turns a business error into a refusal with its Code and ErrorMessage', () => {
    const body = '{"RequestId":"r1","Success":false,"Code":"iot.system.SystemException","ErrorMessage":"system busy"}';
    expect(parseAnswer(body, 200)).toEqual({ ok: false, code: 'iot.system.SystemException', message: 'system busy', requestId: 'r1', httpStatus: 200 });
  });

  it('turns SDK gateway errors, timeouts and socket errors into refusals', () => {
    const gateway = Object.assign(new Error('code: 400, denied'), { code: 'Throttling.User', statusCode: 400, data: { RequestId: 'r2', Message: 'Request was denied due to user flow control.', statusCode: 400 } });
    expect(refusalOf(gateway)).toEqual({ ok: false, code: 'Throttling.User', message: 'Request was denied due to user flow control.', requestId: 'r2', httpStatus: 400 });
    expect(refusalOf(Object.assign(new Error('ReadTimeout: 10000'), { name: 'RequestTimeoutError' }))).toMatchObject({ code: 'RequestTimeout', httpStatus: undefined });
    expect(refusalOf(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({ code: 'ECONNRESET' });
  });

  it('flattens user properties the way the SDK does', () => {
    const query = pubQuery({
      row: 1,
      line: 2,
      productKey: 'a1Q5XoY0001',
      topicFullName: '/a1Q5XoY0001/device1/user/get',
      messageContent: 'aGVsbG8gd29ybGQ=',
      qos: 1,
      userProps: [['k1', 'v 1'], ['k2', 'v2']],
    });
    expect(query).toEqual({
      ProductKey: 'a1Q5XoY0001',
      TopicFullName: '/a1Q5XoY0001/device1/user/get',
      Qos: '1',
      'UserProp.1.Key': 'k1',
      'UserProp.1.Value': 'v 1',
      'UserProp.2.Key': 'k2',
      'UserProp.2.Value': 'v2',
    });
  });
});
