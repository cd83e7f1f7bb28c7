/*
 * backoff.ts - when a segment that failed temporarily is tried again, and when it stops.
 *
 * Pure: the clock and the randomness come in as arguments. Exponential backoff with a cap, as
 * Postfix's `minimal_backoff_time` / `maximal_backoff_time`, with jitter so segments deferred
 * together by one modem outage do not all come back in the same instant. Retries go on until
 * the message's validity ends (SPEC 7, default 24 h); then the message expires.
 */

export interface BackoffPolicy {
  /** Delay after the first failed attempt, ms. */
  readonly baseMs: number;
  /** Growth per further attempt. */
  readonly factor: number;
  /** Longest delay, ms. */
  readonly maxMs: number;
  /** Spread as a fraction of the delay: 0.1 means ±10 %. */
  readonly jitter: number;
}

/** 10 s, 20 s, 40 s … capped at 10 min, ±10 %. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 10_000, factor: 2, maxMs: 600_000, jitter: 0.1 };

/**
 * The time of the next attempt after `attempts` attempts (1 or more) have been made.
 * `random()` in [0, 1) places the jitter; 0.5 means none.
 */
export function nextAttemptAt(
  attempts: number,
  now: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = () => 0.5,
): number {
  const exponent = Math.max(0, attempts - 1);
  const raw = Math.min(policy.maxMs, policy.baseMs * policy.factor ** exponent);
  const spread = raw * policy.jitter * (2 * random() - 1);
  const delay = Math.min(policy.maxMs, Math.max(0, Math.round(raw + spread)));
  return now + delay;
}

/** A message whose validity has ended is not sent any more (SPEC 7: reported as expired). */
export function isExpired(validUntil: number, now: number): boolean {
  return now >= validUntil;
}
