/*
 * outcome.ts - the one place that decides what a send outcome means for the queue.
 *
 * Pure, like Postfix's `src/smtp/smtp_trouble.c`: the transport says what happened, this says
 * what to do (mark sent, retry the segment later, fail the message, expire it, resend a segment
 * that may have gone out); the dispatcher applies the decision and logs it. SPEC 7: temporary
 * errors retry with backoff until the message's validity ends, permanent errors fail at once,
 * an unknown segment is resent only where the account takes duplicates over loss. A throttled
 * segment did not leave and goes back to wait, its attempt not counted and with no backoff of
 * its own: the route is slowed down instead (route-pace.ts), and validity and max age still
 * end it when its turn comes.
 */
import { DEFAULT_BACKOFF, isExpired, nextAttemptAt, type BackoffPolicy } from '../queue/index.js';
import type { SendOutcome } from '../transports/transport.js';

/** RFC 3463 X.4.7: delivery time expired. */
export const EXPIRED_STATUS = '4.4.7';
/** RFC 3463 X.4.1: no answer from host, for a device that went silent mid-send. */
export const UNKNOWN_STATUS = '4.4.1';
/** RFC 3463 X.4.5: mail system congestion, for an upstream that asked to be sent to more slowly. */
export const THROTTLED_STATUS = '4.4.5';

export type Decision =
  | { readonly kind: 'sent'; readonly messageRef: string; readonly status: '2.0.0'; readonly reportAsked?: boolean }
  | { readonly kind: 'retry'; readonly at: number; readonly status: string; readonly diagnostic: string }
  | { readonly kind: 'fail'; readonly status: string; readonly diagnostic: string }
  | { readonly kind: 'expire'; readonly status: string; readonly diagnostic: string }
  | { readonly kind: 'resend'; readonly at: number; readonly status: string; readonly diagnostic: string }
  | { readonly kind: 'keep-unknown'; readonly status: string; readonly diagnostic: string }
  | { readonly kind: 'throttled'; readonly status: string; readonly diagnostic: string };

export interface OutcomeContext {
  /** Attempts made, this one included. */
  readonly attempts: number;
  readonly now: number;
  readonly validUntil: number;
  /** The account's SPEC 7 choice: duplicates over loss. */
  readonly resendUnknown: boolean;
  readonly backoff?: BackoffPolicy;
  /** In [0, 1), for the backoff jitter; 0.5 means none. */
  readonly random?: () => number;
}

export function decideOutcome(outcome: SendOutcome, ctx: OutcomeContext): Decision {
  switch (outcome.kind) {
    case 'sent':
      return { kind: 'sent', messageRef: outcome.messageRef, status: '2.0.0', ...(outcome.reportAsked ? { reportAsked: true } : {}) };
    case 'failed':
      if (!outcome.temporary) return { kind: 'fail', status: outcome.status, diagnostic: outcome.diagnostic };
      return later('retry', outcome.status, outcome.diagnostic, ctx);
    case 'unknown':
      if (!ctx.resendUnknown) return { kind: 'keep-unknown', status: UNKNOWN_STATUS, diagnostic: outcome.diagnostic };
      return later('resend', UNKNOWN_STATUS, outcome.diagnostic, ctx);
    case 'throttled':
      return { kind: 'throttled', status: THROTTLED_STATUS, diagnostic: outcome.diagnostic };
  }
}

/** Try again after the backoff, but never past the validity: at its end the message expires. */
function later(kind: 'retry' | 'resend', status: string, diagnostic: string, ctx: OutcomeContext): Decision {
  if (isExpired(ctx.validUntil, ctx.now)) {
    return { kind: 'expire', status: EXPIRED_STATUS, diagnostic: `validity ended after ${ctx.attempts} attempts; last: ${status} ${diagnostic}` };
  }
  const at = Math.min(nextAttemptAt(ctx.attempts, ctx.now, ctx.backoff ?? DEFAULT_BACKOFF, ctx.random), ctx.validUntil);
  return { kind, at, status, diagnostic };
}

/** The Postfix-style `status=` word of the attempt's log line. */
export function attemptStatus(decision: Decision): 'sent' | 'deferred' | 'bounced' | 'unknown' {
  switch (decision.kind) {
    case 'sent':
      return 'sent';
    case 'retry':
    case 'throttled':
      return 'deferred';
    case 'fail':
    case 'expire':
      return 'bounced';
    case 'resend':
    case 'keep-unknown':
      return 'unknown';
  }
}
