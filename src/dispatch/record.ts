/*
 * record.ts - applying one send's outcome to the queue, and its Postfix-style summary line.
 *
 * The dispatcher decides (outcome.ts) when a send finishes and records the decision at its next
 * pass, inside that pass's queue batch; a decision that cannot be applied (a mark that matches
 * no row) fails alone, as each mark is its own savepoint. Also the pool's route.out / route.in
 * lines (route-pool.ts decides, this logs) and route.throttled / route.unthrottled (route-pace.ts).
 */
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import type { Queue, ReadySegment } from '../queue/index.js';
import type { SendOutcome, Transport } from '../transports/transport.js';
import { attemptStatus, type Decision } from './outcome.js';
import { isThrottled, type ThrottleState } from './route-pace.js';
import { standing, type RouteState } from './route-pool.js';

/** A send that finished: what was decided, and when. */
export interface Settled {
  readonly transport: Transport;
  readonly item: ReadySegment;
  readonly decision: Decision;
  readonly at: number;
}

/** Applies the decision; returns false (and logs) if the queue refused it. */
export function recordSettled(queue: Queue, logger: Logger, settled: Settled): boolean {
  try {
    applyDecision(queue, settled.item, settled.transport.name, settled.decision, settled.at);
    return true;
  } catch (err) {
    logger.error({ event: 'dispatch.queue_error', err, qid: settled.item.segment.qid }, 'recording a send outcome failed');
    return false;
  }
}

function applyDecision(queue: Queue, item: ReadySegment, route: string, decision: Decision, now: number): void {
  const { qid, seq } = item.segment;
  switch (decision.kind) {
    case 'sent':
      return queue.markSent(qid, seq, decision.messageRef, route, now, decision.reportAsked === true);
    case 'retry':
      return queue.markFailed(qid, seq, { temporary: true, status: decision.status, diagnostic: decision.diagnostic, nextAttemptAt: decision.at }, now);
    case 'fail':
      return queue.markFailed(qid, seq, { temporary: false, status: decision.status, diagnostic: decision.diagnostic }, now);
    case 'expire':
      queue.markFailed(qid, seq, { temporary: true, status: decision.status, diagnostic: decision.diagnostic, nextAttemptAt: now }, now);
      return queue.expire(qid, decision.status, decision.diagnostic, now);
    case 'resend':
      return queue.markUnknown(qid, seq, decision.diagnostic, decision.at, now);
    case 'keep-unknown':
      return queue.markUnknown(qid, seq, decision.diagnostic, undefined, now);
    case 'throttled':
      // Due at once: another route of the pool may take it while this one is paused.
      return queue.markThrottled(qid, seq, item.resending ? 'unknown' : 'queued', { status: decision.status, diagnostic: decision.diagnostic, at: now }, now);
  }
}

export const label = (transport: Transport): string => `${transport.kind}:${transport.name}`;

/** One Postfix-style summary line per attempt (STYLE 5): qid, seg, to, transport, delay, dsn, status, reason; counted by route and status. */
export function logAttempt(logger: Logger, counters: GatewayCounters, transport: Transport, item: ReadySegment, decision: Decision, now: number): void {
  const { segment } = item;
  if (decision.kind === 'throttled') {
    // Not an attempt (none is counted); the episode is logged once, as route.throttled.
    counters.throttled(transport.name);
    logger.debug({ event: 'delivery.throttled', qid: segment.qid, seg: `${segment.seq}/${segment.total}`, transport: label(transport), reason: decision.diagnostic }, 'send throttled by the upstream; segment queued again');
    return;
  }
  counters.attempt(transport.name, attemptStatus(decision));
  if (decision.kind === 'expire') counters.expired('validity');
  logger.info(
    {
      event: 'delivery.attempt',
      qid: segment.qid,
      seg: `${segment.seq}/${segment.total}`,
      to: segment.destination,
      transport: label(transport),
      delay: Math.round((now - item.createdAt) / 10) / 100, // seconds since acceptance, as Postfix's delay=
      dsn: decision.status,
      status: attemptStatus(decision),
      reason: decision.kind === 'sent' ? `message reference ${decision.messageRef}` : decision.diagnostic,
    },
    `delivery attempt ${attemptStatus(decision)}`,
  );
}

/** One line when a route leaves the pool (or a probe fails) and when a probe brings it back. */
export function logRouteChange(logger: Logger, counters: GatewayCounters, transport: Transport, before: RouteState, after: RouteState, outcome: SendOutcome, now: number): void {
  const wasIn = standing(before, now) === 'in';
  if (after.outUntil !== undefined && after.outUntil !== before.outUntil) {
    counters.routeOut(transport.name);
    const reason = outcome.kind === 'sent' ? '' : outcome.diagnostic;
    const until = new Date(after.outUntil).toISOString();
    logger.warn({ event: 'route.out', transport: label(transport), faults: after.faults, until, reason }, wasIn ? 'route taken out of the pool' : 'route probe failed; out again');
  } else if (before.outUntil !== undefined && after.outUntil === undefined) {
    logger.info({ event: 'route.in', transport: label(transport) }, 'route answered again; back in the pool');
  }
}

/** One line when a throttle episode begins (with its pause, and the retry-after the upstream gave) and one when it ends; none per segment. */
export function logThrottleChange(logger: Logger, transport: Transport, before: ThrottleState, after: ThrottleState, outcome: SendOutcome, now: number): void {
  if (!isThrottled(before) && isThrottled(after) && outcome.kind === 'throttled') {
    const pauseMs = Math.max(0, (after.pausedUntil ?? now) - now);
    const until = new Date(now + pauseMs).toISOString();
    const asked = outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs };
    logger.warn({ event: 'route.throttled', transport: label(transport), ...asked, pauseMs, until, reason: outcome.diagnostic }, 'upstream asked to send more slowly; route paused, then probed with one send');
  } else if (isThrottled(before) && !isThrottled(after)) {
    logger.info({ event: 'route.unthrottled', transport: label(transport), throttles: before.throttles }, 'route answered a probe after throttling; back to its full pace');
  }
}
