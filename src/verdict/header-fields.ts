/*
 * header-fields.ts - the header fields of a raw mail, in order (pure).
 *
 * Promise: reads only the header section (RFC 5322 §2.1: up to the first empty line) and unfolds
 * each field (§2.2.3). Works on CRLF and bare-LF mail alike.
 */

export interface HeaderField {
  /** Lower-cased field name. */
  readonly name: string;
  /** Unfolded value after the colon, as latin1 text (headers are 7-bit; RFC 6532 bytes pass through). */
  readonly value: string;
}

/** Offset of the empty line ending the header section, or raw.length when there is none. */
function headerSectionEnd(raw: Buffer): number {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) return i + 1;
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 1;
  }
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) return 0;
  return raw.length;
}

/** One line from `from`: returns the offset after its line ending. */
function lineEnd(raw: Buffer, from: number, limit: number): number {
  const nl = raw.indexOf(0x0a, from);
  return nl < 0 || nl >= limit ? limit : nl + 1;
}

export function readHeaderFields(raw: Buffer): HeaderField[] {
  const limit = headerSectionEnd(raw);
  const fields: HeaderField[] = [];
  let pos = 0;
  while (pos < limit) {
    const start = pos;
    let end = lineEnd(raw, pos, limit);
    // continuation lines start with WSP (RFC 5322 §2.2.3)
    while (end < limit && (raw[end] === 0x20 || raw[end] === 0x09)) end = lineEnd(raw, end, limit);
    pos = end;
    const text = raw.toString('latin1', start, end);
    const colon = text.indexOf(':');
    if (colon <= 0) continue; // not a field (mbox "From " line, garbage): skipped
    const value = text.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n$/, '');
    fields.push({ name: text.slice(0, colon).trim().toLowerCase(), value });
  }
  return fields;
}
