/*
 * storm-text.ts - the text the dispatcher makes for alert storms (SPEC 7: a carrier's `(xN) …`,
 * the hourly summary), cut into parts by the encode stage with the account's long mode and max
 * segments. Pure.
 *
 * A text too long for the account's max segments is cut as intake cuts one (encode's
 * truncateToFit: at a word boundary, ending `...` in GSM 7-bit, `…` in UCS-2).
 */
import { planText, truncateToFit, type LongMode, type TextPlan } from '../encode/index.js';

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

export function fitText(text: string, opts: FitOptions): FittedText {
  const cut = truncateToFit(text, opts);
  if (cut) return { encoding: cut.plan.encoding, parts: cut.plan.parts, text: cut.text, dropped: cut.dropped };
  const plan = planText(text, opts) as Extract<TextPlan, { ok: true }>;
  return { encoding: plan.encoding, parts: plan.parts, text, dropped: 0 };
}
