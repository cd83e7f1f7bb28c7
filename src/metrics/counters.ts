/*
 * counters.ts - what the stages count as it happens, for /metrics (SPEC 11).
 *
 * Promise: the stages (smtp, pipeline, dispatch) see only the GatewayCounters interface and call
 * it next to the log line of the same event, so a counter and its log line never disagree on
 * what happened; NO_COUNTERS is the default where nothing scrapes (CLI, tests). Label values are
 * the gateway's own words (route names, RFC 3463 statuses, SPEC 7 states), never client input,
 * so the number of series stays bounded.
 */
import type { Metrics } from './registry.js';

export interface GatewayCounters {
  /** An SMTP command refused: the stage (connect, mail, rcpt, data …) and the RFC 3463 status. */
  refused(stage: string, status: string): void;
  /** A mail committed to the queue: its SMS messages (one per recipient) and their segments. */
  queued(messages: number, segments: number): void;
  /** One send attempt ended (dispatch `delivery.attempt`): the route and sent, deferred, bounced or unknown. */
  attempt(route: string, status: string): void;
  /** A status report applied (dispatch `delivery.report`): the route and delivered|failed|expired|pending. */
  report(route: string, state: string): void;
  /** The pool took a route out (dispatch `route.out`). */
  routeOut(route: string): void;
  /** Alert storms (SPEC 7): messages that ended coalesced into another (`dispatch.coalesced`: identical; `dispatch.summary`: hourly-cap). */
  coalesced(reason: 'identical' | 'hourly-cap', messages: number): void;
  /** A message held before its start (`dispatch.held`): for an identical one's coalesce window, or by the hourly cap. */
  held(reason: 'identical' | 'hourly-cap'): void;
  /** An hourly summary queued and sent (`dispatch.summary`). */
  summaryQueued(): void;
  /** A message ended expired unsent: older than the account's max age (`dispatch.max_age`) or past its validity (`delivery.expired`, or a `delivery.attempt` that bounced for it). */
  expired(reason: 'max-age' | 'validity'): void;
}

export const NO_COUNTERS: GatewayCounters = {
  refused: () => undefined,
  queued: () => undefined,
  attempt: () => undefined,
  report: () => undefined,
  routeOut: () => undefined,
  coalesced: () => undefined,
  held: () => undefined,
  summaryQueued: () => undefined,
  expired: () => undefined,
};

/** The gateway's counters, defined in `metrics`. */
export function createGatewayCounters(metrics: Metrics): GatewayCounters {
  const refused = metrics.counter('mail2sms_smtp_refused_total', 'SMTP commands refused, by stage and RFC 3463 status.', ['stage', 'status']);
  const mails = metrics.counter('mail2sms_mails_queued_total', 'Mails accepted and committed to the queue.', []);
  const messages = metrics.counter('mail2sms_messages_queued_total', 'SMS messages queued (one per recipient of an accepted mail).', []);
  const segments = metrics.counter('mail2sms_segments_queued_total', 'SMS segments queued.', []);
  const attempts = metrics.counter('mail2sms_send_attempts_total', 'Segment send attempts, by route and result (sent, deferred, bounced, unknown).', ['route', 'result']);
  const reports = metrics.counter('mail2sms_status_reports_total', 'Status reports applied, by route and state.', ['route', 'state']);
  const outs = metrics.counter('mail2sms_route_taken_out_total', 'Times the pool took a route out after repeated faults.', ['route']);
  const coalesced = metrics.counter('mail2sms_messages_coalesced_total', 'Messages that ended coalesced: their text went out in another message (identical text in the coalesce window, or held by the hourly cap and counted in a summary).', ['reason']);
  const held = metrics.counter('mail2sms_messages_held_total', 'Messages held before they started: waiting for the coalesce window of an identical message, or by the hourly cap.', ['reason']);
  const summaries = metrics.counter('mail2sms_summaries_queued_total', 'Hourly-cap summary SMS made and sent ("K more alerts held, last: ...").', []);
  const expired = metrics.counter('mail2sms_messages_expired_total', 'Messages ended expired without being sent: older than the account max age, or past their validity.', ['reason']);
  return {
    refused: (stage, status) => refused.inc({ stage, status }),
    queued: (count, parts) => {
      mails.inc();
      messages.inc({}, count);
      segments.inc({}, parts);
    },
    attempt: (route, result) => attempts.inc({ route, result }),
    report: (route, state) => reports.inc({ route, state }),
    routeOut: (route) => outs.inc({ route }),
    coalesced: (reason, n) => coalesced.inc({ reason }, n),
    held: (reason) => held.inc({ reason }),
    summaryQueued: () => summaries.inc(),
    expired: (reason) => expired.inc({ reason }),
  };
}
