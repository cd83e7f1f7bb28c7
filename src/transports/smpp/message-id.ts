/*
 * message-id.ts - the keys under which an SMSC's message id is matched, so that the id of a
 * submit_sm_resp finds the delivery receipt that names the same message (SPEC 9, issue 13).
 *
 * Promise: pure. SMSCs write the same id differently in the two places: hex in one and
 * decimal in the other (cloudhopper's receipt vector: receipted_message_id 38601fa, text
 * id:0059113978, both 59113978), in another case, with leading zeros. The route's
 * `receipt_id` says how to read them:
 * - `dec`: ids are decimal numbers everywhere. Key: the number in decimal, no leading zeros.
 * - `hex`: ids are hex numbers everywhere. Key: the number in lowercase hex, no leading zeros.
 * - `auto` (default): each place may use either base. Keys, in this order: the id itself
 *   (lowercase; leading zeros dropped when it is all hex digits), then the other spellings of
 *   its readings: a decimal id's number in hex, a hex id's number in decimal.
 * In every mode an id that is no number of that base (a UUID, a dash) is one key: its
 * lowercase form. An empty id has no keys and matches nothing.
 *
 * The first key is the primary one, the form to store as a sent segment's message reference.
 * Two ids name the same message when the primary key of either is among the other's keys
 * (sameMessageId). With `auto` the primary key of the response is always among the receipt's
 * keys when one place is hex and the other decimal, whichever is which; the price is that two
 * different ids can meet across bases ("10" in hex is "16" in decimal), which the queue's
 * match on route, recipient and time window (queue/report-match.ts) narrows; a route whose
 * SMSC uses one base in both places should say `hex` or `dec`.
 */

export type ReceiptIdMode = 'auto' | 'hex' | 'dec';

const DECIMAL = /^[0-9]+$/;
const HEX = /^[0-9a-f]+$/;

/** The keys of a message id, primary first (see the header for each mode). */
export function normaliseMessageId(id: string, mode: ReceiptIdMode): readonly string[] {
  // A NUL or blanks around the id come from C-string TLVs and padded receipt texts.
  const text = id.replace(/\0/g, '').trim().toLowerCase();
  if (text === '') return [];
  const decimal = DECIMAL.test(text) ? BigInt(text) : undefined;
  const hex = HEX.test(text) ? BigInt(`0x${text}`) : undefined;
  if (mode === 'dec') return [decimal === undefined ? text : decimal.toString(10)];
  if (mode === 'hex') return [hex === undefined ? text : hex.toString(16)];
  const keys = [hex === undefined ? text : hex.toString(16)];
  if (decimal !== undefined) keys.push(decimal.toString(16));
  if (hex !== undefined) keys.push(hex.toString(10));
  return [...new Set(keys)];
}

/** Whether two ids (a submit_sm_resp's and a receipt's) name the same message. */
export function sameMessageId(a: string, b: string, mode: ReceiptIdMode): boolean {
  const keysA = normaliseMessageId(a, mode);
  const keysB = normaliseMessageId(b, mode);
  const primaryA = keysA[0];
  const primaryB = keysB[0];
  return (primaryA !== undefined && keysB.includes(primaryA)) || (primaryB !== undefined && keysA.includes(primaryB));
}
