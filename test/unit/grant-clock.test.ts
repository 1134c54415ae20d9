import { describe, expect, it } from 'vitest';
import { GrantClock } from '../../src/limiter/grant-clock.js';

const afterImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits for `count` tokens one after another, as rows do, and returns when each was handed out (ms after `start`). */
async function useTokens(clock: GrantClock, count: number, start: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, async () => {
    await clock.wait();
    return performance.now() - start;
  }));
}

describe('GrantClock', () => {
  it('hands tokens out no earlier than their times, in order', async () => {
    const clock = new GrantClock(1_000, () => undefined);
    const start = performance.now();
    clock.addGrant(5, 20, start + 10);
    const times = await useTokens(clock, 5, start);
    times.forEach((time, i) => expect(time).toBeGreaterThanOrEqual(10 + i * 4 - 0.01));
  });

  it('tells of an idle gap once the last due token is handed out and no other is due for 10 ms', async () => {
    let gaps = 0;
    const clock = new GrantClock(1_000, () => undefined, () => gaps++);
    const start = performance.now();
    clock.addGrant(4, 4, start);
    clock.addGrant(4, 4, start + 40);
    await useTokens(clock, 4, start);
    await afterImmediate();
    expect(gaps).toBe(1);
    await useTokens(clock, 4, start);
    await afterImmediate();
    expect(gaps).toBe(2);
  });

  it('tells of no gap between grants that follow each other closely', async () => {
    let gaps = 0;
    const clock = new GrantClock(1_000, () => undefined, () => gaps++);
    const start = performance.now();
    clock.addGrant(4, 8, start);
    clock.addGrant(4, 8, start + 8);
    await useTokens(clock, 8, start);
    await afterImmediate();
    expect(gaps).toBe(1);
  });

  it('hands out the tokens due when poked, before its timer could run, and none early', async () => {
    const clock = new GrantClock(1_000, () => undefined);
    const start = performance.now();
    clock.addGrant(3, 90, start + 2);
    let handed = 0;
    for (let i = 0; i < 3; i++) void clock.wait().then(() => handed++);
    // The event loop stays busy past the first token's time, as it does handling a burst of answers.
    while (performance.now() < start + 5) {
      // busy
    }
    clock.poke();
    await Promise.resolve();
    await Promise.resolve();
    expect(handed).toBe(1);
    clock.poke();
    await Promise.resolve();
    expect(handed).toBe(1);
  });
});
