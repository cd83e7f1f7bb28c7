/*
 * mail-plan.ts - where a received SMS is mailed and what the mail says (SPEC 10). Pure: the
 * SMS, the alert it may answer and the addresses come in; the mail, or why it is held, comes out.
 *
 * Who gets it:
 * - The number received an alert within that alert's account's reply window: the alert's sender
 *   (its Reply-To, else its From), threaded to the alert (In-Reply-To and References = the
 *   alert's Message-ID when the alert mail had one; Subject `Re: <the alert's subject>`), and
 *   the account's inbound address as well when the account says reply-to-alert-sender no.
 * - Otherwise (no alert, or older than the window): the inbound address of the account that
 *   last sent to the number, else the box-wide `inbound:` address, else the `default` account's;
 *   with none of these the SMS is held (kept, shown by `inbox`, logged).
 *
 * The mail is From `+<number>@<first domain>` (the `+` kept, so a reply by mail goes back as an
 * SMS through the normal intake rules); an alphanumeric sender gives `<name>@<first domain>`
 * with the name made a valid local part, which cannot be answered and says so. The body is the
 * text, then a short block: who sent it, when the SMSC stamped it, which route took it, missing
 * parts, flash. It is an automatic message (RFC 3834 Auto-Submitted: auto-generated).
 * An address in one of the gateway's own domains is never mailed to (it would come back as an
 * SMS: a loop); with no other address the SMS is held.
 */
import type { Account } from '../accounts/index.js';
import type { Encoding } from '../encode/index.js';
import type { AlertRef } from '../queue/index.js';

/** A received SMS as the inbound table keeps it. */
export interface InboundSms {
  readonly id: string;
  readonly route: string;
  readonly sender: string;
  readonly senderKind: 'international' | 'national' | 'alphanumeric';
  readonly encoding: Encoding;
  readonly text: string;
  readonly dataHex?: string;
  readonly partsTotal: number;
  /** Part numbers that never came (the wait ran out); absent when complete. */
  readonly partsMissing?: readonly number[];
  readonly flash: boolean;
  /** The SMSC's timestamp, ms. */
  readonly sentAt?: number;
  readonly receivedAt: number;
}

/** An account's inbound settings (SPEC 12 --inbound, --reply-to-alert-sender, --reply-window). */
export type InboundSettings = Pick<Account, 'name' | 'inbound' | 'replyToAlertSender' | 'replyWindowMs'>;

export interface MailPlanInput {
  readonly sms: InboundSms;
  readonly now: number;
  /** The first of the config's domains. */
  readonly domain: string;
  /** All the config's domains: an address in one of them would turn the mail into an SMS again (a loop), so it is never mailed to. */
  readonly ownDomains?: readonly string[];
  /** The gateway's name: the Message-ID's right side. */
  readonly hostname: string;
  /** The last alert sent to the number (the queue's lastAlertTo). */
  readonly alert?: AlertRef | undefined;
  /** The settings of the alert's account. */
  readonly alertAccount?: InboundSettings | undefined;
  /** Config `inbound:`. */
  readonly boxInbound?: string | undefined;
  readonly defaultAccount?: InboundSettings | undefined;
}

export interface InboundMail {
  /** Header From and envelope sender. */
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly messageId: string;
  readonly inReplyTo?: string;
  readonly references?: string;
  readonly date: number;
  readonly headers: Readonly<Record<string, string>>;
}

export type MailPlan =
  | { readonly kind: 'mail'; readonly mail: InboundMail; readonly alertQid?: string; readonly why: string }
  | { readonly kind: 'held'; readonly reason: string };

