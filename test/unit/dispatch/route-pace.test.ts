import { describe, expect, it } from 'vitest';
import { afterAnswer, DEFAULT_THROTTLE, isThrottled, nextRateSlotAt, rateSlots, recentStarts, throttleSlots, UNTHROTTLED } from '../../../src/dispatch/route-pace.js';
import { afterSend, HEALTHY_ROUTE } from '../../../src/dispatch/route-pool.js';
import type { SendOutcome } from '../../../src/transports/transport.js';
import { mostInAnySecond } from '../../helpers/rate-window.js';

const THROTTLED: SendOutcome = { kind: 'throttled', diagnostic: 'ESME_RTHROTTLED (0x00000058)' };

describe('route pace: throttling', () => {
  it('pauses the route 1 s, then 2, 4 … up to 60 s for throttled probes in a row, and a retry-after wins', () => {
    let state = UNTHROTTLED;
    const pauses: number[] = [];
    let now = 0;
    for (let i = 0; i < 9; i += 1) {
      state = afterAnswer(state, THROTTLED, now, DEFAULT_THROTTLE);
      pauses.push((state.pausedUntil ?? now) - now);
      now = state.pausedUntil ?? now; // the probe goes at the end of the pause, and is throttled again
    }
    expect(pauses).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(afterAnswer(UNTHROTTLED, { retryAfterMs: 250 }, 10, DEFAULT_THROTTLE)).toEqual({ throttles: 1, pausedUntil: 260 });
  });

  it('does not lengthen the pause for answers to sends handed over before it began', () => {
    const paused = afterAnswer(UNTHROTTLED, THROTTLED, 0);
    expect(afterAnswer(paused, THROTTLED, 500)).toBe(paused);
    // A send that went out before the pause and is answered `sent` during it does not end the episode either.
    expect(afterAnswer(paused, undefined, 500)).toBe(paused);
  });

  it('ends the episode with the first other answer after the pause (the probe)', () => {
    const paused = afterAnswer(UNTHROTTLED, THROTTLED, 0);
    expect(afterAnswer(paused, undefined, 1_000)).toEqual(UNTHROTTLED);
    expect(isThrottled(paused)).toBe(true);
    expect(isThrottled(afterAnswer(paused, undefined, 1_000))).toBe(false);
  });

  it('gives a paused route no slot, one probe slot when idle after the pause, and its concurrency otherwise', () => {
    const paused = afterAnswer(UNTHROTTLED, THROTTLED, 0);
    expect(throttleSlots(paused, 0, 10, 999)).toBe(0);
    expect(throttleSlots(paused, 0, 10, 1_000)).toBe(1);
    expect(throttleSlots(paused, 1, 10, 1_000)).toBe(0);
    expect(throttleSlots(UNTHROTTLED, 3, 10, 0)).toBe(7);
  });

  it('is not a fault for the breaker: a throttled answer leaves the route state as it was', () => {
    const faulty = { faults: 2, trips: 0 };
    expect(afterSend(faulty, THROTTLED, 0)).toBe(faulty);
    expect(afterSend(HEALTHY_ROUTE, THROTTLED, 0)).toBe(HEALTHY_ROUTE);
  });
});

describe('route pace: rate', () => {
  it('lets `rate` sends start in a second, counting the window from its first millisecond', () => {
    const starts = [0, 100, 200];
    expect(rateSlots(starts, 3, 999)).toBe(0);
    expect(rateSlots(starts, 3, 1_000)).toBe(0);
    expect(rateSlots(starts, 3, 1_001)).toBe(1);
    expect(nextRateSlotAt(starts, 3, 500)).toBe(1_001);
    expect(rateSlots(starts, 5, 500)).toBe(2);
  });

  it('keeps only the start times of the last window', () => {
    expect(recentStarts([0, 100, 200], 3, 1_100)).toEqual([100, 200]);
    expect(recentStarts([0, 100, 200], 3, 5_000)).toEqual([]);
  });

  it.each([
    [2.5, 2, 1_000],
    [1, 1, 1_000],
    [0.5, 1, 2_000],
  ])('rate %s allows %i start(s) per %i ms', (rate, count, windowMs) => {
    const starts = Array.from({ length: count }, (_, i) => i);
    expect(rateSlots(starts.slice(0, -1), rate, count)).toBe(1);
    expect(rateSlots(starts, rate, count)).toBe(0);
    expect(nextRateSlotAt(starts, rate, count)).toBe(windowMs + 1);
  });

  it('never starts more than `rate` sends in any one-second window when each start takes the first free slot', () => {
    for (const rate of [1, 7, 50, 200]) {
      let starts: readonly number[] = [];
      const all: number[] = [];
      let now = 0;
      while (all.length < rate * 5) {
        if (rateSlots(starts, rate, now) > 0) {
          starts = [...recentStarts(starts, rate, now), now];
          all.push(now);
        } else now = nextRateSlotAt(starts, rate, now);
      }
      // Any window [t, t + 1000] (both ends included) holds at most `rate` starts, and some hold that many.
      expect(mostInAnySecond(all)).toBe(rate);
    }
  });
});
