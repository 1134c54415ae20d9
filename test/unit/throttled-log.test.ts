import { describe, expect, it } from 'vitest';
import { errorText, ThrottledLog } from '../../src/log/throttled-log.js';
import { ManualClock } from '../helpers/manual-clock.js';

function logAt(clock: ManualClock): { log: ThrottledLog; lines: string[] } {
  const lines: string[] = [];
  return { log: new ThrottledLog((line) => lines.push(line), clock), lines };
}

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });

describe('ThrottledLog', () => {
  it('writes the first error of a kind at once, with its context', () => {
    const { log, lines } = logAt(new ManualClock());
    log.report('redis connection', 'campaign watch subscriber', refused());
    expect(lines).toEqual(['redis connection (campaign watch subscriber): connect ECONNREFUSED 127.0.0.1:6390']);
  });

  it('writes each kind at most once a minute, then says how many it left out', async () => {
    const clock = new ManualClock();
    const { log, lines } = logAt(clock);
    log.report('redis connection', 'worker', refused());
    for (let second = 1; second < 60; second++) {
      await clock.advance(1_000);
      log.report('redis connection', 'account limiter', refused());
    }
    expect(lines).toHaveLength(1);
    await clock.advance(999);
    log.report('redis connection', 'worker', refused());
    expect(lines).toHaveLength(1);
    await clock.advance(1);
    log.report('redis connection', 'worker', refused());
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('redis connection (worker): connect ECONNREFUSED 127.0.0.1:6390 (and 60 more since the last line of this kind)');
    await clock.advance(60_000);
    log.report('redis connection', 'worker', refused());
    expect(lines[2]).toBe('redis connection (worker): connect ECONNREFUSED 127.0.0.1:6390');
  });

  it('keeps a separate minute for each kind', () => {
    const { log, lines } = logAt(new ManualClock());
    log.report('redis connection', 'worker', refused());
    log.report('campaign poll', 'campaign watch', new Error('Connection is closed.'));
    log.report('redis connection', 'worker', refused());
    log.report('campaign poll', 'campaign watch', new Error('Connection is closed.'));
    expect(lines).toEqual(['redis connection (worker): connect ECONNREFUSED 127.0.0.1:6390', 'campaign poll (campaign watch): Connection is closed.']);
  });
});

describe('errorText', () => {
  it('spells out a refused connection to a name with several addresses', () => {
    const error = new AggregateError([new Error('connect ECONNREFUSED ::1:6379'), new Error('connect ECONNREFUSED 127.0.0.1:6379')]);
    expect(errorText(error)).toBe('connect ECONNREFUSED ::1:6379; connect ECONNREFUSED 127.0.0.1:6379');
  });

  it('keeps a message on one line and never shows a password of a URL it quotes', () => {
    expect(errorText(new Error('cannot reach\nredis://fleet:s3cret@redis.internal:6379/0'))).toBe('cannot reach redis://***@redis.internal:6379/0');
  });

  it('falls back to the error code or name when there is no message', () => {
    expect(errorText(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
    expect(errorText('plain text')).toBe('plain text');
  });
});
