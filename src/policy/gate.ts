/*
 * gate.ts - the policy gate's decisions about a sender and a destination (SPEC 2, 4, 7).
 *
 * Promise: pure. Each check takes plain facts the caller looked up (does the user exist, its
 * CIDR list, segments used in the last 24 hours...) and returns ok or a refusal carrying an
 * SmtpReply as data, which smtp/replies.ts `fromReply` turns into the SmtpError sent to the
 * client. The wording lives in the reply builders below and nowhere else. No clock, no I/O.
 *
 * Where each check runs (the caller's order; as in Postfix's restriction lists, the first
 * refusal wins, `firstRefusal`):
 * - MAIL FROM: `checkMailFrom` = known sender, then SMTP AUTH (RFC 4954), then the client IP
 *   against the sender's account CIDR list (seed 003 §12: "transmitter IP address, SMTP envelope
 *   originator and recipient values are compared with the allowed values on an account").
 * - RCPT TO: `checkClosedUserGroup` (seed 003 §9), `checkQuota` with adding = 0 (seed 003 §10).
 * - After DATA: `checkOneFrom` (header-from.ts), `checkHeaderFrom`, `checkQuota` with the segments
 *   the mail would add.
 *
 * Addresses and numbers shown in reply text come from the client: they are cut and kept to
 * printable ASCII (`showForReply`) so a reply stays one ASCII line (RFC 5321 §4.2, RFC 6531 §3.7.4).
 */
import { ipAllowed, type Cidr } from './cidr.js';
import type { SmtpReply } from './recipient.js';

export type GateRefusal =
  | 'unknown-sender'
  | 'null-sender'
  | 'client-not-allowed'
  | 'from-mismatch'
  | 'from-not-one'
  | 'auth-required'
  | 'auth-mismatch'
  | 'outside-cug'
  | 'quota';

export type GateDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: GateRefusal; readonly reply: SmtpReply };

const OK: GateDecision = { ok: true };

const refuse = (reason: GateRefusal, reply: SmtpReply): GateDecision => ({ ok: false, reason, reply });

/** Runs checks in order and returns the first refusal (later checks are not run), else ok. */
export function firstRefusal(checks: ReadonlyArray<() => GateDecision>): GateDecision {
  for (const check of checks) {
    const decision = check();
    if (!decision.ok) return decision;
  }
  return OK;
}

/**
 * The sender must be a user of this gateway (SPEC 2: a user is a sender email address). The
 * null sender `<>` (RFC 5321 §4.5.5, '' here) is refused too: every SMS is sent on behalf of a
 * user, and `<>` is nobody.
 */
export function checkSenderKnown(mailFrom: string, userExists: boolean): GateDecision {
  if (mailFrom === '') return refuse('null-sender', nullSenderReply());
  return userExists ? OK : refuse('unknown-sender', unknownSenderReply(mailFrom));
}

/**
 * The client address must be inside the sender's account CIDR list. An empty list allows no
 * client (as at connect time): an account open to all says so with 0.0.0.0/0 and ::/0.
 */
export function checkClientForAccount(clientAddress: string, account: string, allowed: readonly Cidr[]): GateDecision {
  return ipAllowed(clientAddress, allowed) ? OK : refuse('client-not-allowed', clientNotAllowedForAccountReply(clientAddress, account));
}

/**
 * SMTP AUTH per user (SPEC 2: optional credentials). A session authenticated as another user is
 * refused whatever the sender's settings (RFC 4954 §4: a server may refuse a MAIL FROM that the
 * authenticated identity is not allowed to use); a sender with a password needs the session to be
 * authenticated as it (RFC 4954 §6: 530 5.7.0). Both names are compared without regard to case.
 */
export function checkAuthentication(sender: string, hasPassword: boolean, authenticatedAs: string | undefined): GateDecision {
  if (authenticatedAs !== undefined && authenticatedAs.toLowerCase() !== sender.toLowerCase()) {
    return refuse('auth-mismatch', authMismatchReply(authenticatedAs, sender));
  }
  if (hasPassword && authenticatedAs === undefined) return refuse('auth-required', authRequiredReply());
  return OK;
}

export interface MailFromFacts {
  /** MAIL FROM; '' for the null sender. */
  readonly mailFrom: string;
  /** The user with that address, undefined when there is none. */
  readonly user: { readonly hasPassword: boolean; readonly account: string; readonly allowed: readonly Cidr[] } | undefined;
  readonly clientAddress: string;
  /** The SMTP AUTH identity of the session (lower case), undefined when not authenticated. */
  readonly authenticatedAs: string | undefined;
}

/** The MAIL FROM decisions in their order: known sender, AUTH, then the account's client IPs. */
export function checkMailFrom(facts: MailFromFacts): GateDecision {
  const { user } = facts;
  if (user === undefined) return checkSenderKnown(facts.mailFrom, false);
  return firstRefusal([
    () => checkSenderKnown(facts.mailFrom, true),
    () => checkAuthentication(facts.mailFrom, user.hasPassword, facts.authenticatedAs),
    () => checkClientForAccount(facts.clientAddress, user.account, user.allowed),
  ]);
}

/**
 * The header From (its first address, RFC 5322 §3.6.2) must be the envelope sender, so the
 * user a mail is charged to is also who the reader sees. Compared without regard to case; a
 * mail with no From address is a mismatch.
 */
