/*
 * report-plan.ts - when a mail's delivery status notification (SPEC 8, RFC 3464) goes, what it
 * reports, and to whom. Pure: the queue's rows and the time come in, a plan comes out.
 *
 * A recipient's outcome, from its queue message (one per destination):
 * - failed: a part failed for good, at send (+CMS ERROR, SMPP error) or by a status report.
 * - expired: the validity ended before it was sent, or the network's report said it expired.
 * - unknown: a part may or may not have gone out and is not sent again (the account prefers
 *   loss to duplicates, SPEC 7). Reported as a failure: the sender asked to hear when an SMS may
 *   not have arrived, and nothing more will be tried.
 * - delivered: every part's status report said delivered to the phone.
 * - relayed: the network took every part and will say no more. RFC 3464 §2.3.3 `relayed`: "the
 *   message has been relayed or gatewayed into an environment that does not accept
 *   responsibility for generating DSNs upon successful delivery", and RFC 3461 §6.2.2.2 issues a
 *   `relayed` DSN for NOTIFY=SUCCESS in that case. `delivered` would claim the phone got it. Two
 *   ways: no status report was asked (TP-SRR clear): final as soon as the last part is sent; or
 *   one was asked and none came: final at the later of the message's validity end and
 *   `reportWaitMs` after its last part went out (a modem profile with noCds, a network that does
 *   not report). Then what is known is reported: sent, no word from the network, Status 2.0.0.
 *   A report that arrives later changes the queue, not the notice already sent.
 * Until then (parts queued, sending, or sent and a report may still come) there is no outcome.
 * - coalesced (SPEC 7 alert storms): its text went out in another message, the carrier (identical
 *   text in the coalesce window, or held by the hourly cap and counted in a summary). Its outcome
 *   is the carrier's, by the same rules, once the carrier has one; the notice says so
 *   (report-facts.ts). What it asked for still decides: success only when asked.
 *
 * Which outcomes are reported: failed, expired and unknown when the message asked for failure
 * notices (always, unless NOTIFY=NEVER); delivered and relayed when it asked for success notices
 * (NOTIFY=SUCCESS, Return-Receipt-To, Disposition-Notification-To). SPEC 8.
 *
 * One report per mail: the messages of one mail (same mail id, sender and acceptance time) go
 * in one notification, one recipient block per destination reported, as soon as every one of
 * them has an outcome. So that a failure is not held for a day by a sibling still waiting for a
 * status report, messages with an outcome wait at most `gatherMs` from when the notifier first
 * saw one of them ended; then they go alone and the rest get their own notification later.
 * A mail whose outcomes nobody asked to hear about is settled with no mail sent.
 *
 * To whom: the envelope sender, never the null sender `<>`, and never an address of the gateway
 * itself (one of its domains, or the address the notices come from): a notice there would loop
 * back into the gateway.
 */
import type { DsnMessage } from '../queue/index.js';

export type RecipientOutcome = 'delivered' | 'relayed' | 'failed' | 'expired' | 'unknown';

export interface ReportTiming {
  /** Least wait for a status report after a message's last part went out, ms (its validity end is the main bound). */
  readonly reportWaitMs: number;
  /** Longest wait of ended messages for the rest of their mail, ms. */
  readonly gatherMs: number;
}

/** A report comes within minutes on a live network; an hour is the least it is given. Gathering: one minute. */
export const DEFAULT_TIMING: ReportTiming = { reportWaitMs: 3_600_000, gatherMs: 60_000 };

export interface ReportedRecipient {
  readonly message: DsnMessage;
  readonly outcome: RecipientOutcome;
}

export interface ReportPlan {
  /** Queue ids this notification decides (reported or not: the others asked for no notice of their outcome). */
  readonly settle: readonly string[];
  /** The recipient blocks, in queue id order; empty when nobody asked to hear. */
  readonly report: readonly ReportedRecipient[];
}

/** When a message sent with TP-SRR stops waiting for its status report; undefined while parts remain to send. */
export function reportWaitEnds(message: DsnMessage, reportWaitMs: number): number | undefined {
  return message.finalAt === null ? undefined : Math.max(message.validUntil, message.finalAt + reportWaitMs);
}

/** The outcome a notification reports for the message, or undefined while it may still change. */
export function outcomeOf(message: DsnMessage, now: number, reportWaitMs: number): RecipientOutcome | undefined {
  if (message.finalAt === null) return undefined;
  if (message.state === 'coalesced') {
    const { carrier } = message;
    if (carrier === undefined || carrier.state === 'coalesced') return undefined;
    return outcomeOf({ ...message, state: carrier.state, finalAt: carrier.finalAt, validUntil: carrier.validUntil, statusReport: carrier.statusReport }, now, reportWaitMs);
  }
  switch (message.state) {
    case 'failed':
    case 'expired':
    case 'unknown':
    case 'delivered':
      return message.state;
    case 'sent': {
      if (!message.statusReport) return 'relayed';
      const ends = reportWaitEnds(message, reportWaitMs) ?? Infinity;
      return now >= ends ? 'relayed' : undefined;
    }
    default:
      return undefined;
  }
}

/** SPEC 8: success notices only when asked; failure notices unless NOTIFY=NEVER. */
export function isRequested(outcome: RecipientOutcome, notify: DsnMessage['notify']): boolean {
  return outcome === 'delivered' || outcome === 'relayed' ? notify.success : notify.failure;
}

/**
 * The notification due now for one mail's messages, or undefined when it should wait.
 * `firstSeenAt`: when the caller first saw a message of this mail ended (the gather window's start).
 */
export function planMailReport(messages: readonly DsnMessage[], now: number, firstSeenAt: number, timing: ReportTiming = DEFAULT_TIMING): ReportPlan | undefined {
  const open = messages.filter((m) => m.dsn.mark === null);
  const ended = open.flatMap((message) => {
    const outcome = outcomeOf(message, now, timing.reportWaitMs);
    return outcome === undefined ? [] : [{ message, outcome }];
  });
  if (ended.length === 0) return undefined;
  if (ended.length < open.length && now - firstSeenAt < timing.gatherMs) return undefined;
  return {
    settle: ended.map((e) => e.message.qid),
    report: ended.filter((e) => isRequested(e.outcome, e.message.notify)),
  };
}

export type ReportAddress = { readonly ok: true; readonly to: string } | { readonly ok: false; readonly reason: string };

export interface OwnAddresses {
  /** The gateway's domains (SPEC 12 `domain:`): mail there comes back to the gateway. */
  readonly domains: readonly string[];
  /** Addresses the gateway sends from (the notices' From). */
  readonly addresses: readonly string[];
}

/** Where the notification goes: the envelope sender, unless that is nobody or the gateway itself. */
export function reportAddressOf(sender: string, own: OwnAddresses): ReportAddress {
  if (sender === '') return { ok: false, reason: 'the null sender <> gets no notices' };
  if (!/^[^\s<>"]+@[^\s<>@"]+$/.test(sender)) return { ok: false, reason: `the sender ${JSON.stringify(sender)} is not an address a notice can go to` };
  const address = sender.toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  if (own.domains.some((d) => d.toLowerCase() === domain) || own.addresses.some((a) => a.toLowerCase() === address)) {
    return { ok: false, reason: `the sender ${sender} is the gateway's own address; a notice would loop` };
  }
  return { ok: true, to: sender };
}
