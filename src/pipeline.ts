/*
 * pipeline.ts - the accept path: SMTP hooks to the queue. The one file that knows the order of
 * the stages (SPEC 1): policy gate -> parse -> verdict -> condense -> compose -> encode+segment -> queue.
 *
 * Promise: a 250 is only ever sent after queue.enqueue() resolved, i.e. after the SQLite commit
 * (SPEC 7); every refusal is an SmtpError from smtp/replies with its precise code. The drafting
 * half (parse, condense, compose, encode) is draft.ts, shared with `mail2sms preview` and the
 * verdict@ reply, so they show exactly what intake would send.
 *
 * The gate, first refusal wins (STYLE 1, Postfix's restriction order):
 * - connect: the client address must be in some account's allowed CIDRs (554 5.7.1);
 * - MAIL: the sender must be a user (550 5.7.1), authenticated if it has a password (530 5.7.0),
 *   and the client inside its own account's CIDRs (550 5.7.1);
 * - RCPT: the gateway's domain and the account's numbering plan (550 5.1.2 / 553 5.1.3), the
 *   closed user group (550 5.7.1), the 24-hour quota in SMS segments (452 4.2.2), then one token
 *   of the user's rate bucket (451 4.7.1), taken last so a refused recipient costs none;
 * - DATA: header From exactly one address (one From field, no list, no group) and equal to the
 *   sender (550 5.7.1), the verdict against the user's minimums
 *   (550 5.7.1 / 5.7.26, DNS temperror 451 4.7.0), the segment limit (552 5.3.4, only for an
 *   account with `overflow: refuse`; otherwise the text is cut to fit), and the quota
 *   with this mail's segments counted for every destination (452 4.2.2).
 * Accounts and users are read from the store at MAIL and held for that transaction only:
 * `mail2sms user set` in another process takes effect with the sender's next mail.
 *
 * `verdict@<domain>` (SPEC 3) takes the whole path except the queue: the reply, rendered by
 * dsn/verdict-report, goes back through the smarthost, and the 250 says so.
 * A mail with `x-smpp-short-message` (SPEC 5 encapsulation mode) is sent as its headers describe,
 * body ignored; `<account name>@<domain>` is then a recipient whose number is in
 * `x-smpp-destination-addr`. Condensing, transliteration and truncation happen in draft.planSms.
 */
import { parseEmail, type Account, type AccountStore, type User } from './accounts/index.js';
import { encapsulatedPart, encapsulationOf, notifyOf, priorityOf, type EncapsulatedSms } from './compose/index.js';
import { headerBlockOf, renderVerdictReport, type VerdictReportInput } from './dsn/index.js';
import { explainDraft, planSms, segmentsBefore, type DraftResult, type SmsDraft } from './draft.js';
import type { Encoding } from './encode/index.js';
import { reasonOf } from './log/index.js';
import { NO_COUNTERS, type GatewayCounters } from './metrics/index.js';
import { memoize } from './memo.js';
import { parseMail, type ParsedMail } from './parse/index.js';

export { draftSms, explainDraft, planSms, segmentsBefore, type CondensedInfo, type DraftResult, type SmsDraft, type TruncatedInfo } from './draft.js';
import {
  checkClosedUserGroup,
  checkHeaderFrom,
  checkMailFrom,
  checkOneFrom,
  checkSenderKnown,
  checkQuota,
  checkRecipient,
  createRateLimiter,
  EXPECTED_SHAPE,
  firstRefusal,
  parseRecipient,
  ipAllowed,
  parseCidr,
  rateLimitReply,
  splitAddress,
  type Cidr,
  type GateDecision,
} from './policy/index.js';
import type { NewMessage, NewPart, Queue } from './queue/index.js';
import { replies, type Envelope, type EnvelopeRecipient, type SmtpHooks, type SmtpSession } from './smtp/index.js';
import type { SmtpError } from './errors.js';
import { decide, type Verdict, type Verifier } from './verdict/index.js';


