import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { b64, randomProductKey, rawV1 } from './helpers.js';

describe('emulator faults that answer as a proxy in front of the API might', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  function pub(port: number): ReturnType<typeof rawV1> {
    const pk = randomProductKey();
    return rawV1({ port, params: { Action: 'Pub', ProductKey: pk, TopicFullName: `/${pk}/d1/user/x`, MessageContent: b64('h') } });
  }

  it('faultEmpty answers the fault status without a body, and delivers nothing', async () => {
    emulator = await startEmulator({ mqtt: false, faultEmpty: 1, faultStatus: 403 });
    const answer = await pub(emulator.port);
    expect(answer).toMatchObject({ status: 403, text: '' });
    expect(emulator.stats.summary()).toMatchObject({ delivered: 0, byCode: { EmptyAnswer: 1 } });
  });

  it('faultNotJson answers an HTML page, with HTTP 502 unless told otherwise', async () => {
    emulator = await startEmulator({ mqtt: false, faultNotJson: 1 });
    const answer = await pub(emulator.port);
    expect(answer.status).toBe(502);
    expect(answer.contentType).toMatch(/^text\/html/);
    expect(() => JSON.parse(answer.text) as unknown).toThrow();
    expect(emulator.stats.summary()).toMatchObject({ delivered: 0, byCode: { NotJsonAnswer: 1 } });
  });

  it('faultStatus must be an HTTP error status', async () => {
    await expect(startEmulator({ mqtt: false, faultEmpty: 1, faultStatus: 200 })).rejects.toThrow(/faultStatus must be an HTTP error status/);
  });
});
