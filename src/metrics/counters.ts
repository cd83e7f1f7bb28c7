/*
 * counters.ts - what the stages count as it happens, for /metrics (SPEC 11).
 *
 * Promise: the stages (smtp, pipeline, dispatch) see only the GatewayCounters interface and call
 * it next to the log line of the same event, so a counter and its log line never disagree on
 * what happened; NO_COUNTERS is the default where nothing scrapes (CLI, tests). Label values are
 * the gateway's own words (route names, RFC 3463 statuses, SPEC 7 states), never client input,
 * so the number of series stays bounded. Every series whose label values are known at start
 * (each route with each result, each reason, each outcome) is exported at 0 from the start, so
 * an alert on a fresh box sees it (issue 15). Limit: mail2sms_smtp_refused_total shows a
 * stage/status pair only from its first refusal, its statuses being the whole RFC 3463 table.
 */
import type { Labels, Metrics } from './registry.js';

const ATTEMPT_RESULTS = ['sent', 'deferred', 'bounced', 'unknown'] as const;
const REPORT_STATES = ['delivered', 'failed', 'expired', 'pending'] as const;
const STORM_REASONS = ['identical', 'hourly-cap'] as const;
const EXPIRY_REASONS = ['max-age', 'validity'] as const;
const CONNECTION_LIMITS = ['total', 'per-client'] as const;
const TIMEOUT_PHASES = ['session', 'data'] as const;
const AUTH_BLOCKS = ['connection', 'client'] as const;
const PART_RESULTS = ['new', 'duplicate'] as const;
const INBOUND_OUTCOMES = ['mailed', 'held', 'failed', 'retry'] as const;

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
  /** The route's upstream answered a send `throttled` (dispatch `delivery.throttled`; no attempt counted). */
  throttled(route: string): void;
  /** Alert storms (SPEC 7): messages that ended coalesced into another (`dispatch.coalesced`: identical; `dispatch.summary`: hourly-cap). */
  coalesced(reason: (typeof STORM_REASONS)[number], messages: number): void;
  /** A message held before its start (`dispatch.held`): for an identical one's coalesce window, or by the hourly cap. */
  held(reason: (typeof STORM_REASONS)[number]): void;
  /** An hourly summary queued and sent (`dispatch.summary`). */
  summaryQueued(): void;
  /** A message ended expired unsent: older than the account's max age (`dispatch.max_age`) or past its validity (`delivery.expired`, or a `delivery.attempt` that bounced for it). */
  expired(reason: (typeof EXPIRY_REASONS)[number]): void;
  /** An SMTP connection refused at connect (`smtp.connection.refused`): smtp.max_connections (total) or smtp.max_connections_per_client. */
  connectionRefused(reason: (typeof CONNECTION_LIMITS)[number]): void;
  /** An SMTP session cut by a time limit (`smtp.timeout`): smtp.session_timeout or smtp.data_timeout. */
  timeout(phase: (typeof TIMEOUT_PHASES)[number]): void;
  /** A failed SMTP login (`smtp.auth.failed`). */
  authFailed(): void;
  /** AUTH cut (`smtp.auth.blocked`): the connection reached its failures, or the client address is blocked. */
  authBlocked(reason: (typeof AUTH_BLOCKS)[number]): void;
  /** A received SMS part committed (`inbound.part`), or recognised as one already kept (`duplicate`). */
  inboundPart(route: string, result: (typeof PART_RESULTS)[number]): void;
  /** What became of a received SMS's mail (`inbound.mailed`, `.held`, `.failed`, `.deferred` = retry). */
  inboundMail(outcome: (typeof INBOUND_OUTCOMES)[number]): void;
  /** An operator's queue action done (`queue.retried`, `queue.cancelled`, `queue.purged`). */
  queueAction(action: QueueAction): void;
}

export const QUEUE_ACTIONS = ['retry', 'cancel', 'purge'] as const;
export type QueueAction = (typeof QUEUE_ACTIONS)[number];

export const NO_COUNTERS: GatewayCounters = {
  refused: () => undefined,
  queued: () => undefined,
  attempt: () => undefined,
  report: () => undefined,
  routeOut: () => undefined,
  throttled: () => undefined,
  coalesced: () => undefined,
  held: () => undefined,
  summaryQueued: () => undefined,
  expired: () => undefined,
  connectionRefused: () => undefined,
  timeout: () => undefined,
  authFailed: () => undefined,
  authBlocked: () => undefined,
  inboundPart: () => undefined,
  inboundMail: () => undefined,
  queueAction: () => undefined,
};

/** The label sets `values` make for `label`, for each route when `routes` is given. */
function known(label: string, values: readonly string[], routes?: readonly string[]): Labels[] {
  const one = values.map((v): Labels => ({ [label]: v }));
  return routes === undefined ? one : routes.flatMap((route) => one.map((l) => ({ route, ...l })));
}