const DAY_MS = 24 * 60 * 60 * 1000;
export const VERDICT_LOCAL_PART = 'verdict';


/** How mail is judged (SPEC 3): `trusted-ip` checks nothing beyond the client address. */
export type VerdictSettings = { readonly mode: 'trusted-ip' } | { readonly mode: 'dns' | 'records' | 'relay'; readonly verifier: Verifier };

export interface ReplyMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface PipelineOptions {
  readonly domains: readonly string[];
  readonly hostname: string;
  readonly accounts: AccountStore;
  readonly queue: Queue;
  readonly verdict: VerdictSettings;
  /** Sends a mail through the smarthost; absent when none is configured (verdict@ is then refused). */
  readonly sendMail?: (mail: ReplyMail) => Promise<void>;
  /** Delivery status notifications are sent (a smarthost is configured): keep the mail's header block for them. */
  readonly notices?: boolean;
  /** Called after each commit so the dispatcher sends at once. */
  readonly wake: () => void;
  /** Some route can set the sender (SMPP): verdict@ says whether a user's sender ID is used. */
  readonly setsSender?: boolean;
  /** Committed mails counted next to their `mail.queued` line (/metrics). */
  readonly counters?: GatewayCounters;
  readonly now?: () => number;
}

export function createPipeline(options: PipelineOptions): SmtpHooks {
  const { accounts, queue } = options;
  const now = options.now ?? Date.now;
  const limiter = createRateLimiter();
  /** Segments of each user's mails accepted at DATA and not yet committed (quota, SPEC 2). */
  const inFlight = new Map<string, number>();
  /** `<name>@<one of the gateway's domains>`, any case: a service address, not a number. */
  const isMailbox = (address: string, name: string): boolean => {
    const { localPart, domain } = splitAddress(address);
    return localPart.toLowerCase() === name.toLowerCase() && options.domains.some((d) => d.toLowerCase() === domain.toLowerCase());
  };
  const isVerdict = (address: string): boolean => isMailbox(address, VERDICT_LOCAL_PART);
  // The sender the gate let through at MAIL, per connection, for the RCPTs and DATA of that
  // transaction (one store read per mail, not one per command); dropped when the connection closes.
  const senders = new Map<string, { readonly mailFrom: string; readonly user: User; readonly account: Account }>();
  const senderOf = (session: SmtpSession): { user: User; account: Account } => {
    const held = senders.get(session.sid);
    if (held && held.mailFrom === session.mailFrom) return held;
    const found = session.mailFrom ? accounts.findSender(session.mailFrom) : undefined;
    if (!found) throw replies.fromReply(refusalOf(checkSenderKnown(session.mailFrom ?? '', false)));
    return found;
  };

  return {
    async checkConnection(session: SmtpSession): Promise<void> {
      if (!ipAllowed(session.clientAddress, cidrsOf(accounts.allowedNetworks()))) throw replies.clientNotAllowed(session.clientAddress);
    },

    async authenticate(username: string, password: string): Promise<boolean> {
      return accounts.verifyPassword(username, password);
    },

    async checkSender(address: string, session: SmtpSession): Promise<void> {
      const found = address ? accounts.findSender(address) : undefined;
      const user = found && { hasPassword: found.user.passwordHash !== undefined, account: found.account.name, allowed: cidrsOf(found.account.allowIps) };
      senders.delete(session.sid);
      enforce(checkMailFrom({ mailFrom: address, user, clientAddress: session.clientAddress, authenticatedAs: session.user }));
      if (found) senders.set(session.sid, { mailFrom: address, ...found });
    },

    connectionClosed(sid: string): void {
      senders.delete(sid);
    },

    async checkRecipient(address: string, session: SmtpSession): Promise<{ number: string }> {
      const { user, account } = senderOf(session);
      const verdictBefore = session.recipients.some(isVerdict);
      if (isVerdict(address)) {
        if (!options.sendMail) throw replies.verdictNoSmarthost();
        if (session.recipientCount > 0 && !verdictBefore) throw replies.verdictNotAlone();
        return { number: '' };
      }
      if (verdictBefore) throw replies.verdictNotAlone();
      const at = now();
      // Seed 003 §3.2: `<account>@<domain>` (e.g. mycorp@) names no number; the mail must carry
      // it in x-smpp-destination-addr, checked at DATA (encapsulatedSms).
      const headerDestination = isMailbox(address, account.name);
      const result = headerDestination ? { ok: true as const, number: '' } : checkRecipient(address, { domains: options.domains, plan: account.plan });
      if (!result.ok) throw replies.fromReply(result.reply);
      if (!headerDestination) enforce(checkClosedUserGroup(result.number, account.cug));
      enforce(quotaCheck(user, account, at, 0));
      const limit = { rate: user.tps ?? account.tps, burst: account.burst };
      if (!limiter.take(user.email, at, limit)) throw replies.fromReply(rateLimitReply(user.email, limit.rate, limit.burst));
      return { number: result.number };
    },

    async acceptMessage(envelope: Envelope, raw: Buffer, session: SmtpSession): Promise<{ qids: readonly string[]; reply?: string }> {
      const { user, account } = senderOf(session);
      const parsed = await parseMail(raw);
      if (!parsed.ok) throw replies.unparseable(parsed.reason);
      for (const a of parsed.mail.ignoredAttachments) {
        session.log.info({ event: 'mail.attachment.ignored', user: user.email, contentType: a.contentType, filename: a.filename, size: a.size }, 'attachment not sent by SMS (only text/plain is)');
      }
      enforce(firstRefusal([() => checkOneFrom(parsed.mail.fromField), () => checkHeaderFrom(parsed.mail.from, envelope.mailFrom)]));
      const verdict = await judge(options.verdict, raw, envelope);
      if (envelope.rcptTo.some((r) => isVerdict(r.address))) {
        const draft = planSms(parsed.mail, account);
        return { qids: [], reply: await replyWithVerdict(options, { user, account, verdict, draft, mail: parsed.mail, clientAddress: envelope.clientAddress }, session) };
      }
      if (verdict.kind === 'temperror') throw replies.verdictTemporary(verdict.reason);
      if (verdict.kind === 'judged') {
        const decision = decide(verdict, user);
        if (!decision.ok) throw replies.verdictFailed(user.email, decision.failed);
      }
      const at = now();
      const encapsulated = encapsulatedSms(parsed.mail, envelope, account, at);
      // What a delivery status notification shows of the original (SPEC 8): its header block,
      // read and stored only when notifications can be sent at all.
      const accepted: Accepted = { envelope, session, user, account, at, ...(options.notices ? { headers: headerBlockOf(raw) } : {}) };
      let messages: NewMessage[];
      let text: string;
      if (encapsulated) {
        messages = encapsulated.map(({ rcpt, to, sms }) => newMessage(accepted, parsed.mail, rcpt, to, sms.encoding, [encapsulatedNewPart(sms)], false, sms.validityMinutes));
        text = `[x-smpp-short-message, ${encapsulated[0]?.sms.encoding ?? ''}]`;
      } else {
        // An ordinary mail: composed and cut into parts only now (an encapsulated one never is).
        const draft = planSms(parsed.mail, account);
        if (!draft.ok) throw draft.error;
        const d = draft.draft;
        logDraft(d, session, user, account);
        messages = envelope.rcptTo.map((rcpt) => newMessage(accepted, d.mail, rcpt, rcpt.number, d.encoding, d.parts.map((part) => ({ text: part })), d.concatenated, undefined));
        text = d.text;
      }
      const adding = messages.reduce((n, m) => n + m.parts.length, 0);
      enforce(quotaCheck(user, account, at, adding));
      // Held until committed, so a second mail of the same user checked meanwhile counts them.
      const key = user.email;
      inFlight.set(key, (inFlight.get(key) ?? 0) + adding);
      try {
        return { qids: await commit(messages, session, user, account, text) };
      } finally {
        const left = (inFlight.get(key) ?? adding) - adding;
        if (left > 0) inFlight.set(key, left);
        else inFlight.delete(key);
      }
    },
  };

  /** The 24-hour quota (SPEC 2); the queue is only asked when there is a quota to count against. */
  function quotaCheck(user: User, account: Account, at: number, adding: number): GateDecision {
    const quota = user.quota ?? account.quota;
    if (quota === null) return { ok: true };
    const used = queue.segmentsSince(user.email, at - DAY_MS) + (inFlight.get(user.email) ?? 0);
    return checkQuota({ user: user.email, used, quota, adding });
  }

  async function commit(messages: readonly NewMessage[], session: SmtpSession, user: User, account: Account, text: string): Promise<string[]> {
    let qids: string[];
    try {
      qids = await queue.enqueue(messages);
    } catch {
      // The queue logged the failed commit; the client is told to retry.
      throw replies.queueUnavailable();
    }
    options.wake();
    (options.counters ?? NO_COUNTERS).queued(messages.length, messages.reduce((n, m) => n + m.parts.length, 0));
    const first = messages[0];
    session.log.info(
      { event: 'mail.queued', qids, user: user.email, account: account.name, to: messages.map((m) => m.to), encoding: first?.encoding, segments: first?.parts.length },
      `queued ${qids.length} message(s) of ${first?.parts.length ?? 0} segment(s)`,
    );
    session.log.debug({ event: 'mail.text', qids, text }, 'SMS text');
    return qids;
  }
}

