import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, isExpired, nextAttemptAt } from '../../../src/queue/index.js';

const NOW = 1_000_000;

describe('nextAttemptAt', () => {
  const cases: ReadonlyArray<[attempts: number, delayMs: number]> = [
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [6, 320_000],
    [7, 600_000], // 640 s capped at 10 min
    [30, 600_000],
  ];
  it.each(cases)('after %i attempts waits %i ms with no jitter', (attempts, delayMs) => {
    expect(nextAttemptAt(attempts, NOW, DEFAULT_BACKOFF, () => 0.5)).toBe(NOW + delayMs);
  });

  it('spreads the delay by at most the jitter fraction either way', () => {
    expect(nextAttemptAt(1, NOW, DEFAULT_BACKOFF, () => 0)).toBe(NOW + 9_000);
    expect(nextAttemptAt(1, NOW, DEFAULT_BACKOFF, () => 0.999999)).toBe(NOW + 11_000);
  });

  it('never waits longer than the cap, jitter included', () => {
    expect(nextAttemptAt(20, NOW, DEFAULT_BACKOFF, () => 0.999999)).toBe(NOW + 600_000);
  });

  it('follows a custom policy', () => {
    const policy = { baseMs: 1_000, factor: 3, maxMs: 5_000, jitter: 0 };
    expect([1, 2, 3].map((n) => nextAttemptAt(n, 0, policy))).toEqual([1_000, 3_000, 5_000]);
  });
});

describe('isExpired', () => {
  it.each([
    [NOW - 1, true],
    [NOW, true],
    [NOW + 1, false],
  ])('a message valid until %i is expired at NOW: %s', (validUntil, expected) => {
    expect(isExpired(validUntil, NOW)).toBe(expected);
  });
});
