/*
 * parse/index.ts - the parse stage's public API: raw message in, ParsedMail out (SPEC 5).
 */
export { parseMail } from './parse.js';
export type { ParseResult } from './parse.js';
export { cleanBodyText, cleanLine, dropSignature, normaliseWhitespace, htmlToPlainText } from './body-text.js';
export type { ParsedMail, ParsedAttachment } from './types.js';
