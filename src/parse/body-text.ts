/*
 * body-text.ts - turns decoded mail text into SMS-ready text (SPEC 5: "Whitespace normalised;
 * signatures after `-- ` dropped").
 *
 * Promise: pure string functions, no I/O. Every character an SMS would waste on layout goes:
 * - line ends become LF; tabs, no-break and other Unicode spaces become one space; runs of
 *   spaces collapse; each line is trimmed; blank lines at the ends go and inner runs of blank
 *   lines shrink to one (a paragraph break is kept: on a phone it still reads as one);
 * - invisible characters (zero-width space/joiners, BOM, soft hyphen) are removed;
 * - control characters are removed (issue 12): C0 (U+0000-U+001F) other than the line ends and
 *   the tab, vertical tab and form feed, which are whitespace above; DEL (U+007F); C1
 *   (U+0080-U+009F) other than NEL (U+0085), a line end. A NUL or BEL from an RFC 2047 word or
 *   a broken base64 body would otherwise reach the phone, and GSM 03.38 has none of them (its
 *   0x00 is `@`), so one would also force the whole SMS into UCS-2;
 * - text is put in Unicode NFC, so `e` + combining acute becomes `é`, which GSM 03.38 has;
 * - everything from the first signature separator line `-- ` (RFC 3676 §4.3) on is dropped;
 * - U+FFFD, which the decoder puts where bytes are not text in the declared charset (an unknown
 *   charset is read as UTF-8), never reaches the SMS (issue 12): it is not in GSM 03.38, so one
 *   would force the whole SMS into UCS-2, 70 characters instead of 160 (SPEC 6). It becomes `?`
 *   rather than nothing, so the reader still sees where bytes were lost ("Temp?rature", not
 *   "Temprature"); also in a text that goes as UCS-2 anyway (Cyrillic, CJK), so one mail gives
 *   one text whatever else it holds.
 * HTML is made text in html-text.ts, quoted replies are dropped in quoted-reply.ts.
 */

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const HORIZONTAL_SPACE = /[\t\v\f \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;
/** RFC 3676 §4.3: "-- " alone on a line; many clients strip the trailing space, that is not accepted. */
const SIGNATURE_SEPARATOR = '-- ';
const UNDECODABLE = /\uFFFD/g;
/** C0 but TAB, LF, VT, FF, CR (whitespace, handled above); DEL; C1 but NEL (a line end). */
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;

/** Cuts the text at the first signature separator line. */
export function dropSignature(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.replace(/\r$/, '') === SIGNATURE_SEPARATOR);
  return at < 0 ? text : lines.slice(0, at).join('\n');
}

/** Printable ASCII and LF: already NFC, with no other line end, invisible or control character. */
const PLAIN = /^[\x20-\x7E\n]*$/;

/** Normalises whitespace of multi-line text as described above. */
export function normaliseWhitespace(text: string): string {
  const unified = PLAIN.test(text)
    ? text
    : text
        .normalize('NFC')
        .replace(UNDECODABLE, '?')
        .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
        .replace(INVISIBLE, '')
        .replace(CONTROL, '');
  const lines = unified.split('\n').map((line) => line.replace(HORIZONTAL_SPACE, ' ').trim());
  const kept: string[] = [];
  for (const line of lines) {
    if (line === '' && (kept.length === 0 || kept[kept.length - 1] === '')) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  return kept.join('\n');
}

/** The body text for an SMS: signature dropped, whitespace normalised. */
export function cleanBodyText(text: string): string {
  return normaliseWhitespace(dropSignature(text.replace(/\r\n?/g, '\n')));
}

/** One-line text (a subject): every run of whitespace, line breaks included, is one space. */
export function cleanLine(text: string): string {
  return normaliseWhitespace(text).replace(/\n+/g, ' ');
}
