/*
 * header-from.ts - the header From must name exactly one address (SPEC 4; issue 12).
 *
 * Promise: pure. checkOneFrom() takes what the parse stage counted in the raw header block and
 * refuses, with 550 5.7.1 and a text naming the problem, a mail whose From is not one mailbox:
 * - two or more From fields: RFC 5322 §3.6 allows exactly one (mailparser keeps only the first,
 *   so the count comes from the raw header lines, not from the parsed address);
 * - a list of mailboxes (`From: a@x, b@y`): RFC 5322 §3.6.2 allows it only with a Sender field,
 *   and DMARC (RFC 7489 §6.6.1) names multiple From addresses a reason to reject, since no one
 *   author domain can be judged. Refused here with or without Sender: the gateway charges a mail
 *   to one user and the reader sees one sender;
 * - a group (`From: undisclosed:;`, RFC 6854): it names no mailbox to charge or to judge.
 * No From field at all, or one with no address, passes here and is refused by checkHeaderFrom
 * as missing. The run order is this check first, then checkHeaderFrom against the envelope.
 */
import { showForReply, type GateDecision } from './gate.js';
import type { SmtpReply } from './recipient.js';

/** The header From as the raw header block has it. */
export interface FromFieldFacts {
  /** How many From fields the top-level header has. */
  readonly fields: number;
  /** The mailboxes of the first From field, in order. */
  readonly addresses: readonly string[];
  /** The display names of the groups in the first From field. */
  readonly groups: readonly string[];
}

export function checkOneFrom(from: FromFieldFacts): GateDecision {
  if (from.fields > 1) return refuse(`the header has ${from.fields} From fields; RFC 5322 section 3.6 allows one, naming one address`);
  if (from.groups.length > 0) {
    const group = from.groups[0] ?? '';
    return refuse(`header From is a group (${showForReply(group)}:;), not one address; it must be the envelope sender alone`);
  }
  if (from.addresses.length > 1) {
    const shown = from.addresses.slice(0, 3).map((a) => `<${showForReply(a)}>`).join(', ');
    const more = from.addresses.length > 3 ? ', ...' : '';
    return refuse(`header From names ${from.addresses.length} addresses (${shown}${more}); it must name exactly one, the envelope sender`);
  }
  return { ok: true };
}

function refuse(text: string): GateDecision {
  return { ok: false, reason: 'from-not-one', reply: notOneReply(text) };
}

function notOneReply(text: string): SmtpReply {
  return { code: 550, enhanced: '5.7.1', text: `Message refused: ${text}`, errorCode: 'M2S_POLICY_FROM_NOT_ONE' };
}
