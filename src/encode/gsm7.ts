/*
 * gsm7.ts - the GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1,
 * §6.2.1.1), septet packing (§6.1.2.1) and unpacking.
 *
 * Promise: toGsm7Septets() either maps every character of a text to septets (an extension
 * character becomes ESC 0x1B + its code, two septets) or names the first character that has
 * no GSM 7-bit form; nothing is transliterated or dropped. fromGsm7Septets(toGsm7Septets(t))
 * gives t back, except that `ç` comes back as `Ç` (see the 0x09 note below). Pure: no I/O.
 *
 * Code 0x09. Unicode's GSM0338.TXT maps it to small c-cedilla (U+00E7, "ç"); 3GPP TS 23.038
 * as printed, Android's GsmAlphabet and oFono show capital C-cedilla (U+00C7, "Ç"). We decode
 * 0x09 as `Ç` (the standard and what most phones show) and encode both `Ç` and `ç` to 0x09, so
 * neither forces a whole message into UCS-2. docs/encoding.md records this choice.
 *
 * Line breaks: LF (0x0A) and CR (0x0D) are both in the default alphabet, one septet each, so
 * "\r\n" costs two septets; the caller decides whether to normalise line ends before counting.
 * Form feed is the extension code ESC 0x0A (two septets).
 *
 * Limits: only the default alphabet and its default extension table; national language
 * locking/single shift tables (23.038 §6.2.1.2, Annex A) are not used. Greek capitals that
 * share a Latin glyph (Α, Β …) are not folded onto Latin letters, and U+00A0 (which
 * GSM0338.TXT shows for a bare ESC) is not encodable: both go out as UCS-2.
 */

/** ESC: the next septet is read from the extension table (23.038 §6.2.1.1). */
export const GSM7_ESCAPE = 0x1b;

/**
 * The default alphabet, indexed by septet value (23.038 §6.2.1). Index 0x1B holds the
 * escape, which is never a character of its own; index 0x09 holds `Ç` (see header).
 */
const DEFAULT_ALPHABET =
  '@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5' +
  '\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u001b\u00c6\u00e6\u00df\u00c9' +
  ' !"#\u00a4%&\'()*+,-./0123456789:;<=>?' +
  '\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7' +
  '\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0';

/** The extension table: code after ESC -> character (23.038 §6.2.1.1, default table). */
const EXTENSION_TABLE: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '\u20ac'],
]);

/** character -> its septets: [code] for the default alphabet, [ESC, code] for an extension. */
const ENCODE_TABLE: ReadonlyMap<string, readonly number[]> = buildEncodeTable();

function buildEncodeTable(): Map<string, readonly number[]> {
  const table = new Map<string, readonly number[]>();
  for (let code = 0; code < 128; code += 1) {
    if (code === GSM7_ESCAPE) continue;
    table.set(DEFAULT_ALPHABET.charAt(code), [code]);
  }
  table.set('\u00e7', [0x09]); // small c-cedilla: Unicode's reading of 0x09 (see header)
  for (const [code, char] of EXTENSION_TABLE) table.set(char, [GSM7_ESCAPE, code]);
  return table;
}

export type Gsm7Result =
  | { readonly ok: true; readonly septets: readonly number[] }
  | {
      readonly ok: false;
      /** The first character (a whole code point) with no GSM 7-bit form. */
      readonly char: string;
      /** Its UTF-16 index in the text. */
      readonly index: number;
    };

/** Septets of one character: 1 (default alphabet), 2 (extension table) or 0 (not encodable). */
export function gsm7CharCost(char: string): 0 | 1 | 2 {
  const septets = ENCODE_TABLE.get(char);
  return septets === undefined ? 0 : septets.length === 2 ? 2 : 1;
}

/** Maps a text to GSM 7-bit septets, or names the first character that cannot be mapped. */
export function toGsm7Septets(text: string): Gsm7Result {
  const septets: number[] = [];
  let index = 0;
  for (const char of text) {
    const codes = ENCODE_TABLE.get(char);
    if (codes === undefined) return { ok: false, char, index };
    septets.push(...codes);
    index += char.length;
  }
  return { ok: true, septets };
}

