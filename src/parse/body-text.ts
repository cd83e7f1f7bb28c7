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
 * - everything from the first signature separator line `-- ` (RFC 3676 §4.3) on is dropped.
 * `htmlToPlainText` is a minimal, safe fallback for HTML bodies mailparser did not convert:
 * tags stripped, script/style dropped, block ends as line breaks, common entities decoded.
 * Limit: it does not lay out tables or lists, nor keep link targets.
 */

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const HORIZONTAL_SPACE = /[\t\v\f \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;
/** RFC 3676 §4.3: "-- " alone on a line; many clients strip the trailing space, that is not accepted. */
const SIGNATURE_SEPARATOR = '-- ';

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

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Minimal HTML to text, for HTML bodies mailparser left unconverted. */
export function htmlToPlainText(html: string): string {
  const text = html
    .replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\b[^>]*>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote|pre|table)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/\r?\n/g, '\n');
  return decodeEntities(text);
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}
