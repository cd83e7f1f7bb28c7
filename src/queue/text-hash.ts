/*
 * text-hash.ts - the coalescing key's text part (SPEC 7 alert storms): SHA-256 of a message's
 * full text (its parts joined), for ordinary text only. A message with binary data, a UDH or an
 * explicit DCS came from x-smpp encapsulation (SPEC 5) and has none: it is never coalesced.
 * Computed when a message is stored, so the dispatcher finds identical messages by an index
 * instead of reading every waiting message's parts; a carrier keeps the hash of its own text
 * when its parts get the `(xN) ` count.
 */
import { createHash } from 'node:crypto';
import type { Encoding } from '../encode/types.js';

export interface HashablePart {
  readonly text: string;
  readonly userDataHex?: string | null | undefined;
  readonly udhHex?: string | null | undefined;
  readonly dcs?: number | null | undefined;
}

/** The joined text of an ordinary text message; undefined for an encapsulated one. */
export function plainTextOf(encoding: Encoding, parts: readonly HashablePart[]): string | undefined {
  if (encoding === 'binary' || parts.length === 0) return undefined;
  if (parts.some((p) => (p.userDataHex ?? null) !== null || (p.udhHex ?? null) !== null || (p.dcs ?? null) !== null)) return undefined;
  return parts.map((p) => p.text).join('');
}

export const hashText = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** SQL function for migration 5 (backfill of open messages): m2s_text_hash(text) -> hex. */
export const TEXT_HASH_SQL_FUNCTION = 'm2s_text_hash';
