/*
 * numbering.ts - reads a destination number from the local part of a recipient address.
 *
 * Promise: pure. Given the local part (`+447973100000` of `+447973100000@sms.example.lan`) and the
 * account's numbering plan, it returns the number as '+' and digits, or a reason and a sentence
 * saying what shape the plan expects, ready for a 553 5.1.3 reply (SPEC 4).
 *
 * Plans:
 * - `e164` (default; seed 003 §3.1): an international number with its country code, 8 to 15
 *   digits (ITU-T E.164 §6.1 allows at most 15), an optional leading '+', and nothing else:
 *   spaces, dashes, dots and brackets are refused rather than stripped, because an address is
 *   written once into an address book and a strict shape never guesses wrong. A leading `00` or a
 *   national `0` is refused for the same reason (it is not a country code).
 *   The number must then be a *possible mobile number*: libphonenumber-js ("max" metadata) must
 *   find the length possible for the country AND place the number in a range it lists as MOBILE
 *   or FIXED_LINE_OR_MOBILE (the North American plan does not tell the two apart). getNumberType()
 *   only types numbers inside allocated ranges, so this also refuses unallocated ranges (e.g. the
 *   UK drama range 07700 900xxx). Limit: a range allocated after the pinned libphonenumber-js
 *   metadata was published is refused until the package is updated.
 * - `jp-mobile` (seed 000 §How to send (1)): a half-width '+', country code 81, then 70, 80 or
 *   90 (the domestic 070/080/090 without the trunk 0) and 8 digits: 13 characters in all.
 *
 * A full-width plus `＋` (U+FF0B, what a Japanese input method types) gets its own reason in both
 * plans, so the reply can say to use a half-width '+'.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { memoize } from '../memo.js';

export type NumberingPlan = 'e164' | 'jp-mobile';

export type NumberParse =
  | { readonly ok: true; readonly number: string }
  | { readonly ok: false; readonly reason: 'fullwidth-plus' | 'bad-number'; readonly expected: string };

/** What each plan expects, in words for the SMTP reply. */
export const EXPECTED_SHAPE: Readonly<Record<NumberingPlan, string>> = {
  e164:
    'a mobile number in international form: country code and number, 8 to 15 digits, ' +
    "optionally after a '+', no spaces or dashes (e.g. +447973100000 or 447973100000)",
  'jp-mobile':
    "a half-width '+', 81, then 70, 80 or 90 and 8 digits, 13 characters in all " +
    '(e.g. +818012345678 for 080-1234-5678)',
};

export const FULLWIDTH_PLUS = '\uFF0B';

const E164_SHAPE = /^\+?([0-9]{8,15})$/;
const JP_MOBILE_SHAPE = /^\+81[789]0[0-9]{8}$/;
const MOBILE_TYPES: ReadonlySet<string> = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

export function parseRecipient(localPart: string, plan: NumberingPlan): NumberParse {
  if (localPart.startsWith(FULLWIDTH_PLUS)) {
    return { ok: false, reason: 'fullwidth-plus', expected: EXPECTED_SHAPE[plan] };
  }
  const number = plan === 'jp-mobile' ? parseJpMobile(localPart) : parseE164Mobile(localPart);
  return number === undefined
    ? { ok: false, reason: 'bad-number', expected: EXPECTED_SHAPE[plan] }
    : { ok: true, number };
}

function parseJpMobile(localPart: string): string | undefined {
  return JP_MOBILE_SHAPE.test(localPart) ? localPart : undefined;
}

/** Whether '+' and digits is a possible mobile number; judged once per number (alerts go to the same few numbers): getType() runs the country's range patterns, 20-40 µs. */
const isMobile = memoize((candidate: string): boolean => {
  const phone = parsePhoneNumberFromString(candidate);
  const type = phone !== undefined && phone.isPossible() ? phone.getType() : undefined;
  return type !== undefined && MOBILE_TYPES.has(type);
}, 4096);

function parseE164Mobile(localPart: string): string | undefined {
  const digits = E164_SHAPE.exec(localPart)?.[1];
  if (digits === undefined || digits.startsWith('0')) return undefined;
  const candidate = `+${digits}`;
  return isMobile(candidate) ? candidate : undefined;
}
