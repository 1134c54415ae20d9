import { describe, expect, it } from 'vitest';
import { GrantClock } from '../../src/limiter/grant-clock.js';
import { ManualClock, settle } from '../helpers/manual-clock.js';

/** `count` rows waiting for a token one after another; `times` fills with the clock's time at each hand-out. */
function waitForTokens(grants: GrantClock, clock: ManualClock, count: number): { times: number[] } {
  const times: number[] = [];
  for (let i = 0; i < count; i++) void grants.wait().then(() => times.push(clock.now()));
  return { times };
}

describe('GrantClock', () => {
  it('hands tokens out at their times, in order, and none early', async () => {
    const clock = new ManualClock();
    const grants = new GrantClock(1_000, () => undefined, undefined, clock);
    grants.addGrant(5, 20, 10);
    const { times } = waitForTokens(grants, clock, 5);
    await clock.advance(9.9);
    expect(times).toEqual([]);
    await clock.advance(30);
    expect(times).toEqual([10, 14, 18, 22, 26]);
  });

  it('tells of an idle gap once the last due token is handed out and no other is due for 10 ms', async () => {
    let gaps = 0;
    const clock = new ManualClock();
    const grants = new GrantClock(1_000, () => undefined, () => gaps++, clock);
    grants.addGrant(4, 4, 0);
    grants.addGrant(4, 4, 40);
    const first = waitForTokens(grants, clock, 4);
    await clock.advance(3);
    await settle();
    expect(first.times).toEqual([0, 1, 2, 3]);
    expect(gaps).toBe(1);
    const second = waitForTokens(grants, clock, 4);
    await clock.advance(40);
    await settle();
    expect(second.times).toEqual([40, 41, 42, 43]);
    expect(gaps).toBe(2);
  });

  it('tells of no gap between grants that follow each other closely', async () => {
    let gaps = 0;
    const clock = new ManualClock();
    const grants = new GrantClock(1_000, () => undefined, () => gaps++, clock);
    grants.addGrant(4, 8, 0);
    grants.addGrant(4, 8, 8);
    const { times } = waitForTokens(grants, clock, 8);
    await clock.advance(20);
    await settle();
    expect(times).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(gaps).toBe(1);
  });

  it('hands out the tokens due when poked, before its timer could run, and none early', async () => {
    const clock = new ManualClock();
    const grants = new GrantClock(1_000, () => undefined, undefined, clock);
    grants.addGrant(3, 90, 2);
    const { times } = waitForTokens(grants, clock, 3);
    // The event loop stays busy past the first token's time, as it does handling a burst of answers.
    clock.skip(5);
    grants.poke();
    await settle();
    expect(times).toEqual([5]);
    grants.poke();
    await settle();
    expect(times).toEqual([5]);
  });

  it('drops a token nobody used within maxLateMs, and hands the next one out on time', async () => {
    const clock = new ManualClock();
    const grants = new GrantClock(4, () => undefined, undefined, clock);
    grants.addGrant(2, 20, 0);
    await clock.advance(5);
    expect(grants.dropped).toBe(1);
    const { times } = waitForTokens(grants, clock, 1);
    await clock.advance(10);
    expect(times).toEqual([10]);
    expect(grants.tokens).toBe(0);
  });

  it('asks for more tokens whenever more callers wait than it holds', async () => {
    const clock = new ManualClock();
    let short = 0;
    const grants = new GrantClock(1_000, () => short++, undefined, clock);
    grants.addGrant(1, 10, 0);
    waitForTokens(grants, clock, 1);
    expect(short).toBe(0);
    waitForTokens(grants, clock, 2);
    expect(short).toBeGreaterThan(0);
    await clock.advance(1);
    expect(grants.waiting).toBe(2);
  });
});
