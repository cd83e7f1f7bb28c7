/*
 * storm-text.ts - the text the dispatcher makes for alert storms (SPEC 7: a carrier's `(xN) …`,
 * the hourly summary), cut into parts by the encode stage with the account's long mode and max
 * segments. Pure.
 *
 * A text too long for the account's max segments is cut at a word boundary and ends with an
 * ellipsis, keeping its encoding: `…` (U+2026) in a UCS-2 text, `...` in a GSM 7-bit one, since
 * U+2026 is not in GSM 03.38 and would turn the whole SMS into UCS-2 (less than half the room).
 * Limit: this is the dispatcher's own cut; the encode stage has no truncating plan it could call
 * yet (issue #11 item 2 adds `overflow: truncate` there; this should then use it).
 */
import { planText, type LongMode, type TextPlan } from '../encode/index.js';

export interface FitOptions {
  readonly long: LongMode;
  readonly maxSegments: number;
}

export interface FittedText {
  readonly encoding: 'gsm7' | 'ucs2';
  readonly parts: readonly string[];
  /** The text as it is sent (cut or not). */
  readonly text: string;
  /** Code points dropped by the cut (0: it fitted). */
  readonly dropped: number;
}

/** A cut falls back to the last space unless that would drop more than this share of the kept text. */
const WORD_BOUNDARY_SLACK = 0.2;

export function fitText(text: string, opts: FitOptions): FittedText {
  const whole = planText(text, opts);
  if (whole.ok) return { encoding: whole.encoding, parts: whole.parts, text, dropped: 0 };
  const ellipsis = whole.encoding === 'gsm7' ? '...' : '\u2026';
  const chars = [...text];
  // The longest prefix that fits with the ellipsis (fits is monotone in the prefix length).
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (planText(chars.slice(0, mid).join('') + ellipsis, opts).ok) low = mid;
    else high = mid - 1;
  }
  const kept = atWordBoundary(chars.slice(0, low).join(''));
  const cut = `${kept}${ellipsis}`;
  const plan = planText(cut, opts) as Extract<TextPlan, { ok: true }>;
  return { encoding: plan.encoding, parts: plan.parts, text: cut, dropped: chars.length - [...kept].length };
}

function atWordBoundary(prefix: string): string {
  const space = prefix.search(/\s\S*$/);
  if (space <= 0 || space < prefix.length * (1 - WORD_BOUNDARY_SLACK)) return prefix.trimEnd();
  return prefix.slice(0, space).trimEnd();
}