/** Septets the text takes in GSM 7-bit (escape pairs count 2), or undefined if it cannot. */
export function gsm7SeptetCount(text: string): number | undefined {
  // Counted, not mapped: planning runs this on every mail, and a septet array per call costs more than the count.
  let count = 0;
  for (const char of text) {
    const codes = ENCODE_TABLE.get(char);
    if (codes === undefined) return undefined;
    count += codes.length;
  }
  return count;
}

/**
 * Septets back to text (23.038 §6.2.1.1). An ESC followed by a code the extension table does
 * not define shows the default-alphabet character for that code, as the clause asks of a
 * receiver; a trailing lone ESC shows as a space.
 */
export function fromGsm7Septets(septets: readonly number[]): string {
  let text = '';
  for (let i = 0; i < septets.length; i += 1) {
    const code = (septets[i] ?? 0) & 0x7f;
    if (code !== GSM7_ESCAPE) {
      text += DEFAULT_ALPHABET.charAt(code);
      continue;
    }
    i += 1;
    const next = septets[i];
    if (next === undefined) {
      text += ' ';
      break;
    }
    const extension = EXTENSION_TABLE.get(next & 0x7f);
    text += extension ?? (next === GSM7_ESCAPE ? ' ' : DEFAULT_ALPHABET.charAt(next & 0x7f));
  }
  return text;
}

/**
 * Packs septets into octets, least significant bit first (23.038 §6.1.2.1). `fillBits`
 * (0..6) zero bits come first, so that after a UDH the text starts on a septet boundary
 * (23.040 §9.2.3.24).
 */
export function packSeptets(septets: readonly number[], fillBits = 0): Uint8Array {
  const totalBits = fillBits + septets.length * 7;
  const octets = new Uint8Array(Math.ceil(totalBits / 8));
  septets.forEach((septet, i) => {
    const bit = fillBits + i * 7;
    const at = bit >> 3;
    const shift = bit & 7;
    const value = (septet & 0x7f) << shift;
    octets[at] = (octets[at] ?? 0) | (value & 0xff);
    if (shift > 1) octets[at + 1] = (octets[at + 1] ?? 0) | (value >> 8);
  });
  return octets;
}

/** Reads `count` septets from packed octets, skipping `fillBits` leading bits. */
export function unpackSeptets(octets: Uint8Array, count: number, fillBits = 0): number[] {
  const septets: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const bit = fillBits + i * 7;
    const at = bit >> 3;
    const pair = (octets[at] ?? 0) | ((octets[at + 1] ?? 0) << 8);
    septets.push((pair >> (bit & 7)) & 0x7f);
  }
  return septets;
}

/** Zero bits after a UDH of `udhOctets` (UDHL included) so the text starts on a septet boundary (23.040 §9.2.3.24). */
export function fillBitsAfterUdh(udhOctets: number): number {
  return (7 - ((udhOctets * 8) % 7)) % 7;
}

/**
 * The text of GSM 7-bit TP-UD (23.040 §9.2.3.16, .24): TP-UDL septets, the first of them taken by
 * the UDH (`udhOctets`, UDHL included, 0 without one) and its fill bits. Undefined when the
 * octets are fewer than TP-UDL needs or the UDH is longer than TP-UDL says.
 */
export function readSeptetText(userData: Uint8Array, udl: number, udhOctets: number): string | undefined {
  const fillBits = fillBitsAfterUdh(udhOctets);
  const count = udl - (udhOctets * 8 + fillBits) / 7;
  if (count < 0 || userData.length < Math.ceil((udl * 7) / 8)) return undefined;
  return fromGsm7Septets(unpackSeptets(userData.subarray(udhOctets), count, fillBits));
}

/** The 128 default-alphabet characters by septet value; ESC (0x1B) is undefined. */
export function gsm7DefaultChar(code: number): string | undefined {
  if (code < 0 || code > 127 || code === GSM7_ESCAPE) return undefined;
  return DEFAULT_ALPHABET.charAt(code);
}

/** The extension-table character for a code after ESC, if the table defines one. */
export function gsm7ExtensionChar(code: number): string | undefined {
  return EXTENSION_TABLE.get(code);
}
