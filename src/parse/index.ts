/*
 * parse/index.ts - the parse stage's public API: raw message in, ParsedMail out (SPEC 5).
 */
export { parseMail } from './parse.js';
export type { ParseResult } from './parse.js';
export { cleanBodyText, cleanLine, dropSignature, normaliseWhitespace } from './body-text.js';
export { htmlToSmsText, nestsDeeperThan, MAX_NESTING } from './html-text.js';
export { dropQuotedReply, mailKind } from './quoted-reply.js';
export type { MailKind } from './quoted-reply.js';
export type { FromField, ParsedMail, ParsedAttachment, IgnoredAttachment } from './types.js';
