/*
 * truncate.ts - a text too long for the account's max segments, cut to fit (SPEC 6, account
 * `overflow: truncate`, the default) instead of refused.
 *
 * Promise: pure. The result is the longest prefix of the text, ended at a word boundary, that
 * together with an ellipsis fits `maxSegments` parts as planText() cuts them; the ellipsis is
 * `…` for a UCS-2 text and `...` for a GSM 7-bit one, because `…` is not in GSM 03.38 and one such
 * character would turn the whole message into UCS-2 (70 characters a part instead of 160), the
 * opposite of what cutting is for. A cut never splits an escape pair or a surrogate pair (it works
 * on code points, and planText checks every candidate). A text with no word boundary in reach is
 * cut inside the word. What was left out is counted in code points, for the log line.
 */
import { gsm7SeptetCount } from './gsm7.js';
import { planText, type PlanOptions, type TextPlan } from './segment.js';

export interface Truncated {
  /** The cut text, ellipsis included: what the parts join to. */
  readonly text: string;
  readonly plan: Extract<TextPlan, { ok: true }>;
  /** Characters (code points) of the original left out, not counting the ellipsis. */
  readonly dropped: number;
  /** Segments the whole text would have needed. */
  readonly needed: number;
}

/** A word boundary is looked for in at most this many characters before the cut: a longer word is cut inside. */
const WORD_REACH = 40;

/** Cuts `text` to fit `opts.maxSegments`; undefined when it fits already (then nothing is cut). */
export function truncateToFit(text: string, opts: PlanOptions): Truncated | undefined {
  const whole = planText(text, opts);
  if (whole.ok) return undefined;
  const chars = Array.from(text);
  // The longest prefix (in code points) whose cut form fits: fitting shrinks as the prefix grows,
  // except where a cut removes a non-GSM character, which only makes more room, so the search
  // lands on a prefix that fits, if not always on the very longest one.
  let low = 0;
  let high = chars.length;
  let best: { text: string; plan: Extract<TextPlan, { ok: true }>; kept: number } | undefined;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const candidate = cutAt(chars, mid);
    const plan = planText(candidate.text, opts);
    if (plan.ok) {
      best = { text: candidate.text, plan, kept: candidate.kept };
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  // An ellipsis alone fits any account (max segments is at least 1), so best is always set.
  if (!best) throw new Error('truncateToFit: not even the ellipsis fits');
  return { text: best.text, plan: best.plan, dropped: chars.length - best.kept, needed: whole.needed };
}

/** The first `n` code points, ended at the last word boundary within reach, trimmed, plus the ellipsis. */
function cutAt(chars: readonly string[], n: number): { text: string; kept: number } {
  let end = n;
  if (n < chars.length && !isSpace(chars[n] as string)) {
    for (let i = n; i > 0 && i >= n - WORD_REACH; i -= 1) {
      if (isSpace(chars[i - 1] as string)) {
        end = i - 1;
        break;
      }
    }
  }
  while (end > 0 && isSpace(chars[end - 1] as string)) end -= 1;
  const prefix = chars.slice(0, end).join('');
  const ellipsis = gsm7SeptetCount(prefix) === undefined ? '…' : '...';
  return { text: prefix + ellipsis, kept: end };
}

function isSpace(char: string): boolean {
  return /\s/u.test(char);
}
