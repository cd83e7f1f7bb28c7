/*
 * token-bucket.ts - the per-user send rate (SPEC 7: "per-user token bucket (TPS, seed 000 §Bulk
 * sending) → 451 4.7.1 at RCPT").
 *
 * Promise: pure arithmetic over plain values; `now` (ms, e.g. Date.now()) is always an argument.
 * A bucket holds up to `burst` tokens and refills at `rate` tokens per second; each accepted
 * RCPT takes one token. So in any window of `t` seconds at most `burst + rate * t` RCPTs pass,
 * and a user who pauses gets the whole burst back. A new bucket starts full.
 *
 * `createRateLimiter` keeps one bucket per user address (a Map, not shared between processes)
 * and drops buckets that have refilled to full: a full bucket and no bucket mean the same, so
 * memory follows the users active in the last `burst / rate` seconds, not every user ever seen.
 *
 * Limits: a clock that steps back is taken as no time passing (the bucket waits for the clock to
 * pass its last time again), never as a refill. With `burst < 1` nothing passes. Token counts
 * are floating point: a take may pass up to a rounding error (~1e-12 token) early.
 */
import type { SmtpReply } from './recipient.js';
import { showForReply } from './gate.js';

export interface BucketState {
  /** Tokens left after the last take, 0 <= tokens <= burst. */
  readonly tokens: number;
  /** When `tokens` was computed, ms. */
  readonly at: number;
}

export interface TokenTake {
  readonly ok: boolean;
  readonly state: BucketState;
}

export interface RateLimit {
  /** Tokens added per second (the seed's TPS). */
  readonly rate: number;
  /** Most tokens a bucket holds: how many may pass at once after a pause. */
  readonly burst: number;
}

/** The bucket refilled to `now`: rate tokens per second since `at`, at most `burst`. */
export function refill(state: BucketState | undefined, now: number, rate: number, burst: number): BucketState {
  if (state === undefined) return { tokens: burst, at: now };
  const elapsed = Math.max(0, now - state.at);
  const tokens = Math.min(burst, state.tokens + (rate * elapsed) / 1000);
  return { tokens, at: Math.max(state.at, now) };
}

/** Takes one token if there is one; the returned state is the one to keep either way. */
export function takeToken(state: BucketState | undefined, now: number, rate: number, burst: number): TokenTake {
  const current = refill(state, now, rate, burst);
  if (current.tokens < 1) return { ok: false, state: current };
  return { ok: true, state: { tokens: current.tokens - 1, at: current.at } };
}

/** RFC 3463 X.7.1 with a 4xx code: not authorized now; the sending MTA retries later. */
export function rateLimitReply(user: string, rate: number, burst: number): SmtpReply {
  return {
    code: 451,
    enhanced: '4.7.1',
    text: `Rate limit: ${showForReply(user)} may send ${rate} SMS per second (burst ${burst}), try again later`,
    errorCode: 'M2S_POLICY_RATE',
  };
}

export interface RateLimiter {
  /** Takes one token from `user`'s bucket (address compared without regard to case). */
  take(user: string, now: number, limit: RateLimit): boolean;
  /** Drops the buckets that are full at `now` (take() does this at most once a minute). */
  prune(now: number): void;
  /** Buckets held, for tests and metrics. */
  readonly size: number;
}

interface Held {
  state: BucketState;
  limit: RateLimit;
}

const PRUNE_EVERY_MS = 60_000;

export function createRateLimiter(): RateLimiter {
  const buckets = new Map<string, Held>();
  let prunedAt: number | undefined;
  const prune = (now: number): void => {
    prunedAt = now;
    for (const [key, held] of buckets) {
      if (refill(held.state, now, held.limit.rate, held.limit.burst).tokens >= held.limit.burst) buckets.delete(key);
    }
  };
  return {
    take(user, now, limit) {
      if (prunedAt === undefined || now - prunedAt >= PRUNE_EVERY_MS || now < prunedAt) prune(now);
      const key = user.toLowerCase();
      const result = takeToken(buckets.get(key)?.state, now, limit.rate, limit.burst);
      buckets.set(key, { state: result.state, limit });
      return result.ok;
    },
    prune,
    get size() {
      return buckets.size;
    },
  };
}
