/*
 * transliterate.ts - the account option `transliterate` (SPEC 6): characters GSM 03.38 cannot
 * carry are replaced by their nearest GSM form, so a text that would go out as UCS-2 (70 units
 * per SMS) goes out as GSM 7-bit (160 septets) instead.
 *
 * Promise: transliterateToGsm() touches only characters outside the GSM 7-bit default alphabet
 * and its extension table (3GPP TS 23.038 §6.2.1, §6.2.1.1; gsm7.ts decides): `é`, `ü`, `Ç`,
 * `Å`, `Ø`, `æ`, `ß`, `€` and the GSM Greek capitals stay as they are. When every other
 * character has a GSM form it returns the new text, which is GSM-encodable, and each change;
 * when one has none (CJK, Cyrillic, emoji …) it returns ok: false naming it, and the caller keeps
 * the whole message in UCS-2 as before. Nothing is ever dropped or turned into '?', except the
 * invisible formatting characters of INVISIBLE below. GSM-encodable input comes back unchanged.
 * Pure and total: no I/O, never throws.
 *
 * How a character is mapped, first rule that gives GSM text wins, per grapheme base with its
 * combining marks (so a decomposed `e` + U+0301 is handled like `é`):
 *   1. its NFC form is GSM (a decomposed `é` becomes the GSM `é`);
 *   2. the hand table TABLE (quotes, dashes, ellipsis, spaces, ligatures, symbols, letters
 *      Unicode does not decompose such as `ł`, Hungarian `ő` → `ö`);
 *   3. combining marks peeled from the last one (Unicode canonical decomposition, UAX #15), each
 *      step recomposed: `ǘ` → `ü` (GSM), `ố` → `ô` → `o`, `ą` → `a`, `Ž` → `Z`;
 *   4. compatibility decomposition (NFKD), each piece mapped by 1-3: `ﬁ` → `fi`, `™` → `TM`,
 *      `½` → `1⁄2` → `1/2`, full-width `Ａ` → `A`, `²` → `2`.
 *
 * planTextTransliterated() is the decision the accept path and the preview share: with the
 * account's consent, the transliterated text is used when it needs no more segments than UCS-2
 * would (an ellipsis costs 3 septets but one UCS-2 unit, so a short text full of them could cost
 * more); otherwise the original text is planned as before.
 */
import { gsm7SeptetCount } from './gsm7.js';
import { planText, type PlanOptions, type TextPlan } from './segment.js';

/** One replaced character: `from` at UTF-16 `index` of the input became `to`. */
export interface CharMapping {
  readonly from: string;
  readonly to: string;
  readonly index: number;
}

export type TransliterationResult =
  | { readonly ok: true; readonly text: string; readonly changed: readonly CharMapping[] }
  | {
      readonly ok: false;
      /** The first character (with its combining marks) that has no GSM form. */
      readonly char: string;
      /** Its UTF-16 index in the input. */
      readonly index: number;
    };

/** Invisible formatting characters: they have no glyph, so no GSM form but nothing. */
const INVISIBLE = ['\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'];

/**
 * Characters whose nearest GSM form Unicode's decompositions do not give (or give worse).
 * Every key is outside GSM and every value is GSM text (a unit test checks both).
 */
