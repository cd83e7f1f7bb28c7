/*
 * parse.ts - reads a raw RFC 5322 message into ParsedMail with mailparser (the only importer).
 *
 * Promise: never throws. Any charset mailparser knows (UTF-8, ISO-8859-*, Windows-125x,
 * ISO-2022-JP, Shift_JIS, EUC-JP, GB2312 and more, via iconv-lite) and base64 / quoted-printable
 * bodies and RFC 2047 words are decoded; the text fields come out cleaned by body-text.ts. A
 * message mailparser cannot read is `{ ok: false, reason }`, for a 554 5.6.0 reply.
 * Bad input is read as far as it goes, as mailparser does, never refused for its own sake:
 * - an unknown charset (`charset=x-unknown`) is decoded as UTF-8; bytes that are not UTF-8 come
 *   out as U+FFFD and then `?` (body-text.ts);
 * - base64 with characters outside its alphabet: they are skipped (RFC 2045 §6.8), so broken
 *   base64 gives whatever the remaining characters decode to;
 * - a multipart without its closing boundary ends at the end of the data (RFC 2046 §5.1.1 makes
 *   the close-delimiter mandatory; mailparser keeps what came before it).
 *
 * Text choice (SPEC 5): the text/plain body (for multipart/alternative, mailparser's `text` is
 * the text/plain alternative), unless it is blank; then the HTML body, made text by
 * html-text.ts with SMS-friendly options (mailparser's own conversion is switched off:
 * `skipHtmlToText`, it wraps at 80 columns and upper-cases headings), and `textFromHtml` says so.
 * Limit: when a mail has a text/plain body, HTML parts beside it outside an alternative are not
 * read (mailparser converts them only with its own options).
 * Quoted reply material is then dropped from the body (quoted-reply.ts), not from attachments.
 * Text parts with Content-Disposition: attachment stay attachments, their text decoded from the
 * part's charset with the platform TextDecoder (full ICU), UTF-8 when the charset is unknown.
 * Every other attachment is listed in `ignoredAttachments` for the intake to log.
 */
import { simpleParser, type AddressObject, type Attachment, type HeaderLines } from 'mailparser';
import { cleanBodyText, cleanLine, normaliseWhitespace } from './body-text.js';
import { htmlToSmsText } from './html-text.js';
import { dropQuotedReply, mailKind } from './quoted-reply.js';
import type { FromField, IgnoredAttachment, ParsedAttachment, ParsedMail } from './types.js';

export type ParseResult = { readonly ok: true; readonly mail: ParsedMail } | { readonly ok: false; readonly reason: string };

const PARSER_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true } as const;

export async function parseMail(raw: Buffer): Promise<ParseResult> {
  try {
    const parsed = await simpleParser(raw, PARSER_OPTIONS);
    const html = typeof parsed.html === 'string' ? parsed.html : undefined;
    const headers = headerMap(parsed.headerLines);
    const subject = blankToUndefined(cleanLine(parsed.subject ?? ''));
    const plain = parsed.text !== undefined && parsed.text.trim() !== '' ? parsed.text : undefined;
    const fromHtml = plain === undefined && html !== undefined;
    const body = cleanBodyText(plain ?? (html === undefined ? '' : htmlToSmsText(html)));
    const attachments = parsed.attachments.map(toAttachment);
    const mail: ParsedMail = {
      subject,
      text: blankToUndefined(normaliseWhitespace(dropQuotedReply(body, mailKind(subject)))),
      textFromHtml: fromHtml,
      html,
      from: parsed.from?.value[0]?.address || undefined,
      replyTo: firstMailbox(parsed.replyTo),
      fromField: fromFieldOf(parsed.headerLines, parsed.from),
      messageId: parsed.messageId,
      headers,
      attachments,
      ignoredAttachments: attachments.filter((a) => a.text === undefined).map(toIgnored),
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

/**
 * The header From as sent: mailparser keeps only the first of several From fields, so they are
 * counted in the raw header lines; the mailboxes and groups are those of the first field.
 */
function fromFieldOf(lines: HeaderLines, from: AddressObject | undefined): FromField {
  const fields = lines.filter((l) => l.key.toLowerCase() === 'from').length;
  const entries = from?.value ?? [];
  return {
    fields,
    addresses: entries.flatMap((e) => (e.group === undefined && e.address ? [e.address] : [])),
    groups: entries.flatMap((e) => (e.group === undefined ? [] : [e.name])),
  };
}

/** The first address of an address header, looking into groups (`team: a@x, b@y;`). */
function firstMailbox(header: AddressObject | undefined): string | undefined {
  const entries = (header?.value ?? []).flatMap((e) => (e.group === undefined ? [e] : e.group));
  return entries.find((e) => e.address)?.address || undefined;
}

function toIgnored(att: ParsedAttachment): IgnoredAttachment {
  return { contentType: att.contentType, size: att.size, ...(att.filename ? { filename: att.filename } : {}) };
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
