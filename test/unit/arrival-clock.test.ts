import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ArrivalClock } from '../../src/emulator/arrival-clock.js';

describe('ArrivalClock', () => {
  it('stamps every call read in one turn of the event loop with the time of the first', async () => {
    let time = 100;
    const arrivals = new ArrivalClock(() => time);
    const sameTurn = [arrivals.now(), (time += 2.5, arrivals.now()), (time += 1, arrivals.now())];
    expect(sameTurn).toEqual([100, 100, 100]);
    await nextTurn();
    expect(arrivals.now()).toBe(103.5);
  });

  it('never goes backwards', async () => {
    let time = 50;
    const arrivals = new ArrivalClock(() => time);
    expect(arrivals.now()).toBe(50);
    await nextTurn();
    time = 49;
    expect(arrivals.now()).toBe(50);
    await nextTurn();
    time = 51;
    expect(arrivals.now()).toBe(51);
  });
});