/**
 * What condensing and truncation changed, as Postfix's cleanup logs what it rewrote: counts and
 * rule names at info, the left-out text itself only at debug (STYLE 5: message text at debug).
 */
function logDraft(d: SmsDraft, session: SmtpSession, user: User, account: Account): void {
  const c = d.condensed;
  if (c && c.dropped.length > 0) {
    const rules = [...new Set(c.dropped.map((x) => x.rule))];
    const chars = c.dropped.reduce((n, x) => n + x.text.length, 0);
    session.log.info(
      { event: 'mail.condensed', user: user.email, account: account.name, recogniser: c.recogniser, dropped: c.dropped.length, droppedChars: chars, rules },
      `condensed${c.recogniser ? ` as ${c.recogniser}` : ''}: ${c.dropped.length} piece(s), ${chars} character(s) left out`,
    );
    session.log.debug({ event: 'mail.condensed.text', dropped: c.dropped }, 'text left out by condensing');
  }
  const t = d.truncated;
  if (t) {
    session.log.info(
      { event: 'mail.truncated', user: user.email, account: account.name, droppedChars: t.dropped, needed: t.needed, max: t.max },
      `text cut to ${t.max} segment(s) (it needed ${t.needed}): ${t.dropped} character(s) dropped`,
    );
  }
}