export function planInboundMail(input: MailPlanInput): MailPlan {
  const { sms, alert, alertAccount } = input;
  const answering = alert !== undefined && alertAccount !== undefined && input.now - alert.createdAt <= alertAccount.replyWindowMs ? alert : undefined;
  const alertSender = answering?.replyAddr;
  let to: readonly string[];
  let why: string;
  if (alertSender !== undefined && alertAccount !== undefined) {
    const also = !alertAccount.replyToAlertSender && alertAccount.inbound !== null ? [alertAccount.inbound] : [];
    to = [alertSender, ...also];
    why = `answers alert ${answering?.qid ?? ''} of account ${alertAccount.name}${also.length > 0 ? ', and the account\'s inbound address' : ''}`;
  } else {
    const fallback = [
      alertAccount?.inbound != null ? { to: alertAccount.inbound, why: `inbound address of account ${alertAccount.name}, which last sent to ${sms.sender}` } : undefined,
      input.boxInbound !== undefined ? { to: input.boxInbound, why: 'the box-wide inbound address' } : undefined,
      input.defaultAccount?.inbound != null ? { to: input.defaultAccount.inbound, why: 'inbound address of account default' } : undefined,
    ].find((f) => f !== undefined);
    if (fallback === undefined) {
      return { kind: 'held', reason: `no alert was sent to ${sms.sender} within the reply window and no inbound address is set (account --inbound, or config inbound:)` };
    }
    to = [fallback.to];
    why = fallback.why;
  }
  const own = new Set((input.ownDomains ?? [input.domain]).map((d) => d.toLowerCase()));
  const looping = to.filter((a) => own.has(a.slice(a.lastIndexOf('@') + 1).toLowerCase()));
  to = to.filter((a) => !looping.includes(a));
  if (to.length === 0) return { kind: 'held', reason: `${looping.join(', ')} is an address of this gateway: mailing it would send the SMS back as an SMS` };
  const subject = answering?.subject !== undefined ? reSubject(answering.subject) : `SMS from ${sms.sender}`;
  const thread = answering?.messageId !== undefined && /^<[^<>\s]+>$/.test(answering.messageId) ? answering.messageId : undefined;
  const mail: InboundMail = {
    from: fromAddress(sms, input.domain),
    to: to.filter((a, i) => to.findIndex((b) => b.toLowerCase() === a.toLowerCase()) === i),
    subject,
    text: bodyOf(sms),
    messageId: `<${sms.id.replace(/[^A-Za-z0-9._-]/g, '')}.sms@${input.hostname}>`,
    ...(thread ? { inReplyTo: thread, references: thread } : {}),
    date: sms.receivedAt,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Mail2SMS-Inbound-Id': sms.id,
      'X-Mail2SMS-Route': oneLine(sms.route),
    },
  };
  return { kind: 'mail', mail, ...(answering ? { alertQid: answering.qid } : {}), why };
}

/** `Re: ` once, however many the alert's subject had. */
function reSubject(subject: string): string {
  const bare = oneLine(subject).replace(/^(\s*re\s*:\s*)+/i, '');
  return `Re: ${bare}`;
}

/** `+41791234567@domain`; an alphanumeric name as a dot-atom local part. */
export function fromAddress(sms: Pick<InboundSms, 'sender' | 'senderKind'>, domain: string): string {
  if (sms.senderKind !== 'alphanumeric') return `${sms.sender.replace(/[^+0-9]/g, '')}@${domain}`;
  const local = sms.sender
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+/g, '.')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.|\.$/g, '');
  return `${local === '' ? 'unknown-sender' : local}@${domain}`;
}

function bodyOf(sms: InboundSms): string {
  const content = sms.encoding === 'binary' ? `(8-bit data, ${(sms.dataHex ?? '').length / 2} octets: ${sms.dataHex ?? ''})` : sms.text;
  const notes = [
    `From ${sms.sender}${sms.senderKind === 'alphanumeric' ? ' (a name, not a number: this SMS cannot be answered)' : ''}`,
    sms.sentAt !== undefined ? `Sent ${isoMinute(sms.sentAt)} (SMSC time)` : undefined,
    `Received ${isoMinute(sms.receivedAt)} on route ${oneLine(sms.route)}`,
    sms.partsMissing !== undefined && sms.partsMissing.length > 0
      ? `Incomplete: part${sms.partsMissing.length > 1 ? 's' : ''} ${sms.partsMissing.join(', ')} of ${sms.partsTotal} never arrived`
      : sms.partsTotal > 1 ? `${sms.partsTotal} parts` : undefined,
    sms.flash ? 'A flash SMS (class 0)' : undefined,
  ].filter((n): n is string => n !== undefined);
  return `${content}\n\n-- \n${notes.join('\n')}\n`;
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, 400);
}
