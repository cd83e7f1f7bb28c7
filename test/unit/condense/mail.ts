/*
 * mail.ts - builds a ParsedMail for the condensing tests, as the parse stage would hand it on.
 */
import type { ParsedMail } from '../../../src/parse/index.js';

export function mailOf(parts: { subject?: string; text?: string; headers?: Record<string, string>; from?: string }): ParsedMail {
  return {
    subject: parts.subject,
    text: parts.text,
    textFromHtml: false,
    html: undefined,
    from: parts.from ?? 'alerts@site.example',
    replyTo: undefined,
    fromField: { fields: 1, addresses: [parts.from ?? 'alerts@site.example'], groups: [] },
    messageId: undefined,
    headers: new Map(Object.entries(parts.headers ?? {})),
    attachments: [],
    ignoredAttachments: [],
  };
}
