/*
 * report-facts.ts - the facts one recipient block of a delivery status notification states
 * (RFC 3464 §2.3), taken from the queue's record of the message and its parts. Pure.
 *
 * - Final-Recipient `rfc822; <RCPT TO as the client gave it>`, or `<number>@<first gateway
 *   domain>` when the accept path did not keep it; Original-Recipient from ORCPT only (§2.3.1).
 * - Status and Diagnostic-Code come from the part that decided the outcome: the first part that
 *   failed or expired by itself (not one marked "not sent: part N failed" because of it), or the
 *   first unknown part. Its recorded RFC 3463 status (5.x.x from the +CMS ERROR / SMPP error
 *   table, 5.0.0 for a failed status report, 4.4.7 for an expiry); an unknown part says 4.4.1
 *   (no answer: the modem or SMSC went silent mid-send), as the dispatcher logs it. Failed with a
 *   4.x.x status is what an MTA says when it stops retrying a temporary error (Postfix does).
 * - Diagnostic-Code type `X-mail2sms` (§2.3.6: `smtp` is only for SMTP replies; an unregistered
 *   type is X-): the text the modem or SMSC gave, e.g. `+CMS ERROR: 1 (unassigned (unallocated)
 *   number)` or the status report's `TP-ST 0x41 ...`. Relayed blocks carry none: nothing answered.
 * - Last-Attempt-Date: the latest send of any part (a part refused at send: the refusal time).
 * - No Remote-MTA: an SMSC has no DNS name; the route that sent it is named in an X- field.
 * - A coalesced message (SPEC 7 alert storms) is reported from its carrier's parts (they are what
 *   went out for it), and its Diagnostic-Code says so whatever the outcome: the carrier's queue id,
 *   the count, and why (identical text, or held by the hourly cap and counted in a summary),
 *   followed by the carrier's own diagnostic when that one failed.
 */
import type { DsnCarrier, DsnMessage, DsnPart } from '../queue/index.js';
import type { RecipientOutcome } from './report-plan.js';

/** RFC 3463 X.4.1: no answer from the device mid-send (dispatch/outcome.ts UNKNOWN_STATUS). */
export const UNKNOWN_STATUS = '4.4.1';

export interface RecipientBlock {
  readonly qid: string;
  /** The destination number ('+' and digits). */
  readonly number: string;
  /** The address of Final-Recipient (type rfc822). */
  readonly finalRecipient: string;
  /** ORCPT as given: `addr-type;address`. */
  readonly originalRecipient?: string;
  readonly outcome: RecipientOutcome;
  readonly action: 'failed' | 'delivered' | 'relayed';
  /** RFC 3463 status, `d.d.d`. */
  readonly status: string;
  /** The device's or network's own words (Diagnostic-Code text). */
  readonly diagnostic?: string;
  readonly lastAttemptAt?: number;
  /** Delivered: when the last part reached the phone (the reports' discharge time). */
  readonly deliveredAt?: number;
  /** Relayed after waiting: the report was asked for and none came. */
  readonly reportMissing: boolean;
  /** The part that decided a failure, and how many parts there are. */
  readonly part?: number;
  readonly parts: number;
  /** Routes that sent parts, in part order, without repeats. */
  readonly routes: readonly string[];
  /** Its text went out in another message (SPEC 7 alert storms). */
  readonly coalesced?: CoalescedFacts;
}

export interface CoalescedFacts {
  /** The carrier's queue id. */
  readonly into: string;
  readonly reason: DsnCarrier['reason'];
  /** identical: the N of `(xN)`, the carrier and the messages coalesced into it; hourly-cap: the K held alerts the summary counted. */
  readonly count: number;
}

const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;

