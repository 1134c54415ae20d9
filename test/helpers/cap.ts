import { expect } from 'vitest';
import { maxInWindow } from '../../src/limiter/sliding-window.js';

/**
 * What a strict endpoint saw of fleetcast at its cap: no sliding second of accepted calls over `cap`, and only
 * throttled attempts refused, at most 0.1 % of the calls (the learned guard's probing costs a token and a short wait,
 * never a row; README, "How it works").
 */
export function expectCapHeld(calls: readonly { readonly t: number; readonly code: string }[], cap: number): void {
  const accepted = calls.filter((call) => call.code === 'OK');
  expect(maxInWindow(accepted.map((call) => call.t))).toBeLessThanOrEqual(cap);
  const refused = calls.filter((call) => call.code !== 'OK');
  expect(refused.filter((call) => !call.code.startsWith('Throttling'))).toEqual([]);
  expect(refused.length, `${refused.length} of ${calls.length} calls throttled`).toBeLessThanOrEqual(Math.max(1, Math.floor(calls.length * 0.001)));
}
