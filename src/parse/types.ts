/*
 * types.ts - ParsedMail, the value the parse stage hands to compose, verdict preview and
 * encapsulation (SPEC 5).
 *
 * Promise: plain data, nothing of mailparser's objects. Text fields are already decoded from
 * their transfer encoding and charset, whitespace-normalised and signature-free (body-text.ts).
 */

export interface ParsedAttachment {
  /** Lower-case MIME type, e.g. "text/plain". */
  readonly contentType: string;
  readonly filename?: string;
  /** Decoded size in bytes. */
  readonly size: number;
  /** For text/plain attachments: the content decoded from its charset and normalised. */
  readonly text?: string;
}

/** An attachment that adds nothing to the SMS (not text/plain), reported so the intake can log it. */
export interface IgnoredAttachment {
  readonly contentType: string;
  readonly filename?: string;
  /** Decoded size in bytes. */
  readonly size: number;
}

/** The top-level From field(s) of a mail, counted in the raw header block (RFC 5322 §3.6.2). */
export interface FromField {
  /** How many From fields the header has (one is allowed, RFC 5322 §3.6). */
  readonly fields: number;
  /** The mailboxes of the first From field, in order. */
  readonly addresses: readonly string[];
  /** The display names of the groups in the first From field (`undisclosed:;`). */
  readonly groups: readonly string[];
}

export interface ParsedMail {
  /** Subject, decoded (RFC 2047) and folded onto one line; undefined when absent or blank. */
  readonly subject: string | undefined;
  /**
   * Body text: the text/plain part(s) (for multipart/alternative, the text/plain alternative);
   * for an HTML-only mail, text taken from the HTML (see `textFromHtml`). Quoted reply material
   * is dropped (quoted-reply.ts). Undefined when blank.
   */
  readonly text: string | undefined;
  /** True when `text` was extracted from HTML because the mail had no text/plain body. */
  readonly textFromHtml: boolean;
  /** The HTML body as sent, if any. */
  readonly html: string | undefined;
  /** The first address of the header From (RFC 5322 §3.6.2), not the envelope sender. */
  readonly from: string | undefined;
  /**
   * The first mailbox of the header Reply-To (RFC 5322 §3.6.2: where the author wants replies),
   * members of a group included; undefined when absent or it names no address.
   */
  readonly replyTo: string | undefined;
  /** The header From as sent: how many From fields, the mailboxes and groups of the first (policy checkOneFrom). */
  readonly fromField: FromField;
  readonly messageId: string | undefined;
  /**
   * Top-level header fields by lower-case name, unfolded (RFC 5322 §2.2.3) and trimmed, not
   * decoded; the first occurrence wins. For x-smpp-*, X-Priority, Importance, Return-Receipt-To,
   * Disposition-Notification-To.
   */
  readonly headers: ReadonlyMap<string, string>;
  readonly attachments: readonly ParsedAttachment[];
  /**
   * The attachments whose content the SMS leaves out: every one that is not text/plain (images,
   * PDFs, octet-stream, HTML files, inline pictures of an HTML body), in mail order.
   */
  readonly ignoredAttachments: readonly IgnoredAttachment[];
}
