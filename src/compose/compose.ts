/*
 * compose.ts - the SMS text a mail makes, and the mail's priority and report requests.
 *
 * Promise: pure functions over ParsedMail (whose text is already decoded, cleaned, signature-free
 * and without quoted reply material, see parse/body-text.ts and parse/quoted-reply.ts). Modes (SPEC 5, seed 003 §3.1 and §7):
 * - `subject+body` (default): subject and body both present -> `(subject) body`, as seed 003's
 *   example "(This is my message in the subject) This is my message"; only one present -> that one.
 * - `body`: the subject is ignored. `subject`: the body and attachments are ignored.
 * The body is the mail's text followed by the text of each text/plain attachment, in order,
 * one per line (seed 003 §3.1: "Plain text MIME attachments are also supported").
 * The account's appended text (seed 003 §11) goes last, on a line of its own: a disclaimer or
 * company name reads as a footer on the phone, and a line break costs one character, as a space
 * does. A mail with no text of its own is `empty` even when there is appended text: an SMS of
 * only a disclaimer is never sent.
 * HTML-only mails: the parse stage already supplies text taken from the HTML (ParsedMail
 * `textFromHtml`), so compose treats it as the body.
 */
import type { ParsedMail } from '../parse/types.js';

export type ComposeMode = 'subject+body' | 'body' | 'subject';

export interface ComposeOptions {
  readonly mode: ComposeMode;
  /** The account's appended text; blank means none. */
  readonly append?: string;
}

export type ComposeResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: 'empty' };

export function composeText(mail: ParsedMail, options: ComposeOptions): ComposeResult {
  const subject = mail.subject?.trim() || undefined;
  const body = bodyOf(mail);
  const text = pick(options.mode, subject, body);
  if (text === undefined) return { ok: false, reason: 'empty' };
  const append = options.append?.trim();
  return { ok: true, text: append ? `${text}\n${append}` : text };
}

function pick(mode: ComposeMode, subject: string | undefined, body: string | undefined): string | undefined {
  switch (mode) {
    case 'subject':
      return subject;
    case 'body':
      return body;
    case 'subject+body':
      return subject !== undefined && body !== undefined ? `(${subject}) ${body}` : (subject ?? body);
  }
}

/** The mail's text and then each text/plain attachment's text, blank pieces left out. */
function bodyOf(mail: ParsedMail): string | undefined {
  const pieces = [mail.text, ...mail.attachments.map((a) => a.text)]
    .map((piece) => piece?.trim())
    .filter((piece): piece is string => piece !== undefined && piece !== '');
  return pieces.length > 0 ? pieces.join('\n') : undefined;
}

/**
 * SPEC 7 priority: 1 for `X-Priority: 1` (Outlook writes "1 (Highest)") or `Importance: high`
 * (RFC 2156 §5.3), else 0. Header names are the lower-case keys of ParsedMail.headers.
 */
export function priorityOf(headers: ReadonlyMap<string, string>): 0 | 1 {
  const xPriority = headers.get('x-priority')?.trim() ?? '';
  const importance = headers.get('importance')?.trim().toLowerCase() ?? '';
  return /^1(?!\d)/.test(xPriority) || importance === 'high' ? 1 : 0;
}

export interface NotifyRequest {
  /** Send a report when every segment is delivered. */
  readonly success: boolean;
  /** Send a report when the message fails or expires. */
  readonly failure: boolean;
}

/**
 * SPEC 8: a success report is requested by RCPT NOTIFY=SUCCESS (RFC 3461 §4.1) or by a
 * `Return-Receipt-To` or `Disposition-Notification-To` (RFC 8098 §2.1) header; failures are
 * reported unless NOTIFY=NEVER, which also silences the headers. `rcptNotify` is the upper-case
 * NOTIFY list of one recipient, absent when the client gave none. (Sending nothing to the null
 * sender is the report stage's rule.)
 */
export function notifyOf(headers: ReadonlyMap<string, string>, rcptNotify?: readonly string[]): NotifyRequest {
  const notify = new Set((rcptNotify ?? []).map((v) => v.toUpperCase()));
  if (notify.has('NEVER')) return { success: false, failure: false };
  const byHeader = nonBlank(headers.get('return-receipt-to')) || nonBlank(headers.get('disposition-notification-to'));
  return { success: notify.has('SUCCESS') || byHeader, failure: true };
}

function nonBlank(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
