/*
 * route-pace.ts - how fast a route of the pool may be sent to: its configured `rate`, and the
 * pause after its upstream said "slow down" (SPEC 9: ESME_RTHROTTLED / ESME_RMSGQFUL slow the
 * route down without costing an attempt; a per-route `rate`).
 *
 * Pure, like route-pool.ts: the dispatcher passes states, start times and `now` in and keeps
 * what these functions return. Throttling is not a fault: it never takes a route out of the
 * pool (route-pool.ts) and never makes it unhealthy; it only takes away its free slots for a
 * while, so the other routes of the pool take the segments meanwhile.
 *
 * Throttle (a small state machine per route):
 * - A `throttled` answer pauses the route: for `retryAfterMs` when the upstream said, else for a
 *   backoff of 1 s doubling with each throttle in a row up to 60 s. Answers to sends handed over
 *   before the pause began do not lengthen it (a full window answering "throttled" at once is
 *   one throttle, not ten).
 * - When the pause ends the route takes ONE send as a probe (when nothing else of it is under
 *   way); a probe throttled again pauses it for longer. Any other answer after the pause (sent,
 *   or a failure, which is the breaker's business) ends the episode, and the route's full
 *   concurrency and rate are used again.
 *
 * Rate: at most `rate` sends START in any window of one second (a sliding window over the
 * start times, so it holds over ANY second, not only over clock seconds). A send may start when
 * fewer than `rate` starts lie in the last 1000 ms, that window's first millisecond included
 * (start times are whole ms: counting it keeps two starts `rate` apart more than a second
 * apart in real time). Up to `rate` sends may start at once after a quiet second; a transport
 * spreads them by its own window. Limits: a rate above 1 that is not whole counts as its whole
 * part (2.5 allows 2 in every second: 3 would exceed 2.5 in some second); a rate below 1 allows
 * one send in every 1 / rate seconds.
 */

export interface ThrottlePolicy {
  /** First pause when the upstream does not say, ms; doubles with each throttle in a row. */
  readonly pauseMs: number;
  readonly maxPauseMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { pauseMs: 1_000, maxPauseMs: 60_000 };

export interface ThrottleState {
  /** Throttled answers in a row that paused the route (0: not throttled). */
  readonly throttles: number;
  /** While throttled: until when the route takes nothing, then one probe. */
  readonly pausedUntil?: number;
}

export const UNTHROTTLED: ThrottleState = { throttles: 0 };

export const isThrottled = (state: ThrottleState): boolean => state.throttles > 0;

/** The route's throttle state after one of its sends was answered at `now`. */
export function afterAnswer(state: ThrottleState, throttled: { readonly retryAfterMs?: number } | undefined, now: number, policy: ThrottlePolicy = DEFAULT_THROTTLE): ThrottleState {
  const paused = state.pausedUntil !== undefined && now < state.pausedUntil;
  if (throttled === undefined) return isThrottled(state) && !paused ? UNTHROTTLED : state;
  if (paused) return state;
  const throttles = state.throttles + 1;
  const wait = throttled.retryAfterMs ?? Math.min(policy.pauseMs * 2 ** (throttles - 1), policy.maxPauseMs);
  return { throttles, pausedUntil: now + Math.max(0, wait) };
}

/** Free slots as the throttle sees them: all while not throttled, none while paused, then one probe. */
export function throttleSlots(state: ThrottleState, busy: number, concurrency: number, now: number): number {
  if (!isThrottled(state)) return Math.max(0, concurrency - busy);
  if (state.pausedUntil !== undefined && now < state.pausedUntil) return 0;
  return busy === 0 ? 1 : 0;
}

/** Sends per window and the window's length (ms) for a configured rate. */
function rateWindow(rate: number): { readonly count: number; readonly windowMs: number } {
  return rate >= 1 ? { count: Math.floor(rate), windowMs: 1000 } : { count: 1, windowMs: Math.ceil(1000 / rate) };
}

/** The start times still inside the window at `now` (oldest first), the ones to keep. */
export function recentStarts(starts: readonly number[], rate: number, now: number): readonly number[] {
  const { windowMs } = rateWindow(rate);
  const first = starts.findIndex((at) => at >= now - windowMs);
  return first === 0 ? starts : first === -1 ? [] : starts.slice(first);
}

/** How many more sends may start at `now`, given the start times of the last window (recentStarts). */
export function rateSlots(starts: readonly number[], rate: number, now: number): number {
  return Math.max(0, rateWindow(rate).count - recentStarts(starts, rate, now).length);
}

/** When the next send may start, once rateSlots() says none may now. */
export function nextRateSlotAt(starts: readonly number[], rate: number, now: number): number {
  const { count, windowMs } = rateWindow(rate);
  const recent = recentStarts(starts, rate, now);
  const oldest = recent[recent.length - count];
  return oldest === undefined ? now : oldest + windowMs + 1;
}