const TABLE: ReadonlyMap<string, string> = new Map<string, string>([
  // Single quotes, apostrophes, primes and the grave and acute accents on their own.
  ...pairs('\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a\u0060\u00b4\u02b9\u02bb\u02bc\u02c8', "'"),
  // Double quotes, double primes and guillemets.
  ...pairs('\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u02ba\u3003', '"'),
  // Hyphens, dashes, minus, bullets used as list marks.
  ...pairs('\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u2022\u2023\u25e6\u2219', '-'),
  ['\u00b7', '.'], // middle dot
  ['\u2026', '...'],
  // Space-like characters that NFKD leaves alone; line and paragraph separators.
  ['\t', ' '],
  ['\u2028', '\n'],
  ['\u2029', '\n'],
  ['\u0085', '\n'],
  ...INVISIBLE.map((c): [string, string] => [c, '']),
  // Letters without a canonical decomposition.
  ['\u0142', 'l'], ['\u0141', 'L'], // ł Ł
  ['\u0111', 'd'], ['\u0110', 'D'], // đ Đ
  ['\u00f0', 'd'], ['\u00d0', 'D'], // ð Ð
  ['\u00fe', 'th'], ['\u00de', 'Th'], // þ Þ
  ['\u0127', 'h'], ['\u0126', 'H'], // ħ Ħ
  ['\u0131', 'i'], ['\u0138', 'k'], // dotless ı, kra ĸ
  ['\u0140', 'l'], ['\u013f', 'L'], // ŀ Ŀ (NFKD would give l·)
  ['\u014b', 'n'], ['\u014a', 'N'], // ŋ Ŋ
  ['\u0167', 't'], ['\u0166', 'T'], // ŧ Ŧ
  ['\u0192', 'f'], // ƒ
  ['\u0153', 'oe'], ['\u0152', 'OE'], // œ Œ
  ['\u00b5', 'u'], ['\u03bc', 'u'], // micro sign and Greek mu as a unit prefix: µs → us
  // Hungarian double acute: the umlaut GSM has is nearer than the bare vowel.
  ['\u0151', '\u00f6'], ['\u0150', '\u00d6'], ['\u0171', '\u00fc'], ['\u0170', '\u00dc'],
  // Greek capitals drawn like Latin ones (the GSM Greek capitals Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ stay).
  ...[...'ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ'].map((c, i): [string, string] => [c, 'ABEZHIKMNOPTYX'.charAt(i)]),
  // Symbols.
  ['\u00a9', '(c)'], ['\u00ae', '(R)'], ['\u2117', '(P)'],
  ['\u00b0', 'deg'], // NFKD turns ℃ into °C, so it ends as degC
  ['\u00d7', 'x'], ['\u00f7', '/'], ['\u2044', '/'], ['\u2215', '/'],
  ['\u00b1', '+/-'], ['\u2264', '<='], ['\u2265', '>='], ['\u2260', '!='], ['\u2248', '~'],
  ['\u2192', '->'], ['\u2190', '<-'], ['\u2194', '<->'], ['\u21d2', '=>'],
  ['\u00a2', 'c'], ['\u00a6', '|'], ['\u02c6', '^'], ['\u02dc', '~'],
  ['\u2030', '0/00'],
]);

function pairs(chars: string, to: string): Array<[string, string]> {
  return [...chars].map((c) => [c, to]);
}

const isGsm = (text: string): boolean => gsm7SeptetCount(text) !== undefined;

/** A base character with the combining marks after it, or a run of marks with no base. */
const CLUSTER = /\P{M}\p{M}*|\p{M}+/gu;
const MARK = /^\p{M}$/u;

/** Replaces every non-GSM character by its nearest GSM form, or names one that has none. */
export function transliterateToGsm(text: string): TransliterationResult {
  if (isGsm(text)) return { ok: true, text, changed: [] };
  const changed: CharMapping[] = [];
  let out = '';
  for (const match of text.matchAll(CLUSTER)) {
    const cluster = match[0];
    if (isGsm(cluster)) {
      out += cluster;
      continue;
    }
    const to = mapCluster(cluster);
    if (to === undefined) return { ok: false, char: cluster, index: match.index };
    changed.push({ from: cluster, to, index: match.index });
    out += to;
  }
  return { ok: true, text: out, changed };
}

/** Rules 1-4 of the header for one cluster that is not GSM as it stands. */
function mapCluster(cluster: string): string | undefined {
  const direct = mapCanonical(cluster);
  if (direct !== undefined) return direct;
  const compat = cluster.normalize('NFKD');
  if (compat === cluster.normalize('NFD')) return undefined;
  let out = '';
  for (const [piece] of compat.matchAll(CLUSTER)) {
    const to = isGsm(piece) ? piece : mapCanonical(piece);
    if (to === undefined) return undefined;
    out += to;
  }
  return out;
}

/** Rules 1-3: NFC, the table, then combining marks peeled one by one from the last. */
function mapCanonical(cluster: string): string | undefined {
  const composed = cluster.normalize('NFC');
  const known = gsmOrTable(composed);
  if (known !== undefined) return known;
  const [base = '', ...marks] = [...composed.normalize('NFD')];
  if (MARK.test(base)) return undefined; // marks with nothing to sit on: no GSM form
  for (let keep = marks.length - 1; keep >= 0; keep -= 1) {
    const found = gsmOrTable((base + marks.slice(0, keep).join('')).normalize('NFC'));
    if (found !== undefined) return found;
  }
  return undefined;
}

