import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRateLimiter, rateLimitReply, takeToken, type BucketState } from '../../../src/policy/index.js';
import { replies } from '../../../src/smtp/index.js';

/** Runs takes at the given times (ms) through one bucket; returns which passed. */
function run(times: readonly number[], rate: number, burst: number): boolean[] {
  let state: BucketState | undefined;
  return times.map((now) => {
    const take = takeToken(state, now, rate, burst);
    state = take.state;
    return take.ok;
  });
}

describe('takeToken (SPEC 7: per-user token bucket, one token per accepted RCPT)', () => {
  it('starts full: a new user may send a whole burst at once, and no more', () => {
    expect(run([0, 0, 0, 0], 1, 3)).toEqual([true, true, true, false]);
  });

  it('refills at rate tokens per second', () => {
    // burst 2 used at t=0; at 2 per second one token is back after 500 ms, not before
    expect(run([0, 0, 0, 499, 500, 500], 2, 2)).toEqual([true, true, false, false, true, false]);
  });

  it('never refills past the burst however long the pause', () => {
    expect(run([0, 3_600_000, 3_600_000, 3_600_000], 5, 2)).toEqual([true, true, true, false]);
  });

  it('keeps a fractional refill between takes', () => {
    // rate 1/s: 400 ms + 400 ms + 200 ms make one whole token
    expect(run([0, 400, 800, 1000], 1, 1)).toEqual([true, false, false, true]);
  });

  it('treats a clock that steps back as no time passing, never as a refill', () => {
    const first = takeToken(undefined, 10_000, 1, 1);
    const back = takeToken(first.state, 5_000, 1, 1);
    expect(back.ok).toBe(false);
    expect(back.state.at).toBe(10_000);
    expect(takeToken(back.state, 10_999, 1, 1).ok).toBe(false);
    expect(takeToken(back.state, 11_000, 1, 1).ok).toBe(true);
  });

  it('lets nothing through with a burst below one', () => {
    expect(run([0, 1000, 60_000], 10, 0.5)).toEqual([false, false, false]);
  });

  it('returns the state to keep on a refusal too', () => {
    const refused = takeToken({ tokens: 0.25, at: 0 }, 500, 1, 3);
    expect(refused).toEqual({ ok: false, state: { tokens: 0.75, at: 500 } });
  });
});

describe('token bucket properties', () => {
  const limits = fc.record({ rate: fc.integer({ min: 1, max: 50 }).map((n) => n / 2), burst: fc.integer({ min: 1, max: 20 }) });
  const gaps = fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 200 });
  const timesOf = (steps: readonly number[]): number[] => {
    let t = 1_700_000_000_000;
    return steps.map((s) => (t += s));
  };

  it('never passes more than burst + rate * elapsed takes in any window', () => {
    fc.assert(
      fc.property(limits, gaps, ({ rate, burst }, steps) => {
        const times = timesOf(steps);
        const passed = run(times, rate, burst);
        for (let i = 0; i < times.length; i++) {
          let count = 0;
          for (let j = i; j < times.length; j++) {
            if (passed[j]) count++;
            const elapsedS = (times[j]! - times[i]!) / 1000;
            // 1e-6: float rounding of the refill (documented in token-bucket.ts)
            if (count > burst + rate * elapsedS + 1e-6) return false;
          }
        }
        return true;
      }),
    );
  });

  it('never leaves a negative or above-burst token count', () => {
    fc.assert(
      fc.property(limits, gaps, ({ rate, burst }, steps) => {
        let state: BucketState | undefined;
        for (const now of timesOf(steps)) {
          state = takeToken(state, now, rate, burst).state;
          if (state.tokens < 0 || state.tokens > burst) return false;
        }
        return true;
      }),
    );
  });

  it('passes every take that comes at least 1/rate seconds after the previous one', () => {
    fc.assert(
      fc.property(limits, fc.integer({ min: 1, max: 100 }), ({ rate, burst }, n) => {
        const gap = Math.ceil(1000 / rate);
        const times = Array.from({ length: n }, (_, i) => i * gap);
        return run(times, rate, burst).every(Boolean);
      }),
    );
  });
});

describe('createRateLimiter (one bucket per user address)', () => {
  const limit = { rate: 1, burst: 2 };

  it('keeps a bucket per user, comparing addresses without regard to case', () => {
    const limiter = createRateLimiter();
    expect([limiter.take('a@site', 0, limit), limiter.take('A@SITE', 0, limit), limiter.take('a@site', 0, limit)]).toEqual([true, true, false]);
    expect(limiter.take('b@site', 0, limit)).toBe(true);
  });

  it('drops buckets that have refilled to full, and keeps those still refilling', () => {
    const limiter = createRateLimiter();
    limiter.take('a@site', 0, limit);
    limiter.take('b@site', 1_500, limit);
    expect(limiter.size).toBe(2);
    limiter.prune(2_000); // a: full again at 1000 ms; b: 1.5 tokens
    expect(limiter.size).toBe(1);
    limiter.prune(2_500);
    expect(limiter.size).toBe(0);
  });

  it('prunes by itself once a minute as takes come in', () => {
    const limiter = createRateLimiter();
    for (let i = 0; i < 50; i++) limiter.take(`u${i}@site`, 0, limit);
    expect(limiter.size).toBe(50);
    limiter.take('late@site', 60_000, limit);
    expect(limiter.size).toBe(1);
  });

  it('gives a pruned user a full bucket, as if it had been kept', () => {
    const limiter = createRateLimiter();
    limiter.take('a@site', 0, limit);
    limiter.prune(10_000);
    expect([limiter.take('a@site', 10_000, limit), limiter.take('a@site', 10_000, limit), limiter.take('a@site', 10_000, limit)]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('rateLimitReply', () => {
  it('is 451 4.7.1 naming the user, the rate and the burst, and is temporary as an SmtpError', () => {
    const reply = rateLimitReply('alerts@site.example', 2, 5);
    expect(reply).toEqual({
      code: 451,
      enhanced: '4.7.1',
      text: 'Rate limit: alerts@site.example may send 2 SMS per second (burst 5), try again later',
      errorCode: 'M2S_POLICY_RATE',
    });
    expect(replies.fromReply(reply).temporary).toBe(true);
  });
});
