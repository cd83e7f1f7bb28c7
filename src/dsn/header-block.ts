/*
 * header-block.ts - the header block of a mail as it arrived, kept with its queue messages for
 * the text/rfc822-headers part of a delivery status notification (SPEC 8, RFC 6522 §4).
 *
 * Pure. The block is everything before the first empty line (RFC 5322 §2.1), decoded as UTF-8
 * (RFC 6532 headers; a stray 8-bit byte of another charset becomes U+FFFD). A block longer than
 * `maxBytes` is cut after the last whole field that fits, so the part never holds half a field;
 * the DSN says what it needs in its own fields, the block is for the sender's eyes.
 */

/** Enough for the Received chain of a mail that crossed a few relays. */
export const MAX_HEADER_BLOCK_BYTES = 32 * 1024;

export function headerBlockOf(raw: Buffer, maxBytes: number = MAX_HEADER_BLOCK_BYTES): string {
  const end = endOfHeaders(raw);
  const block = raw.subarray(0, end).toString('utf8');
  if (Buffer.byteLength(block) <= maxBytes) return block;
  const lines = block.split(/\r?\n/);
  const kept: string[] = [];
  let size = 0;
  let field: string[] = [];
  const flush = (): boolean => {
    const bytes = field.reduce((n, l) => n + Buffer.byteLength(l) + 2, 0);
    if (size + bytes > maxBytes) return false;
    kept.push(...field);
    size += bytes;
    field = [];
    return true;
  };
  for (const line of lines) {
    // A line that starts with white space continues the field before it (RFC 5322 §2.2.3).
    if (field.length > 0 && !/^[ \t]/.test(line) && !flush()) break;
    field.push(line);
  }
  if (field.length > 0) flush();
  return kept.join('\r\n');
}

/** Offset of the empty line that ends the header block (CRLF or bare LF), or the end of the mail. */
function endOfHeaders(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  if (raw.subarray(0, 2).toString() === '\r\n' || raw.subarray(0, 1).toString() === '\n') return 0;
  return ends.length === 0 ? raw.length : Math.min(...ends);
}
