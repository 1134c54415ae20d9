import { describe, expect, it } from 'vitest';
import { canaryRows, formatCanarySize, parseCanarySize, parseSoak } from '../../src/queue/canary.js';

describe('canary sizes and soak times as written on the command line', () => {
  it('reads N rows or P%, at least 1 row and at most all of them', () => {
    expect(parseCanarySize('100')).toEqual({ rows: 100 });
    expect(parseCanarySize('5%')).toEqual({ percent: 5 });
    expect(canaryRows({ rows: 100 }, 1000)).toBe(100);
    expect(canaryRows({ rows: 100 }, 40)).toBe(40);
    expect(canaryRows({ percent: 5 }, 400)).toBe(20);
    expect(canaryRows({ percent: 0.1 }, 30)).toBe(1);
    expect(canaryRows({ percent: 2.5 }, 101)).toBe(3);
    expect(formatCanarySize({ percent: 5 })).toBe('5%');
    expect(formatCanarySize({ rows: 7 })).toBe('7');
  });

  it.each(['0', '-3', '1.5', 'abc', '%', '0%', '101%', ''])('refuses --canary "%s"', (text) => {
    expect(() => parseCanarySize(text)).toThrow(/--canary must be/);
  });

  it('reads 90s, 10m, 1h and 500ms as milliseconds, and nothing else', () => {
    expect(parseSoak('90s')).toBe(90_000);
    expect(parseSoak('10m')).toBe(600_000);
    expect(parseSoak('1h')).toBe(3_600_000);
    expect(parseSoak('500ms')).toBe(500);
    for (const bad of ['10', '0s', 'ten minutes', '5d']) expect(() => parseSoak(bad)).toThrow(/--canary-soak must be a duration/);
  });
});
