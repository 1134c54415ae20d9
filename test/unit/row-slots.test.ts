import { describe, expect, it } from 'vitest';
import { RowSlots } from '../../src/dispatch/row-slots.js';

/** Lets every pending promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Acquires `count` slots for `flow`, recording the order in which they are granted. */
function queue(slots: RowSlots, flow: string, weight: number, count: number, order: string[]): void {
  for (let i = 0; i < count; i++) void slots.acquire(flow, weight).then(() => order.push(flow));
}

describe('RowSlots', () => {
  it('sizes itself from the cap and the measured latency: the cap × (latency + 40 ms of tokens)', () => {
    const slots = new RowSlots({ rate: () => 1000, initialLatencyMs: 100 });
    expect(slots.size).toBe(140);
    for (let i = 0; i < 1000; i++) slots.observeLatency(20);
    expect(slots.latencyMs).toBeCloseTo(20, 3);
    expect(slots.size).toBe(60);
    for (let i = 0; i < 1000; i++) slots.observeLatency(150);
    expect(slots.size).toBe(190);
  });

  it('follows a change of the cap, within its bounds', () => {
    let rate = 1600;
    const slots = new RowSlots({ rate: () => rate, initialLatencyMs: 20, min: 32, max: 90 });
    expect(slots.size).toBe(90);
    rate = 200;
    expect(slots.size).toBe(32);
  });

  it('makes callers wait once every slot is taken and lets one go per release', async () => {
    const slots = new RowSlots({ rate: () => 100, initialLatencyMs: 0, min: 2, max: 2 });
    const order: string[] = [];
    queue(slots, 'a', 1, 5, order);
    await settle();
    expect(order).toHaveLength(2);
    expect(slots.inUse).toBe(2);
    slots.release();
    await settle();
    expect(order).toHaveLength(3);
    slots.release();
    slots.release();
    await settle();
    expect(order).toHaveLength(5);
    expect(slots.inUse).toBe(2);
  });

  it('shares freed slots between campaigns by weight', async () => {
    const slots = new RowSlots({ rate: () => 100, initialLatencyMs: 0, min: 1, max: 1 });
    await slots.acquire('held', 1);
    const order: string[] = [];
    queue(slots, 'urgent', 3, 400, order);
    queue(slots, 'nightly', 1, 400, order);
    for (let i = 0; i < 400; i++) {
      slots.release();
      await settle();
    }
    const urgent = order.filter((flow) => flow === 'urgent').length;
    expect(order).toHaveLength(400);
    expect(urgent).toBeGreaterThanOrEqual(297);
    expect(urgent).toBeLessThanOrEqual(303);
  });

  it('gives the slot of a row that only waits to another row, and takes one back for it afterwards', async () => {
    const slots = new RowSlots({ rate: () => 100, initialLatencyMs: 0, min: 1, max: 1 });
    await slots.acquire('a', 1);
    const order: string[] = [];
    queue(slots, 'b', 1, 1, order);
    let endBackoff: () => void = () => undefined;
    const idle = slots.idle('a', 1, new Promise<void>((resolve) => (endBackoff = resolve))).then(() => order.push('a again'));
    await settle();
    expect(order).toEqual(['b']);
    endBackoff();
    await settle();
    expect(order).toEqual(['b']);
    slots.release();
    await idle;
    expect(order).toEqual(['b', 'a again']);
    expect(slots.inUse).toBe(1);
  });

  it('lets every waiter and later caller through at shutdown', async () => {
    const slots = new RowSlots({ rate: () => 100, initialLatencyMs: 0, min: 1, max: 1 });
    const order: string[] = [];
    queue(slots, 'a', 1, 3, order);
    await settle();
    expect(order).toHaveLength(1);
    slots.releaseAll();
    await settle();
    expect(order).toHaveLength(3);
    await expect(slots.acquire('a', 1)).resolves.toBeUndefined();
  });
});