export function checkHeaderFrom(headerFrom: string | undefined, envelopeSender: string): GateDecision {
  const same = headerFrom !== undefined && headerFrom.trim().toLowerCase() === envelopeSender.toLowerCase();
  return same ? OK : refuse('from-mismatch', fromMismatchReply(headerFrom, envelopeSender));
}

/**
 * Closed user group (seed 003 §9): when the account lists numbers, only those may be sent to.
 * An empty list means the group is not enabled (the seed's default). Numbers are compared by
 * their digits, so `+447973100000` and `447973100000` are the same member.
 */
export function checkClosedUserGroup(number: string, cug: readonly string[]): GateDecision {
  if (cug.length === 0) return OK;
  const digits = onlyDigits(number);
  const member = digits !== '' && cug.some((m) => onlyDigits(m) === digits);
  return member ? OK : refuse('outside-cug', outsideCugReply(number));
}

export interface QuotaFacts {
  /** The user's address, named in the reply. */
  readonly user: string;
  /** SMS segments the user sent or queued in the last 24 hours (rolling window). */
  readonly used: number;
  /** The user's own quota, else the account default; null = no quota (seed 003 §10 default). */
  readonly quota: number | null;
  /** Segments this mail would add: 0 at RCPT time (only "is anything left"), the count after DATA. */
  readonly adding: number;
}

/**
 * Quota in SMS segments over a rolling 24 hours (SPEC 2, seed 003 §10). At RCPT (adding 0) a
 * user who has used the whole quota is refused; after DATA the mail must fit in what is left.
 * 452 4.2.2 is temporary: the window rolls on and the sending MTA retries later.
 */
export function checkQuota(facts: QuotaFacts): GateDecision {
  const { quota, used, adding } = facts;
  if (quota === null) return OK;
  if (adding <= 0) return used >= quota ? refuse('quota', quotaExhaustedReply(facts.user, used, quota)) : OK;
  return used + adding > quota ? refuse('quota', quotaTooSmallReply(facts.user, adding, Math.max(0, quota - used), quota)) : OK;
}

export function unknownSenderReply(sender: string): SmtpReply {
  return policyReply('M2S_POLICY_UNKNOWN_SENDER', `Sender <${showForReply(sender)}> is not a user of this gateway`);
}

export function nullSenderReply(): SmtpReply {
  return policyReply('M2S_POLICY_UNKNOWN_SENDER', 'The null sender <> cannot send SMS: nothing is sent except on behalf of a user of this gateway');
}

export function clientNotAllowedForAccountReply(clientAddress: string, account: string): SmtpReply {
  return policyReply(
    'M2S_POLICY_CLIENT_NOT_ALLOWED_FOR_ACCOUNT',
    `Client host ${showForReply(clientAddress)} is not allowed to send for account ${showForReply(account)}`,
  );
}

export function fromMismatchReply(headerFrom: string | undefined, envelopeSender: string): SmtpReply {
  const shown = headerFrom === undefined || headerFrom.trim() === '' ? 'is missing, it must be' : `<${showForReply(headerFrom)}> does not match`;
  return policyReply('M2S_POLICY_FROM_MISMATCH', `Message refused: header From ${shown} the envelope sender <${showForReply(envelopeSender)}>`);
}

/** RFC 4954 §6: "530 5.7.0 Authentication required". */
export function authRequiredReply(): SmtpReply {
  return { code: 530, enhanced: '5.7.0', text: 'Authentication required', errorCode: 'M2S_POLICY_AUTH_REQUIRED' };
}

export function authMismatchReply(authenticatedAs: string, sender: string): SmtpReply {
  return policyReply(
    'M2S_POLICY_AUTH_MISMATCH',
    `Sender <${showForReply(sender)}> refused: this session is authenticated as ${showForReply(authenticatedAs)}`,
  );
}

export function outsideCugReply(number: string): SmtpReply {
  return policyReply('M2S_POLICY_CUG', `Recipient refused: ${showForReply(number)} is outside this account's closed user group`);
}

/** RFC 3463 X.2.2 (mailbox full) is the temporary "over quota" status. */
export function quotaExhaustedReply(user: string, used: number, quota: number): SmtpReply {
  return quotaReply(`Quota exhausted: ${showForReply(user)} has used ${used} of ${quota} SMS segments in the last 24 hours`);
}

export function quotaTooSmallReply(user: string, adding: number, left: number, quota: number): SmtpReply {
  return quotaReply(
    `Quota exceeded: this mail needs ${adding} SMS segments and ${showForReply(user)} has ${left} of ${quota} left in the last 24 hours`,
  );
}

/**
 * A client-given value for reply text: cut to 254 characters (the longest address, RFC 5321
 * §4.5.3.1.3 less the brackets) and kept to printable ASCII; anything else shows as \uXXXX.
 */
export function showForReply(value: string): string {
  const cut = value.length > 254 ? `${value.slice(0, 254)}...` : value;
  return cut.replace(/[^\x20-\x7e]/gu, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** RFC 3463 X.7.1: delivery not authorized, message refused. */
function policyReply(errorCode: SmtpReply['errorCode'], text: string): SmtpReply {
  return { code: 550, enhanced: '5.7.1', text, errorCode };
}

function quotaReply(text: string): SmtpReply {
  return { code: 452, enhanced: '4.2.2', text, errorCode: 'M2S_POLICY_QUOTA' };
}

function onlyDigits(number: string): string {
  return number.replace(/\D/g, '');
}
