/*
 * message-state.ts - a message's state, derived from its segments' states.
 *
 * Pure. A message is as far as its least advanced part: failed if any part failed for good
 * (the rest are not sent), expired if its validity ended first, sending while a part is on the
 * wire, queued while a part waits, and settled (sent, delivered, or unknown when a part may or
 * may not have gone out and the account prefers loss to duplicates) once nothing waits. A message
 * whose parts were coalesced (its text went out in another message, SPEC 7) or cancelled is that,
 * and final: the dispatcher ends all its parts at once, before any is sent.
 */
import type { QueueState } from './migrations.js';

export interface SegmentStateView {
  readonly state: QueueState;
  /** A next attempt is scheduled (queued, or unknown and to be resent). */
  readonly waiting: boolean;
}

export interface DerivedState {
  readonly state: QueueState;
  /** Nothing more will be sent for this message; its concatenation reference is free again. */
  readonly final: boolean;
}

export function deriveMessageState(segments: readonly SegmentStateView[]): DerivedState {
  const has = (state: QueueState): boolean => segments.some((s) => s.state === state);
  if (has('coalesced')) return { state: 'coalesced', final: true };
  if (has('cancelled')) return { state: 'cancelled', final: true };
  if (has('failed')) return { state: 'failed', final: true };
  if (has('expired')) return { state: 'expired', final: true };
  if (has('sending')) return { state: 'sending', final: false };
  if (segments.some((s) => s.waiting)) {
    return { state: has('unknown') ? 'unknown' : 'queued', final: false };
  }
  if (has('unknown')) return { state: 'unknown', final: true };
  if (segments.length > 0 && segments.every((s) => s.state === 'delivered')) return { state: 'delivered', final: true };
  if (segments.every((s) => s.state === 'sent' || s.state === 'delivered')) return { state: 'sent', final: true };
  return { state: 'queued', final: false };
}
