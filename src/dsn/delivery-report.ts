/*
 * delivery-report.ts - renders a delivery status notification (SPEC 8): an RFC 3464 report in
 * an RFC 6522 `multipart/report; report-type=delivery-status` mail, as raw RFC 5322 text.
 *
 * Pure: the recipient blocks (report-facts.ts), the times and a unique token come in; the mail
 * comes out. Three parts: a plain-text explanation, the `message/delivery-status` fields (one
 * per-message group, then one group per destination reported), and the original header block as
 * `text/rfc822-headers` (RFC 6522 §4: the original message or a part of it). Only the header
 * block is returned, whatever RET asked (RFC 3461 §4.3 RET=FULL is not honoured: the body
 * stays on the box); when the header block was not kept, a few fields rebuilt from the queue go
 * there and the part's description says so.
 *
 * Fields (RFC 3464 §2.2, §2.3): Reporting-MTA `dns; <hostname>`; Original-Envelope-Id when ENVID
 * was given; Arrival-Date; per destination Original-Recipient (ORCPT only), Final-Recipient,
 * Action, Status, Diagnostic-Code, Last-Attempt-Date, and Final-Log-ID (§2.3.9) with the queue
 * id, the id the gateway's log lines carry for that destination; `X-Mail2SMS-Route` names the
 * routes that sent it (an SMSC has no DNS name for Remote-MTA).
 *
 * The mail is an automatic reply (RFC 3834 §5 Auto-Submitted: auto-replied) threaded to the
 * original by In-Reply-To/References when it had a Message-ID. Every text that came from outside
 * (diagnostics, addresses, ENVID) is put on one line of printable ASCII, so no field can be
 * split or forged; lines stay far below RFC 5322's 998 octets. The header block part is the only
 * 8-bit text (a header block may hold RFC 6532 UTF-8), and its transfer encoding says so.
 */
import type { RecipientBlock } from './report-facts.js';

export interface DeliveryReportInput {
  /** The gateway's name (SPEC 12 `hostname:`): Reporting-MTA and the Message-ID's right side. */
  readonly hostname: string;
  /** The notice's From address. */
  readonly from: string;
  /** The envelope sender of the original mail, who is told. */
  readonly to: string;
  /** When the notice is made, ms. */
  readonly date: number;
  /** Unique per notice, [A-Za-z0-9._-]: Message-ID local part and MIME boundary. */
  readonly token: string;
  /** When the gateway accepted the mail, ms. */
  readonly arrivalDate: number;
  /** The original Message-ID (`<...>`), when the mail had one. */
  readonly originalMessageId?: string;
  /** RFC 3461 ENVID, when the client gave one. */
  readonly envid?: string;
  readonly recipients: readonly RecipientBlock[];
  /** The original header block, or fields rebuilt from the queue (`kept: false`). */
  readonly originalHeaders: { readonly kept: boolean; readonly text: string };
}

export interface DeliveryReport {
  readonly messageId: string;
  readonly subject: string;
  /** The whole mail, CRLF line ends. */
  readonly raw: string;
}

const CRLF = '\r\n';
/** Longest outside text put in a field or a line of the explanation. */
const MAX_TEXT = 400;

