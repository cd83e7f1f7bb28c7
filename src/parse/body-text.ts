/*
 * body-text.ts - turns decoded mail text into SMS-ready text (SPEC 5: "Whitespace normalised;
 * signatures after `-- ` dropped").
 *
 * Promise: pure string functions, no I/O. Every character an SMS would waste on layout goes:
 * - line ends become LF; tabs, no-break and other Unicode spaces become one space; runs of
 *   spaces collapse; each line is trimmed; blank lines at the ends go and inner runs of blank
 *   lines shrink to one (a paragraph break is kept: on a phone it still reads as one);
 * - invisible characters (zero-width space/joiners, BOM, soft hyphen) are removed;
 * - text is put in Unicode NFC, so `e` + combining acute becomes `é`, which GSM 03.38 has;
 * - everything from the first signature separator line `-- ` (RFC 3676 §4.3) on is dropped;
 * - U+FFFD, which the decoder puts where bytes are not text in the declared charset (an unknown
 *   charset is read as UTF-8), becomes `?`: the reader sees the gap either way, and one U+FFFD
 *   would force the whole SMS into UCS-2, halving what it holds (SPEC 6).
 * HTML is made text in html-text.ts, quoted replies are dropped in quoted-reply.ts.
 */

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const HORIZONTAL_SPACE = /[\t\v\f \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;
/** RFC 3676 §4.3: "-- " alone on a line; many clients strip the trailing space, that is not accepted. */
const SIGNATURE_SEPARATOR = '-- ';
const UNDECODABLE = /\uFFFD/g;

/** Cuts the text at the first signature separator line. */
export function dropSignature(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.replace(/\r$/, '') === SIGNATURE_SEPARATOR);
  return at < 0 ? text : lines.slice(0, at).join('\n');
}

/** Normalises whitespace of multi-line text as described above. */
export function normaliseWhitespace(text: string): string {
  const lines = text
    .normalize('NFC')
    .replace(UNDECODABLE, '?')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(INVISIBLE, '')
    .split('\n')
    .map((line) => line.replace(HORIZONTAL_SPACE, ' ').trim());
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
