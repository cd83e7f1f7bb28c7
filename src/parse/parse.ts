/*
 * parse.ts - reads a raw RFC 5322 message into ParsedMail with mailparser (the only importer).
 *
 * Promise: never throws. Any charset mailparser knows (UTF-8, ISO-8859-*, ISO-2022-JP, Shift_JIS
 * and more, via iconv-lite) and base64 / quoted-printable bodies and RFC 2047 words are decoded;
 * the text fields come out cleaned by body-text.ts. A message mailparser cannot read is
 * `{ ok: false, reason }`, for a 554 5.6.0 reply.
 *
 * Text choice (SPEC 5): multipart/alternative -> its text/plain part (mailparser's `text`).
 * HTML-only: mailparser converts a top-level text/html body with html-to-text; an HTML body
 * deeper in the tree that it leaves unconverted goes through body-text's minimal fallback.
 * Either way `textFromHtml` says so. Limit: html-to-text's defaults apply (80-column wrapping,
 * link targets in brackets); choosing SMS-friendly options is later work.
 * Text parts with Content-Disposition: attachment stay attachments, their text decoded from the
 * part's charset with the platform TextDecoder (full ICU), UTF-8 when the charset is unknown.
 */
import { simpleParser, type Attachment, type HeaderLines } from 'mailparser';
import { cleanBodyText, cleanLine, htmlToPlainText } from './body-text.js';
import type { ParsedAttachment, ParsedMail } from './types.js';

export type ParseResult = { readonly ok: true; readonly mail: ParsedMail } | { readonly ok: false; readonly reason: string };

const PARSER_OPTIONS = { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true } as const;

export async function parseMail(raw: Buffer): Promise<ParseResult> {
  try {
    const parsed = await simpleParser(raw, PARSER_OPTIONS);
    const html = typeof parsed.html === 'string' ? parsed.html : undefined;
    const headers = headerMap(parsed.headerLines);
    const fromHtml = html !== undefined && (parsed.text === undefined || isHtmlRoot(headers));
    const body = parsed.text ?? (html === undefined ? undefined : htmlToPlainText(html));
    const mail: ParsedMail = {
      subject: blankToUndefined(cleanLine(parsed.subject ?? '')),
      text: blankToUndefined(cleanBodyText(body ?? '')),
      textFromHtml: fromHtml,
      html,
      from: parsed.from?.value[0]?.address || undefined,
      messageId: parsed.messageId,
      headers,
      attachments: parsed.attachments.map(toAttachment),
    };
    return { ok: true, mail };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Top-level header fields, unfolded (RFC 5322 §2.2.3), first occurrence of each name. */
function headerMap(lines: HeaderLines): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const { key, line } of lines) {
    const name = key.toLowerCase();
    if (map.has(name)) continue;
    const colon = line.indexOf(':');
    map.set(name, line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
  }
  return map;
}

function isHtmlRoot(headers: ReadonlyMap<string, string>): boolean {
  return /^\s*text\/html\b/i.test(headers.get('content-type') ?? '');
}

function toAttachment(att: Attachment): ParsedAttachment {
  const contentType = att.contentType.toLowerCase();
  const base = { contentType, size: att.size, ...(att.filename ? { filename: att.filename } : {}) };
  if (contentType !== 'text/plain') return base;
  return { ...base, text: cleanBodyText(decodeText(att.content, charsetOf(att))) };
}

function charsetOf(att: Attachment): string | undefined {
  const value = att.headers.get('content-type');
  if (typeof value !== 'object' || value === null || !('params' in value)) return undefined;
  const charset = (value.params as Record<string, string | undefined>)['charset'];
  return charset?.trim() || undefined;
}

function decodeText(content: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(content);
  } catch {
    return new TextDecoder('utf-8').decode(content);
  }
}

function blankToUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}
