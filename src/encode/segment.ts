/*
 * segment.ts - choose the alphabet for a text and cut it into SMS parts (SPEC 6).
 *
 * Promise: GSM 7-bit when every character has a GSM 7-bit form, else UCS-2 for the whole text
 * (3GPP TS 23.038 §4: one DCS per message). A text that fits one SMS (160 septets / 70 UTF-16
 * units) is one part. A longer one is cut, in `concatenate` mode, into parts that each leave
 * room for the 6-octet concatenation UDH (05 00 03 ref total seq, 3GPP TS 23.040 §9.2.3.24.1):
 * 153 septets / 67 units; in `split` mode into independent SMS of 160 / 70. A cut never falls
 * inside a GSM escape pair (ESC + code, 23.038 §6.2.1.1) or a UTF-16 surrogate pair: the part
 * before it is one unit short instead. Joining the parts gives the text back exactly. Too many
 * parts is a value, not an exception. Pure: no I/O, no clock.
 *
 * planOctets() does the same for 8-bit data (140 octets single, 134 per concatenated part),
 * leaving room for a UDH the sender supplies (x-smpp encapsulation, SPEC 5).
 */
import { gsm7CharCost, gsm7SeptetCount } from './gsm7.js';
import { isHex } from './hex.js';
import type { Encoding, LongMode } from './types.js';

/** TP-UD holds at most 140 octets (3GPP TS 23.040 §9.2.3.24). */
export const USER_DATA_OCTETS = 140;
/** Concatenation IE, 8-bit reference: IEI 00, IEDL 03, ref, total, seq (§9.2.3.24.1). */
export const CONCAT_IE_OCTETS = 5;
/** TP-UDH total-parts is one octet, so a concatenated message has at most 255 parts. */
export const MAX_CONCAT_PARTS = 255;

export interface PlanOptions {
  readonly long: LongMode;
  /** The account's limit (SPEC 6, default 10); in concatenate mode also capped at 255. */
  readonly maxSegments: number;
}

/** A plan that fits: each part's payload, and the size of the whole in its encoding's units. */
interface PlanFits<E extends Encoding> {
  readonly ok: true;
  readonly encoding: E;
  readonly parts: readonly string[];
  readonly units: number;
}

/** More parts than the account allows (or than one octet can count). */
interface PlanTooLong<E extends Encoding> {
  readonly ok: false;
  readonly reason: 'too-many-segments';
  readonly needed: number;
  readonly max: number;
  readonly encoding: E;
}

/** parts: each part's text; units: septets (gsm7, escape pairs count 2) or UTF-16 units (ucs2). */
export type TextPlan = PlanFits<'gsm7' | 'ucs2'> | PlanTooLong<'gsm7' | 'ucs2'>;

/** parts: each part's user data, uppercase hex, without any UDH; units: octets. */
export type OctetPlan =
  | PlanFits<'binary'>
  | PlanTooLong<'binary'>
  | { readonly ok: false; readonly reason: 'invalid-hex' | 'udh-too-long'; readonly encoding: 'binary' };

/** Octets a UDH of `ieOctets` information-element octets takes: UDHL + IEs, or none. */
export function udhLength(ieOctets: number): number {
  return ieOctets === 0 ? 0 : 1 + ieOctets;
}

/** Septets left for text after a UDH of `udhOctets` (fill bits included): 160, 153 … */
export function septetBudget(udhOctets: number): number {
  return Math.floor((USER_DATA_OCTETS - udhOctets) * 8 / 7);
}

/** UTF-16 units left after a UDH of `udhOctets`: 70, 67 … */
export function ucs2Budget(udhOctets: number): number {
  return Math.floor((USER_DATA_OCTETS - udhOctets) / 2);
}

/** Picks the alphabet for `text` and cuts it into parts (SPEC 6). */
export function planText(text: string, opts: PlanOptions): TextPlan {
  const septets = gsm7SeptetCount(text);
  const encoding = septets === undefined ? 'ucs2' : 'gsm7';
  const units = septets ?? text.length;
  const budget = encoding === 'gsm7' ? septetBudget : ucs2Budget;
  const single = budget(0);
  if (units <= single) return { ok: true, encoding, parts: [text], units };
  const perPart = opts.long === 'concatenate' ? budget(udhLength(CONCAT_IE_OCTETS)) : single;
  const cost = encoding === 'gsm7' ? gsm7CharCost : (char: string): number => char.length;
  const parts = cutText(text, perPart, cost);
  const max = maxParts(opts);
  if (parts.length > max) {
    return { ok: false, reason: 'too-many-segments', needed: parts.length, max, encoding };
  }
  return { ok: true, encoding, parts, units };
}

/** Greedy cut by whole code points, so no escape pair or surrogate pair is ever split. */
function cutText(text: string, budget: number, cost: (char: string) => number): string[] {
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const char of text) {
    const units = cost(char);
    if (used + units > budget) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += units;
  }
  parts.push(current);
  return parts;
}

function maxParts(opts: PlanOptions): number {
  return opts.long === 'concatenate' ? Math.min(opts.maxSegments, MAX_CONCAT_PARTS) : opts.maxSegments;
}

/**
 * Cuts 8-bit user data (hex) into parts: 140 octets single, 134 per concatenated part, each
 * less the UDH the sender supplies in `udhHex` (IEs without the UDHL octet).
 */
export function planOctets(hex: string, opts: PlanOptions & { readonly udhHex?: string }): OctetPlan {
  const udhHex = opts.udhHex ?? '';
  if (!isHex(hex) || !isHex(udhHex)) return { ok: false, reason: 'invalid-hex', encoding: 'binary' };
  const units = hex.length / 2;
  const extra = udhHex.length / 2;
  const single = USER_DATA_OCTETS - udhLength(extra);
  const perPart =
    opts.long === 'concatenate' ? USER_DATA_OCTETS - udhLength(extra + CONCAT_IE_OCTETS) : single;
  if (perPart <= 0 || single < 0) return { ok: false, reason: 'udh-too-long', encoding: 'binary' };
  const upper = hex.toUpperCase();
  if (units <= single) return { ok: true, encoding: 'binary', parts: [upper], units };
  const parts: string[] = [];
  for (let at = 0; at < units; at += perPart) parts.push(upper.slice(2 * at, 2 * (at + perPart)));
  const max = maxParts(opts);
  if (parts.length > max) {
    return { ok: false, reason: 'too-many-segments', needed: parts.length, max, encoding: 'binary' };
  }
  return { ok: true, encoding: 'binary', parts, units };
}
