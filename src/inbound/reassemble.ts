/*
 * reassemble.ts - join the parts of a concatenated inbound SMS (3GPP TS 23.040 §9.2.3.24.1,
 * SPEC 10) into one message: complete once every part number 1..total has arrived, or, when
 * the wait for the others ran out, what arrived with each missing part marked in its place.
 *
 * Promise: pure, over plain data, no clock: the caller says which parts wait under one
 * (sender, reference, total, reference size) key and when the wait is over. The same part
 * number given twice (a resent PDU) counts once, the first given wins. Parts are joined in
 * part-number order whatever order they arrived in.
 */
import type { Encoding } from '../encode/index.js';

/** One part as it waits: its number and what it carries. */
export interface WaitingPart {
  readonly seq: number;
  readonly encoding: Encoding;
  readonly text: string;
  /** binary parts: the user data octets, hex. */
  readonly dataHex?: string;
}

export interface Assembled {
  /** Every part 1..total is there. */
  readonly complete: boolean;
  /** The parts' alphabet when they agree; GSM 7-bit and UCS-2 parts together give ucs2; any 8-bit part gives binary. */
  readonly encoding: Encoding;
  /** The texts in part order, each missing part as `[part n of total missing]`. */
  readonly text: string;
  /** binary: the data of the parts that arrived, in part order. */
  readonly dataHex?: string;
  /** Part numbers that never came, ascending; empty when complete. */
  readonly missing: readonly number[];
}

/** What a missing part becomes in the text. */
export function missingPartMark(seq: number, total: number): string {
  return `[part ${seq} of ${total} missing]`;
}

/** The part numbers 1..total not among the parts, ascending. */
export function missingParts(parts: readonly Pick<WaitingPart, 'seq'>[], total: number): number[] {
  const have = new Set(parts.map((p) => p.seq));
  return Array.from({ length: total }, (_, i) => i + 1).filter((seq) => !have.has(seq));
}

/** Joins the parts of one message in part order; call it when complete or when the wait ran out. */
export function assembleParts(parts: readonly WaitingPart[], total: number): Assembled {
  const bySeq = new Map<number, WaitingPart>();
  for (const part of parts) if (part.seq >= 1 && part.seq <= total && !bySeq.has(part.seq)) bySeq.set(part.seq, part);
  const ordered = Array.from({ length: total }, (_, i) => bySeq.get(i + 1));
  const present = ordered.filter((p): p is WaitingPart => p !== undefined);
  const text = ordered.map((p, i) => (p === undefined ? missingPartMark(i + 1, total) : p.text)).join('');
  const encoding = joinedEncoding(present.map((p) => p.encoding));
  const missing = missingParts(present, total);
  const assembled = { complete: missing.length === 0, encoding, text, missing };
  if (encoding !== 'binary') return assembled;
  return { ...assembled, dataHex: present.map((p) => p.dataHex ?? '').join('') };
}

function joinedEncoding(encodings: readonly Encoding[]): Encoding {
  if (encodings.includes('binary')) return 'binary';
  if (encodings.includes('ucs2')) return 'ucs2';
  return 'gsm7';
}