function gsmOrTable(text: string): string | undefined {
  return isGsm(text) ? text : TABLE.get(text);
}

/** The table, for tests and docs: non-GSM character → GSM text. */
export function transliterationTable(): ReadonlyMap<string, string> {
  return TABLE;
}

/** Each distinct mapping once, with how often it occurred, in order of first occurrence. */
export function summarizeMappings(changed: readonly CharMapping[]): ReadonlyArray<{ readonly from: string; readonly to: string; readonly count: number }> {
  const seen = new Map<string, { from: string; to: string; count: number }>();
  for (const { from, to } of changed) {
    const key = `${from}\u0000${to}`;
    const entry = seen.get(key);
    if (entry) entry.count += 1;
    else seen.set(key, { from, to, count: 1 });
  }
  return [...seen.values()];
}

/** Invisible characters are named, so a preview line shows what happened to them. */
const INVISIBLE_SHOWN = /[\p{Z}\p{C}]/gu;
const shown = (s: string): string =>
  s === ''
    ? '(nothing)'
    : s.replace(INVISIBLE_SHOWN, (c) => (c === ' ' ? '<space>' : `<U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`));

/** `“→" ×2, –→-, …→...` for a preview line; at most `max` distinct mappings, then `…`. */
export function formatMappings(changed: readonly CharMapping[], max = 8): string {
  const all = summarizeMappings(changed);
  const items = all.slice(0, max).map(({ from, to, count }) => `${shown(from)}→${shown(to)}${count > 1 ? ` ×${count}` : ''}`);
  return all.length > max ? `${items.join(', ')}, …` : items.join(', ');
}

export interface TransliteratePlanOptions extends PlanOptions {
  /** The account's `transliterate` choice. */
  readonly transliterate: boolean;
}

/** Why the original text was planned as it is. */
export type NotTransliterated =
  | { readonly reason: 'not-asked' | 'already-gsm' }
  | { readonly reason: 'no-gsm-form'; readonly char: string; readonly index: number }
  /** The GSM form would need more segments than UCS-2 does (or does not fit where UCS-2 does). */
  | { readonly reason: 'no-saving'; readonly gsmSegments: number; readonly changed: readonly CharMapping[] };

export type TransliteratedPlan =
  | {
      readonly transliterated: true;
      /** The text the plan cuts: the GSM form. */
      readonly text: string;
      readonly plan: TextPlan;
      readonly changed: readonly CharMapping[];
      /** Segments the original text would have needed in UCS-2. */
      readonly ucs2Segments: number;
    }
  | ({ readonly transliterated: false; readonly text: string; readonly plan: TextPlan } & NotTransliterated);

const segmentsOf = (plan: TextPlan): number => (plan.ok ? plan.parts.length : plan.needed);

/**
 * planText() with the account's transliteration (SPEC 6): the GSM form when the account asks,
 * the text is not GSM already, every character has a GSM form, and it needs no more segments
 * than UCS-2; else the original text, planned exactly as planText() plans it.
 */
export function planTextTransliterated(text: string, opts: TransliteratePlanOptions): TransliteratedPlan {
  const planOpts: PlanOptions = { long: opts.long, maxSegments: opts.maxSegments };
  const plan = planText(text, planOpts);
  if (!opts.transliterate) return { transliterated: false, text, plan, reason: 'not-asked' };
  if (plan.encoding === 'gsm7') return { transliterated: false, text, plan, reason: 'already-gsm' };
  const result = transliterateToGsm(text);
  if (!result.ok) return { transliterated: false, text, plan, reason: 'no-gsm-form', char: result.char, index: result.index };
  const gsmPlan = planText(result.text, planOpts);
  const ucs2Segments = segmentsOf(plan);
  const better = (gsmPlan.ok || !plan.ok) && segmentsOf(gsmPlan) <= ucs2Segments;
  if (!better) return { transliterated: false, text, plan, reason: 'no-saving', gsmSegments: segmentsOf(gsmPlan), changed: result.changed };
  return { transliterated: true, text: result.text, plan: gsmPlan, changed: result.changed, ucs2Segments };
}