export function renderDeliveryReport(input: DeliveryReportInput): DeliveryReport {
  const token = input.token.replace(/[^A-Za-z0-9._-]/g, '');
  const messageId = `<${token}@${oneLine(input.hostname)}>`;
  const boundary = `=_mail2sms_${token}`;
  const subject = subjectOf(input.recipients);
  const original = input.originalMessageId !== undefined && /^<[^<>\s]+>$/.test(input.originalMessageId) ? input.originalMessageId : undefined;
  const headers = [
    `From: Mail Delivery System <${oneLine(input.from)}>`,
    `To: <${oneLine(input.to)}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(input.date)}`,
    `Message-ID: ${messageId}`,
    ...(original ? [`In-Reply-To: ${original}`, `References: ${original}`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;${CRLF} boundary="${boundary}"`,
  ];
  const headerPart = headerBlock(input.originalHeaders.text);
  const parts = [
    part(['Content-Description: Notification', 'Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: 7bit'], explanation(input, original)),
    part(['Content-Description: Delivery report', 'Content-Type: message/delivery-status'], deliveryStatus(input)),
    part(
      [
        `Content-Description: ${input.originalHeaders.kept ? 'Headers of the original mail' : 'Fields of the original mail rebuilt from the queue (its header block was not kept)'}`,
        'Content-Type: text/rfc822-headers',
        `Content-Transfer-Encoding: ${/[^\x00-\x7f]/.test(headerPart) ? '8bit' : '7bit'}`,
      ],
      headerPart,
    ),
  ];
  const body = [
    'This is a MIME-encapsulated delivery status notification.',
    '',
    ...parts.flatMap((p) => [`--${boundary}`, p]),
    `--${boundary}--`,
    '',
  ].join(CRLF);
  return { messageId, subject, raw: `${headers.join(CRLF)}${CRLF}${CRLF}${body}` };
}

function part(headers: readonly string[], content: string): string {
  return `${headers.join(CRLF)}${CRLF}${CRLF}${content}${CRLF}`;
}

/** The machine-readable part: per-message fields, then one group per destination (RFC 3464 §2.1). */
function deliveryStatus(input: DeliveryReportInput): string {
  const perMessage = [
    `Reporting-MTA: dns; ${oneLine(input.hostname)}`,
    ...(input.envid !== undefined ? [`Original-Envelope-Id: ${oneLine(input.envid)}`] : []),
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
  ];
  const groups = input.recipients.map((r) =>
    [
      ...(r.originalRecipient !== undefined ? [`Original-Recipient: ${addressField(r.originalRecipient)}`] : []),
      `Final-Recipient: rfc822; ${oneLine(r.finalRecipient)}`,
      `Action: ${r.action}`,
      `Status: ${r.status}`,
      ...(r.diagnostic !== undefined ? [`Diagnostic-Code: X-mail2sms; ${oneLine(r.diagnostic)}`] : []),
      ...(r.lastAttemptAt !== undefined ? [`Last-Attempt-Date: ${rfc5322Date(r.lastAttemptAt)}`] : []),
      `Final-Log-ID: ${oneLine(r.qid)}`,
      ...(r.routes.length > 0 ? [`X-Mail2SMS-Route: ${oneLine(r.routes.join(', '))}`] : []),
    ].join(CRLF),
  );
  return [perMessage.join(CRLF), ...groups].join(CRLF + CRLF);
}

/** ORCPT is `addr-type;address` (RFC 3461 §4.2); the field writes `addr-type; address`. */
function addressField(orcpt: string): string {
  const at = orcpt.indexOf(';');
  return at < 0 ? `rfc822; ${oneLine(orcpt)}` : `${oneLine(orcpt.slice(0, at))}; ${oneLine(orcpt.slice(at + 1))}`;
}

function subjectOf(recipients: readonly RecipientBlock[]): string {
  const kind = recipients.some((r) => r.action === 'failed') ? 'Failure' : recipients.every((r) => r.action === 'delivered') ? 'Success' : 'Relayed';
  const numbers = recipients.map((r) => oneLine(r.number));
  const named = numbers.length <= 3 ? numbers.join(', ') : `${numbers.slice(0, 3).join(', ')} and ${numbers.length - 3} more`;
  return `Delivery Status Notification (${kind}): SMS to ${named}`;
}

/** The human-readable part: one paragraph per destination. */
function explanation(input: DeliveryReportInput, original: string | undefined): string {
  const lines = [
    `This is the email-to-SMS gateway ${oneLine(input.hostname)} (mail2sms).`,
    `It reports on your mail${original ? ` ${original}` : ''} accepted ${rfc5322Date(input.arrivalDate)}.`,
    '',
  ];
  for (const r of input.recipients) lines.push(...paragraph(r), '');
  lines.push('The machine-readable report (RFC 3464) and the headers of your mail follow.');
  return lines.join(CRLF);
}

function paragraph(r: RecipientBlock): string[] {
  const lines = outcomeLines(r);
  if (r.coalesced === undefined) return lines;
  const into = oneLine(r.coalesced.into);
  return [
    ...lines,
    r.coalesced.reason === 'identical'
      ? `  Its text went out once for ${r.coalesced.count} identical messages to this number, as "(x${r.coalesced.count}) ...", in message ${into}; this is that SMS's outcome.`
      : `  It was held by the hourly cap of this number and counted in the summary SMS ${into} ("${r.coalesced.count} more alerts held, last: ..."); this is that SMS's outcome.`,
  ];
}

function outcomeLines(r: RecipientBlock): string[] {
  const number = oneLine(r.number);
  const part = r.part !== undefined && r.parts > 1 ? ` (part ${r.part} of ${r.parts})` : '';
  const said = r.diagnostic !== undefined ? `: ${oneLine(r.diagnostic)}` : '';
  switch (r.outcome) {
    case 'delivered':
      return [`DELIVERED to ${number}${r.deliveredAt !== undefined ? `: it reached the phone ${rfc5322Date(r.deliveredAt)}` : ''}.`];
    case 'relayed':
      return [
        `SENT to ${number}: the mobile network took it.`,
        r.reportMissing
          ? '  The network sent no delivery report by the end of the wait; it may or may not have reached the phone.'
          : '  No delivery report was asked for, so the network says no more.',
      ];
    case 'failed':
      return [`NOT DELIVERED to ${number}${part}${said}`, `  Status ${r.status}. It is not sent again.`];
    case 'expired':
      return [`NOT DELIVERED to ${number}${part}, its time ran out${said}`, `  Status ${r.status}. It is not sent again.`];
    case 'unknown':
      return [
        `MAYBE NOT DELIVERED to ${number}${part}: the modem or SMSC stopped answering while it was being sent${said}`,
        `  It may or may not have gone out, and it is not sent again (the account prefers a lost SMS to a duplicate). Status ${r.status}.`,
      ];
  }
}

/** The original header block, lines ending CRLF, no trailing blank line, each line cut to 998 octets. */
function headerBlock(text: string): string {
  return text
    .replace(/\r(?!\n)/g, '')
    .replace(/(\r?\n)+$/, '')
    .split(/\r?\n/)
    .map(cutLine)
    .join(CRLF);
}

/** RFC 5322 §2.1.1: no line longer than 998 octets (a header block from outside may break it). */
function cutLine(line: string): string {
  let cut = line;
  for (let bytes = Buffer.byteLength(cut); bytes > 998; bytes = Buffer.byteLength(cut)) {
    cut = cut.slice(0, Math.floor((cut.length * 998) / bytes));
  }
  return cut;
}

/** One line of printable ASCII: controls and line breaks become spaces, other characters '?'. */
export function oneLine(text: string): string {
  const flat = text.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').replace(/ {2,}/g, ' ').trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}...` : flat;
}

/** RFC 5322 §3.3 date-time in UTC: "Wed, 15 Jan 2025 09:00:00 +0000". */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}