/** One accepted mail, as every queue message made of it shares it. */
interface Accepted {
  readonly envelope: Envelope;
  readonly session: SmtpSession;
  readonly user: User;
  readonly account: Account;
  readonly at: number;
  /** The mail's header block, for the third part of a DSN (RFC 3462 text/rfc822-headers). */
  readonly headers?: string;
}

function newMessage(
  { envelope, session, user, account, at, headers }: Accepted,
  mail: ParsedMail,
  rcpt: EnvelopeRecipient,
  to: string,
  encoding: Encoding,
  parts: readonly NewPart[],
  concatenated: boolean,
  validityMinutes: number | undefined,
): NewMessage {
  const notify = notifyOf(mail.headers, rcpt.notify);
  const validUntil = at + Math.min(account.validityMs, validityMinutes === undefined ? Infinity : validityMinutes * 60_000);
  const replyAddr = replyAddrOf(mail, envelope.mailFrom);
  return {
    mailId: mail.messageId ?? `${envelope.sid}@${session.helo || 'unknown'}`,
    // SPEC 10: what an answer to this alert by SMS is threaded to and addressed to.
    ...(mail.messageId === undefined ? {} : { messageId: mail.messageId }),
    ...(mail.subject === undefined ? {} : { subject: mail.subject }),
    ...(replyAddr === '' ? {} : { replyAddr }),
    to,
    from: envelope.mailFrom,
    account: account.name,
    userEmail: user.email,
    encoding,
    parts,
    concatenated,
    priority: priorityOf(mail.headers),
    validUntil,
    statusReport: notify.success,
    notify,
    ...(user.senderId === undefined ? {} : { senderId: user.senderId }),
    original: { rcpt: rcpt.address, ...(rcpt.orcpt ? { orcpt: rcpt.orcpt } : {}), ...(envelope.envid ? { envid: envelope.envid } : {}), ...(headers === undefined ? {} : { headers }) },
  };
}