export function recipientBlockOf(message: DsnMessage, outcome: RecipientOutcome, domain: string): RecipientBlock {
  // A coalesced message: what went out for it is its carrier's parts.
  const parts = message.state === 'coalesced' && message.carrier ? message.carrier.parts : message.parts;
  const coalesced = message.state === 'coalesced' && message.carrier ? coalescedFacts(message.carrier) : undefined;
  const deciding = decidingPart(parts, outcome);
  const action = outcome === 'delivered' ? 'delivered' : outcome === 'relayed' ? 'relayed' : 'failed';
  const own = outcome === 'relayed' ? undefined : (deciding ?? lastPart(parts))?.lastDiagnostic ?? undefined;
  const diagnostic = coalesced === undefined ? own : [coalescedNote(coalesced), action === 'failed' && own ? `that message: ${own}` : undefined].filter(Boolean).join('; ');
  const lastAttemptAt = maxOf(parts.filter((p) => p.attempts > 0).map((p) => p.sentAt ?? p.finalAt));
  const deliveredAt = outcome === 'delivered' ? maxOf(parts.map((p) => p.finalAt)) : undefined;
  return {
    qid: message.qid,
    number: message.to,
    finalRecipient: message.original.rcpt ?? `${message.to}@${domain}`,
    ...(message.original.orcpt === undefined ? {} : { originalRecipient: message.original.orcpt }),
    outcome,
    action,
    status: statusOf(outcome, deciding),
    ...(diagnostic ? { diagnostic } : {}),
    ...(lastAttemptAt === undefined ? {} : { lastAttemptAt }),
    ...(deliveredAt === undefined ? {} : { deliveredAt }),
    reportMissing: outcome === 'relayed' && message.statusReport,
    ...(deciding && action === 'failed' ? { part: deciding.seq } : {}),
    parts: parts.length,
    routes: [...new Set(parts.flatMap((p) => (p.route === null ? [] : [p.route])))],
    ...(coalesced === undefined ? {} : { coalesced }),
  };
}

function coalescedFacts(carrier: DsnCarrier): CoalescedFacts {
  return { into: carrier.qid, reason: carrier.reason, count: carrier.reason === 'identical' ? carrier.carried + 1 : carrier.carried };
}

/** The Diagnostic-Code of a coalesced message: where its text went, and why. */
export function coalescedNote(c: CoalescedFacts): string {
  return c.reason === 'identical'
    ? `coalesced into ${c.into}: sent once for ${c.count} identical messages to this number, as (x${c.count})`
    : `coalesced into ${c.into}: held by the hourly cap of this number and counted in its summary SMS of ${c.count} held alerts`;
}

/** The part whose state made the outcome; undefined for delivered and relayed. */
function decidingPart(parts: readonly DsnPart[], outcome: RecipientOutcome): DsnPart | undefined {
  if (outcome === 'unknown') return parts.find((p) => p.state === 'unknown');
  if (outcome !== 'failed' && outcome !== 'expired') return undefined;
  const ended = parts.filter((p) => p.state === 'failed' || p.state === 'expired');
  return ended.find((p) => !(p.lastDiagnostic ?? '').startsWith('not sent: part ')) ?? ended[0];
}

function statusOf(outcome: RecipientOutcome, deciding: DsnPart | undefined): string {
  switch (outcome) {
    case 'delivered':
    case 'relayed':
      return '2.0.0';
    case 'unknown':
      return UNKNOWN_STATUS;
    case 'expired':
      return deciding?.lastStatus && STATUS.test(deciding.lastStatus) ? deciding.lastStatus : '4.4.7';
    case 'failed':
      return deciding?.lastStatus && STATUS.test(deciding.lastStatus) && !deciding.lastStatus.startsWith('2') ? deciding.lastStatus : '5.0.0';
  }
}

function lastPart(parts: readonly DsnPart[]): DsnPart | undefined {
  return parts[parts.length - 1];
}

function maxOf(values: ReadonlyArray<number | null>): number | undefined {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? undefined : Math.max(...known);
}

/** The original mail's header block, or a few fields rebuilt from the queue when it was not kept. */
export function originalHeadersOf(messages: readonly DsnMessage[], domain: string): { readonly kept: boolean; readonly text: string } {
  const first = messages[0];
  if (first?.original.headers !== undefined && first.original.headers.trim() !== '') return { kept: true, text: first.original.headers };
  const lines: string[] = [];
  if (first && /^<[^<>\s]+>$/.test(first.mailId)) lines.push(`Message-ID: ${first.mailId}`);
  if (first && first.from !== '') lines.push(`From: <${first.from}>`);
  const rcpts = messages.map((m) => `<${m.original.rcpt ?? `${m.to}@${domain}`}>`);
  if (rcpts.length > 0) lines.push(`To: ${rcpts.join(',\r\n ')}`);
  return { kept: false, text: lines.join('\r\n') };
}