/** The gateway's counters, defined in `metrics`; `routes` are the configured route names. */
export function createGatewayCounters(metrics: Metrics, routes: readonly string[] = []): GatewayCounters {
  const perRoute = routes.map((route) => ({ route }));
  const refused = metrics.counter('mail2sms_smtp_refused_total', 'SMTP commands refused, by stage and RFC 3463 status.', ['stage', 'status']);
  const mails = metrics.counter('mail2sms_mails_queued_total', 'Mails accepted and committed to the queue.', []);
  const messages = metrics.counter('mail2sms_messages_queued_total', 'SMS messages queued (one per recipient of an accepted mail).', []);
  const segments = metrics.counter('mail2sms_segments_queued_total', 'SMS segments queued.', []);
  const attempts = metrics.counter('mail2sms_send_attempts_total', 'Segment send attempts, by route and result (sent, deferred, bounced, unknown).', ['route', 'result'], known('result', ATTEMPT_RESULTS, routes));
  const reports = metrics.counter('mail2sms_status_reports_total', 'Status reports applied, by route and state.', ['route', 'state'], known('state', REPORT_STATES, routes));
  const outs = metrics.counter('mail2sms_route_taken_out_total', 'Times the pool took a route out after repeated faults.', ['route'], perRoute);
  const throttled = metrics.counter('mail2sms_route_throttled_total', 'Sends the route\'s upstream answered "throttled" (ESME_RTHROTTLED, ESME_RMSGQFUL): queued again, no attempt counted.', ['route'], perRoute);
  const coalesced = metrics.counter('mail2sms_messages_coalesced_total', 'Messages that ended coalesced: their text went out in another message (identical text in the coalesce window, or held by the hourly cap and counted in a summary).', ['reason'], known('reason', STORM_REASONS));
  const held = metrics.counter('mail2sms_messages_held_total', 'Messages held before they started: waiting for the coalesce window of an identical message, or by the hourly cap.', ['reason'], known('reason', STORM_REASONS));
  const summaries = metrics.counter('mail2sms_summaries_queued_total', 'Hourly-cap summary SMS made and sent ("K more alerts held, last: ...").', []);
  const expired = metrics.counter('mail2sms_messages_expired_total', 'Messages ended expired without being sent: older than the account max age, or past their validity.', ['reason'], known('reason', EXPIRY_REASONS));
  const connectionsRefused = metrics.counter('mail2sms_smtp_connections_refused_total', 'SMTP connections refused at connect with 421 4.7.0: reason total (smtp.max_connections) or per-client (smtp.max_connections_per_client).', ['reason'], known('reason', CONNECTION_LIMITS));
  const timeouts = metrics.counter('mail2sms_smtp_timeouts_total', 'SMTP sessions cut with 421 4.4.2: phase session (smtp.session_timeout) or data (smtp.data_timeout).', ['phase'], known('phase', TIMEOUT_PHASES));
  const authFailures = metrics.counter('mail2sms_smtp_auth_failures_total', 'Failed SMTP logins (535 5.7.8, or the 421 that ends the connection).', []);
  const authBlocked = metrics.counter('mail2sms_smtp_auth_blocked_total', 'SMTP AUTH cut with 421 4.7.0: reason connection (smtp.auth_failures_per_connection reached) or client (the address is blocked for smtp.auth_block_time).', ['reason'], known('reason', AUTH_BLOCKS));
  const inboundParts = metrics.counter('mail2sms_inbound_parts_total', 'Received SMS parts, by route and result: new (committed) or duplicate (the same part again, kept once).', ['route', 'result'], known('result', PART_RESULTS, routes));
  const inboundMails = metrics.counter('mail2sms_inbound_mails_total', 'Received SMS handed to the smarthost, by outcome: mailed, held (no address or no smarthost), failed (refused for good), retry (failed for now).', ['outcome'], known('outcome', INBOUND_OUTCOMES));
  const queueActions = metrics.counter('mail2sms_queue_actions_total', 'Queue actions an operator did (queue retry, cancel, purge), by action.', ['action'], known('action', QUEUE_ACTIONS));
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
    throttled: (route) => throttled.inc({ route }),
    coalesced: (reason, n) => coalesced.inc({ reason }, n),
    held: (reason) => held.inc({ reason }),
    summaryQueued: () => summaries.inc(),
    expired: (reason) => expired.inc({ reason }),
    connectionRefused: (reason) => connectionsRefused.inc({ reason }),
    timeout: (phase) => timeouts.inc({ phase }),
    authFailed: () => authFailures.inc(),
    authBlocked: (reason) => authBlocked.inc({ reason }),
    inboundPart: (route, result) => inboundParts.inc({ route, result }),
    inboundMail: (outcome) => inboundMails.inc({ outcome }),
    queueAction: (action) => queueActions.inc({ action }),
  };
}
