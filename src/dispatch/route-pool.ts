/*
 * route-pool.ts - which route of the pool takes the next segment, and when a sick route is taken
 * out of the pool and probed back in (SPEC 9: several modems form a pool; the dispatcher keeps
 * every healthy one busy and fails over to the next route).
 *
 * Pure: the dispatcher passes the route states, the busy counts and `now` in, and keeps the
 * states these functions return. The rules:
 * - A route takes work while its transport says ready (health()) and it has a free slot (its
 *   concurrency). Free routes are filled in config order, so the first route is the primary and
 *   the others take what it cannot (failover in config order, like Kannel's smsc-routing).
 * - A segment whose last attempt failed temporarily (or went unknown and is resent) goes to a
 *   free route other than the one it failed on when there is one; else to that route again.
 * - A route whose transport answers "ready" but whose sends keep failing (temporary failures or
 *   unknown outcomes: lost registration, no credit, a stuck SMSC) is a circuit breaker: after
 *   `threshold` faults in a row it is out for a cool-down that doubles with every trip (capped);
 *   when the cool-down ends it takes ONE segment as a probe. A probe that is sent (or refused
 *   for a reason of the message itself, a permanent error) brings the route back in; a probe
 *   that fails sends it out again for longer. Nothing else is sent through an out route.
 * - A `throttled` answer is neither a fault nor a good send: it leaves the breaker as it was, so
 *   throttling never takes a route out (route-pace.ts slows the route down instead).
 */
import type { SendOutcome } from '../transports/transport.js';

export interface BreakerPolicy {
  /** Faults in a row that take a route out. */
  readonly threshold: number;
  /** First cool-down, ms; doubles with each trip in a row. */
  readonly coolDownMs: number;
  readonly maxCoolDownMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = { threshold: 3, coolDownMs: 5_000, maxCoolDownMs: 300_000 };

export interface RouteState {
  /** Faults in a row since the last good send. */
  readonly faults: number;
  /** Times taken out in a row (the cool-down doubles each time). */
  readonly trips: number;
  /** Set while the route is out: when it may take a probe. */
  readonly outUntil?: number;
}

export const HEALTHY_ROUTE: RouteState = { faults: 0, trips: 0 };

/** 'in': normal; 'out': cooling down; 'probe': may take one segment to test it. */
export type Standing = 'in' | 'out' | 'probe';

export function standing(state: RouteState, now: number): Standing {
  if (state.outUntil === undefined) return 'in';
  return now >= state.outUntil ? 'probe' : 'out';
}

/** Free slots of a route whose transport is ready: its concurrency while in, one probe while probing. */
export function freeSlots(state: RouteState, busy: number, concurrency: number, now: number): number {
  if (concurrency === 0) return 0; // a route that only receives (an SMPP receiver bind)
  switch (standing(state, now)) {
    case 'in':
      return Math.max(0, concurrency - busy);
    case 'probe':
      return busy === 0 ? 1 : 0;
    case 'out':
      return 0;
  }
}

/** A fault of the route, as opposed to a refusal of the message (permanent: a bad number). */
export function isRouteFault(outcome: SendOutcome): boolean {
  return outcome.kind === 'unknown' || (outcome.kind === 'failed' && outcome.temporary);
}

/** The route's state after one of its sends finished at `now`. */
export function afterSend(state: RouteState, outcome: SendOutcome, now: number, policy: BreakerPolicy = DEFAULT_BREAKER): RouteState {
  if (outcome.kind === 'throttled') return state;
  if (!isRouteFault(outcome)) return HEALTHY_ROUTE;
  const faults = state.faults + 1;
  // Sends handed over before the route went out that fail meanwhile do not lengthen the cool-down.
  if (standing(state, now) === 'out') return { ...state, faults };
  // A failed probe, or the threshold reached: out (again), for twice as long as last time.
  if (state.outUntil === undefined && faults < policy.threshold) return { ...state, faults };
  const trips = state.trips + 1;
  const coolDown = Math.min(policy.coolDownMs * 2 ** (trips - 1), policy.maxCoolDownMs);
  return { faults, trips, outUntil: now + coolDown };
}

/**
 * Which of the free routes (config order) takes a segment: the first one that is not the route
 * its last attempt failed on, else that route (the only one free).
 */
export function chooseRoute<T>(free: readonly T[], failedOn: T | undefined): T | undefined {
  return free.find((route) => route !== failedOn) ?? free[0];
}
