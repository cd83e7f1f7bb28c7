/*
 * truncate.ts - a text too long for the account's max segments, cut to fit (SPEC 6, account
 * `overflow: truncate`, the default) instead of refused.
 *
 * Promise: pure. The result is the longest prefix of the text, ended at a word boundary, that
 * together with an ellipsis fits `maxSegments` parts as planText() cuts them; the ellipsis is
 * `…` for a UCS-2 text and `...` for a GSM 7-bit one, because `…` is not in GSM 03.38 and one such
 * character would turn the whole message into UCS-2 (70 characters a part instead of 160), the
 * opposite of what cutting is for. A cut never splits an escape pair or a surrogate pair (it works
 * on code points, and the result is planned by planText). The cut may fall up to one character per
 * part boundary short of the longest that would fit (the room a boundary can lose). A text with no
 * word boundary in reach is cut inside the word. What was left out is counted in code points, for
 * the log line.
 */
import { gsm7CharCost } from './gsm7.js';
import { CONCAT_IE_OCTETS, MAX_CONCAT_PARTS, planText, septetBudget, ucs2Budget, udhLength, type PlanOptions, type TextPlan } from './segment.js';

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
  const size = sizesOf(chars);
  // The longest prefix (in code points) whose cut form surely fits, by a binary search on sizes
  // summed once (planning every candidate would cost a whole planText per probe). Fitting shrinks
  // as the prefix grows, except where a cut removes a non-GSM character, which only makes more
  // room, so the search lands on a prefix that fits, if not always on the very longest one.
  let low = 0;
  let high = chars.length;
  let best = cutAt(chars, 0);
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const candidate = cutAt(chars, mid);
    if (surelyFits(size, candidate.kept, opts)) {
      best = candidate;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  const cut = chars.slice(0, best.kept).join('') + ellipsisFor(size, best.kept);
  const plan = planText(cut, opts);
  // surelyFits() leaves room for every part boundary to lose a unit, so the plan fits.
  if (!plan.ok) throw new Error('truncateToFit: the cut text does not fit');
  return { text: cut, plan, dropped: chars.length - best.kept, needed: whole.needed };
}

/** Per prefix length: septets (GSM), UTF-16 units, and how many code points from the start are all GSM. */
interface Sizes {
  readonly septets: readonly number[];
  readonly units: readonly number[];
  readonly gsmPrefix: number;
}

function sizesOf(chars: readonly string[]): Sizes {
  const septets = [0];
  const units = [0];
  let gsmPrefix = chars.length;
  chars.forEach((char, i) => {
    const cost = gsm7CharCost(char);
    if (cost === 0 && gsmPrefix === chars.length) gsmPrefix = i;
    septets.push((septets[i] as number) + cost);
    units.push((units[i] as number) + char.length);
  });
  return { septets, units, gsmPrefix };
}

const GSM_ELLIPSIS = '...';
const UCS2_ELLIPSIS = '…';

function ellipsisFor(size: Sizes, kept: number): string {
  return kept <= size.gsmPrefix ? GSM_ELLIPSIS : UCS2_ELLIPSIS;
}

/**
 * The first `kept` code points plus the ellipsis fit `opts.maxSegments` even if every part
 * boundary costs a unit (planText never splits an escape or surrogate pair, so a part can end
 * one unit short).
 */
function surelyFits(size: Sizes, kept: number, opts: PlanOptions): boolean {
  const gsm = kept <= size.gsmPrefix;
  const total = gsm ? (size.septets[kept] as number) + GSM_ELLIPSIS.length : (size.units[kept] as number) + UCS2_ELLIPSIS.length;
  const budget = gsm ? septetBudget : ucs2Budget;
  if (total <= budget(0)) return true;
  const perPart = opts.long === 'concatenate' ? budget(udhLength(CONCAT_IE_OCTETS)) : budget(0);
  const parts = opts.long === 'concatenate' ? Math.min(opts.maxSegments, MAX_CONCAT_PARTS) : opts.maxSegments;
  return parts > 1 && total <= parts * perPart - (parts - 1);
}

/** Where a cut at `n` code points ends: at the last word boundary within reach, blanks trimmed. */
function cutAt(chars: readonly string[], n: number): { readonly kept: number } {
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
  return { kept: end };
}

function isSpace(char: string): boolean {
  return /\s/u.test(char);
}
