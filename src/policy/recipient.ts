/*
 * recipient.ts - decides whether one RCPT TO address is a destination this gateway serves.
 *
 * Promise: pure. The address is split at its last '@'; the domain must be one of the gateway's
 * domains (compared without regard to case, RFC 5321 §2.4) and the local part must be a number
 * of the account's numbering plan (numbering.ts). Anything else is refused at RCPT time with a
 * precise reply (SPEC 4), never dropped silently. There is no relaying: an address outside the
 * gateway's domains is always refused, whoever asks.
 *
 * The replies are plain data here ({ code, enhanced, text, errorCode }); smtp/replies.ts turns
 * them into SmtpError, so the wording lives in one place: the builders below.
 *
 * Limit: a bare mailbox with no domain (`RCPT TO:<postmaster>`) is refused as an unknown domain;
 * this box has no local mailboxes (RFC 5321 §4.5.1 expects postmaster on a full MTA).
 * Special mailboxes such as `verdict@` (SPEC 3) are the caller's to recognise before this check:
 * the result carries `localPart` and `domain` for that.
 */
import type { ErrorCode } from '../errors.js';
import { parseRecipient, type NumberingPlan } from './numbering.js';

/** An SMTP reply as data: RFC 5321 code, RFC 3463 enhanced status, text, registry code. */
export interface SmtpReply {
  readonly code: number;
  readonly enhanced: string;
  readonly text: string;
  readonly errorCode: ErrorCode;
}

export interface RecipientPolicy {
  readonly domains: readonly string[];
  readonly plan: NumberingPlan;
}

export type RecipientRefusal = 'unknown-domain' | 'bad-number' | 'fullwidth-plus';

export type RecipientCheck =
  | { readonly ok: true; readonly number: string; readonly localPart: string; readonly domain: string }
  | {
      readonly ok: false;
      readonly reason: RecipientRefusal;
      readonly localPart: string;
      readonly domain: string;
      readonly reply: SmtpReply & { readonly code: 550 | 553 };
    };

/** RFC 3463 §3.2 X.1.2: bad destination system address (not a domain of this gateway). */
export function unknownDomainReply(domain: string): SmtpReply & { code: 550 } {
  const shown = domain === '' ? 'an address without a domain' : `domain ${domain}`;
  return {
    code: 550,
    enhanced: '5.1.2',
    text: `Recipient refused: ${shown} is not served by this gateway (no relaying)`,
    errorCode: 'M2S_POLICY_UNKNOWN_DOMAIN',
  };
}

/** RFC 3463 §3.2 X.1.3: bad destination mailbox address syntax (not a number of the plan). */
export function badNumberReply(value: string, expected: string): SmtpReply & { code: 553 } {
  return {
    code: 553,
    enhanced: '5.1.3',
    text: `Recipient refused: ${quoteForReply(value)} is not a valid destination number; expected ${expected}`,
    errorCode: 'M2S_POLICY_BAD_NUMBER',
  };
}

/** Seed 000 §How to send (1): the first character must be a half-width '+'. */
export function fullwidthPlusReply(): SmtpReply & { code: 553 } {
  return {
    code: 553,
    enhanced: '5.1.3',
    text: "Recipient refused: the number starts with a full-width plus sign; use a half-width '+' (e.g. +818012345678)",
    errorCode: 'M2S_POLICY_FULLWIDTH_PLUS',
  };
}

/**
 * The refused value, quoted, cut to 64 characters and kept to printable ASCII (a reply line is
 * ASCII unless SMTPUTF8 was negotiated, RFC 6531 §3.7.4): anything else shows as \uXXXX.
 */
export function quoteForReply(value: string): string {
  const cut = value.length > 64 ? `${value.slice(0, 64)}...` : value;
  const ascii = cut.replace(/[^\x20-\x7e]|["\\]/gu, (ch) =>
    ch === '"' || ch === '\\' ? `\\${ch}` : `\\u${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
  return `"${ascii}"`;
}

export function splitAddress(address: string): { localPart: string; domain: string } {
  const at = address.lastIndexOf('@');
  return at < 0
    ? { localPart: address, domain: '' }
    : { localPart: address.slice(0, at), domain: address.slice(at + 1) };
}

export function checkRecipient(address: string, policy: RecipientPolicy): RecipientCheck {
  const { localPart, domain } = splitAddress(address);
  const wanted = domain.toLowerCase();
  if (wanted === '' || !policy.domains.some((d) => d.toLowerCase() === wanted)) {
    return { ok: false, reason: 'unknown-domain', localPart, domain, reply: unknownDomainReply(domain) };
  }
  const parsed = parseRecipient(localPart, policy.plan);
  if (parsed.ok) return { ok: true, number: parsed.number, localPart, domain };
  const reply = parsed.reason === 'fullwidth-plus' ? fullwidthPlusReply() : badNumberReply(localPart, parsed.expected);
  return { ok: false, reason: parsed.reason, localPart, domain, reply };
}