/**
 * Where an answer to the mail goes (SPEC 10): its Reply-To address when that is an address, else
 * its header From (which the gate has checked is the sender), else the envelope sender.
 */
function replyAddrOf(mail: ParsedMail, mailFrom: string): string {
  if (mail.replyTo !== undefined && parseEmail(mail.replyTo).ok) return mail.replyTo;
  return mail.from ?? mailFrom;
}

/**
 * SPEC 5 encapsulation mode (seed 003 §3.2): with `x-smpp-short-message` the body is ignored and
 * each recipient gets the SMS the x-smpp-* headers describe; undefined for an ordinary mail. A
 * recipient `<account>@<domain>` (not a number) takes its destination from
 * `x-smpp-destination-addr`, checked here against the account's plan and closed user group as
 * a number recipient is at RCPT. Any wrong header: 554 5.6.0 naming it.
 */
function encapsulatedSms(mail: ParsedMail, envelope: Envelope, account: Account, at: number): Array<{ rcpt: EnvelopeRecipient; to: string; sms: EncapsulatedSms }> | undefined {
  const out: Array<{ rcpt: EnvelopeRecipient; to: string; sms: EncapsulatedSms }> = [];
  for (const rcpt of envelope.rcptTo) {
    const result = encapsulationOf(mail.headers, { isNumber: rcpt.number !== '' }, at);
    if (result.kind === 'none') {
      if (rcpt.number === '') throw replies.badEncapsulation('x-smpp-destination-addr', `is missing: mail to ${rcpt.address} takes its destination and text from the x-smpp-* headers`);
      return undefined;
    }
    if (result.kind === 'invalid') throw replies.badEncapsulation(result.header, result.reason);
    const to = result.sms.destination ?? rcpt.number;
    if (result.sms.destination !== undefined) {
      const parsed = parseRecipient(to, account.plan);
      if (!parsed.ok) throw replies.badEncapsulation('x-smpp-destination-addr', `is not a number of this account's plan: ${EXPECTED_SHAPE[account.plan]}`);
      enforce(checkClosedUserGroup(parsed.number, account.cug));
      out.push({ rcpt, to: parsed.number, sms: result.sms });
    } else {
      out.push({ rcpt, to, sms: result.sms });
    }
  }
  return out;
}

/** The queue part of an encapsulated SMS: its user data, UDH, DCS, PID and validity as given. */
function encapsulatedNewPart(sms: EncapsulatedSms): NewPart {
  const { destination: _destination, statusReport: _statusReport, encoding: _encoding, ...part } = encapsulatedPart(sms, '', false);
  return part;
}

/** The verdict of one mail, or 'not-checked' under `verdict: trusted-ip`. */
async function judge(settings: VerdictSettings, raw: Buffer, envelope: Envelope): Promise<Verdict | { readonly kind: 'not-checked' }> {
  if (settings.mode === 'trusted-ip') return { kind: 'not-checked' };
  return settings.verifier.verify({ raw, clientAddress: envelope.clientAddress, helo: envelope.helo, mailFrom: envelope.mailFrom });
}

interface VerdictFacts {
  readonly user: User;
  readonly account: Account;
  readonly verdict: Verdict | { readonly kind: 'not-checked' };
  readonly draft: DraftResult;
  readonly mail: ParsedMail;
  readonly clientAddress: string;
}

/** verdict@ (SPEC 3): judge as for an SMS, send nothing, reply by mail; the 250 text. */
async function replyWithVerdict(options: PipelineOptions, facts: VerdictFacts, session: SmtpSession): Promise<string> {
  const { user, account, verdict, draft } = facts;
  const reasons: string[] = [];
  if (verdict.kind === 'temperror') reasons.push(`a DNS lookup failed temporarily (${verdict.reason}); a real mail would be retried`);
  if (verdict.kind === 'judged') {
    const decision = decide(verdict, user);
    if (!decision.ok) reasons.push(...decision.failed.map((f) => `${f.criterion.toUpperCase()} ${f.judgment} is below your minimum ${f.minimum}: ${f.reason}`));
  }
  if (!draft.ok) reasons.push(draft.error.message.replace(/^\d\.\d+\.\d+ /, ''));
  const input: VerdictReportInput = {
    hostname: options.hostname,
    mode: options.verdict.mode,
    user: { email: user.email, account: user.account, dkim: user.dkim, spf: user.spf, dmarc: user.dmarc, quota: user.quota ?? null, ...(user.senderId ? { senderId: user.senderId, senderIdUsed: options.setsSender === true } : {}) },
    account: { compose: account.compose, long: account.long, plan: account.plan, maxSegments: account.maxSegments, quota: account.quota, cug: account.cug, append: account.append },
    checks: verdict.kind === 'not-checked' ? { kind: 'not-checked', reason: `Under verdict trusted-ip the client address (${facts.clientAddress}) is the whole check.` } : verdict,
    decision: { send: reasons.length === 0, reasons },
    preview: draft.ok ? { ok: true, text: draft.draft.text, encoding: draft.draft.encoding, segments: draft.draft.parts.length, work: explainDraft(draft.draft, segmentsBefore(draft.draft, account)) } : { ok: false, reason: draft.error.message.replace(/^\d\.\d+\.\d+ /, '') },
    original: { ...(facts.mail.subject ? { subject: facts.mail.subject } : {}), ...(facts.mail.messageId ? { messageId: facts.mail.messageId } : {}) },
  };
  const report = renderVerdictReport(input);
  try {
    await options.sendMail!({ to: user.email, ...report });
  } catch (err) {
    session.log.warn({ event: 'verdict.reply.failed', user: user.email, ...reasonOf(err) }, 'verdict reply could not be sent');
    throw replies.verdictReplyFailed((err as Error).message);
  }
  session.log.info({ event: 'verdict.replied', user: user.email, send: input.decision.send }, `verdict sent to ${user.email}`);
  return replies.verdictSent(user.email);
}

/** Each CIDR text parsed once: every connection and every MAIL checks them, accounts seldom change. */
const parseCidrOnce = memoize(parseCidr, 4096);
function cidrsOf(texts: readonly string[]): Cidr[] {
  return texts.flatMap((c) => parseCidrOnce(c) ?? []);
}

function refusalOf(decision: GateDecision): Extract<GateDecision, { ok: false }>['reply'] {
  if (decision.ok) throw new Error('gate decision is not a refusal');
  return decision.reply;
}

function enforce(decision: GateDecision): void {
  if (!decision.ok) throw replies.fromReply(decision.reply);
}
