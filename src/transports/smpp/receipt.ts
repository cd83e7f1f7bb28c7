/*
 * receipt.ts - what an SMSC delivery receipt says (SMPP 3.4 §4.6.1, Appendix B): which
 * message, for whom, and whether it was delivered, failed, expired or is still on its way.
 *
 * Promise: pure, never throws. parseReceipt() takes a deliver_sm or data_sm as the `smpp`
 * package decodes it (plain fields, TLVs by name) and answers `not-receipt` for anything whose
 * esm_class is no SMSC delivery receipt (0x04) or intermediate notification (0x20), e.g. an MO
 * SMS; `invalid` when a receipt names no message id or no state; else `receipt`.
 *
 * - Message id: the receipted_message_id TLV, else the text's `id:`; both are kept. Matching
 *   them to a submit_sm_resp is message-id.ts's job (hex/decimal, case, leading zeros).
 * - State: the message_state TLV (§5.2.28) when present, else the text's `stat:`. DELIVRD is
 *   delivered; EXPIRED expired; DELETED, UNDELIV, REJECTD (and SKIPPED) failed; ENROUTE,
 *   SCHEDULED, ACCEPTD and UNKNOWN pending: ACCEPTD ("read on behalf of the subscriber by
 *   customer service") and UNKNOWN ("invalid state") say nothing final about the handset, so
 *   they neither claim delivery nor fail the message. An unknown stat word is pending too.
 * - The text (Appendix B; it is "vendor specific" there, so read tolerantly): `key:value`
 *   fields id, sub, dlvrd, submit date, done date, stat, err, text, in any order and case,
 *   `submit_date`/`done_date` spellings, fields missing, dates of 10 (YYMMDDhhmm), 12
 *   (YYMMDDhhmmss) or 14 (YYYYMMDDhhmmss) digits, read as UTC (the SMSC's zone is unknown).
 * - detail keeps stat, err, message_state and network_error_code (§5.3.2.31: network type,
 *   code) for the DSN; the text: excerpt is message content and is not kept in it.
 * - recipient: source_addr, '+' added for TON 1.
 *
 * The package hands a data_coding 0 or 1 short_message decoded by its GSM table ({ message:
 * string }: '@' reads as '¡', '_' as '§'); such text is turned back into its octets first, so
 * `submit_date` and ids with '_' read right. Bytes (a Buffer) are read as Latin-1, or UTF-16BE
 * for data_coding 8.
 */
import { decodeUcs2, toGsm7Septets } from '../../encode/index.js';
import type { DeliveryState } from '../transport.js';

export interface ReceiptText {
  readonly id?: string;
  readonly sub?: number;
  readonly dlvrd?: number;
  /** ms since the epoch, UTC. */
  readonly submitDate?: number;
  readonly doneDate?: number;
  readonly stat?: string;
  readonly err?: string;
  readonly text?: string;
}

export interface SmppReceipt {
  /** receipted_message_id, else the text's id. */
  readonly messageId: string;
  /** The text's id, when the text has one. */
  readonly textId?: string;
  /** The handset the message went to: source_addr, '+' added for TON 1. */
  readonly recipient: string;
  readonly state: DeliveryState;
  /** "stat:UNDELIV err:001; message_state 5 UNDELIVERABLE; network_error_code GSM 1" */
  readonly detail: string;
  /** The text's done date (the discharge time), ms since the epoch. */
  readonly at?: number;
  readonly text: ReceiptText;
  readonly messageState?: number;
  readonly networkError?: { readonly type: number; readonly code: number };
}

export type ReceiptResult =
  | { readonly kind: 'receipt'; readonly receipt: SmppReceipt }
  | { readonly kind: 'not-receipt' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** esm_class message type bits 5-2 (§5.2.12). */
const ESM_TYPE_MASK = 0x3c;
const ESM_SMSC_RECEIPT = 0x04;
const ESM_INTERMEDIATE = 0x20;

/** message_state values (§5.2.28; 9 SKIPPED is SMPP 5.0). */
const MESSAGE_STATES: readonly (readonly [name: string, state: DeliveryState])[] = [
  ['SCHEDULED', 'pending'],
  ['ENROUTE', 'pending'],
  ['DELIVERED', 'delivered'],
  ['EXPIRED', 'expired'],
  ['DELETED', 'failed'],
  ['UNDELIVERABLE', 'failed'],
  ['ACCEPTED', 'pending'],
  ['UNKNOWN', 'pending'],
  ['REJECTED', 'failed'],
  ['SKIPPED', 'failed'],
];

/** stat words of Appendix B and the long forms some SMSCs write. */
const STAT_STATES: ReadonlyMap<string, DeliveryState> = new Map([
  ['DELIVRD', 'delivered'],
  ['EXPIRED', 'expired'],
  ['DELETED', 'failed'],
  ['UNDELIV', 'failed'],
  ['ACCEPTD', 'pending'],
  ['UNKNOWN', 'pending'],
  ['REJECTD', 'failed'],
  ['ENROUTE', 'pending'],
  ...MESSAGE_STATES.map(([name, state]) => [name, state] as const),
]);

const NETWORK_TYPES: Readonly<Record<number, string>> = { 1: 'ANSI-136', 2: 'IS-95', 3: 'GSM' };

/** Reads a delivery receipt (deliver_sm or data_sm fields as the package decodes them). */
export function parseReceipt(pdu: Readonly<Record<string, unknown>>): ReceiptResult {
  const esm = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
  const type = esm & ESM_TYPE_MASK;
  if (type !== ESM_SMSC_RECEIPT && type !== ESM_INTERMEDIATE) return { kind: 'not-receipt' };
  const text = parseReceiptText(receiptTextOf(pdu));
  const tlvId = typeof pdu.receipted_message_id === 'string' ? (pdu.receipted_message_id.replace(/\0/g, '').trim().split(SEPARATORS)[0] ?? '').slice(0, MAX_TOKEN) : '';
  const messageId = tlvId !== '' ? tlvId : text.id;
  if (messageId === undefined) return { kind: 'invalid', reason: 'names no message: no receipted_message_id and no id: in the text' };
  const messageState = typeof pdu.message_state === 'number' ? pdu.message_state : undefined;
  const fromTlv = messageState === undefined ? undefined : MESSAGE_STATES[messageState];
  const stat = text.stat?.toUpperCase();
  if (fromTlv === undefined && stat === undefined) return { kind: 'invalid', reason: `for message ${messageId} names no state: no message_state and no stat: in the text` };
  const state = fromTlv?.[1] ?? STAT_STATES.get(stat ?? '') ?? 'pending';
  const networkError = networkErrorOf(pdu.network_error_code);
  const detail = [
    stat === undefined ? undefined : `stat:${stat}${text.err === undefined ? '' : ` err:${text.err}`}${fromTlv === undefined && !STAT_STATES.has(stat) ? ' (not a known state)' : ''}`,
    messageState === undefined ? undefined : `message_state ${messageState} ${fromTlv?.[0] ?? '(not a known state)'}`,
    networkError === undefined ? undefined : `network_error_code ${NETWORK_TYPES[networkError.type] ?? `type ${networkError.type}`} ${networkError.code}`,
  ].filter((part) => part !== undefined).join('; ');
  const receipt: SmppReceipt = {
    messageId,
    ...(text.id !== undefined ? { textId: text.id } : {}),
    recipient: recipientOf(pdu),
    state,
    detail,
    ...(text.doneDate !== undefined ? { at: text.doneDate } : {}),
    text,
    ...(messageState !== undefined ? { messageState } : {}),
    ...(networkError !== undefined ? { networkError } : {}),
  };
  return { kind: 'receipt', receipt };
}

/** Blanks and control characters (C0, DEL, C1) end a field's value. */
const SEPARATORS = /[\s\u0000-\u001f\u007f-\u009f]+/;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const MAX_TOKEN = 64;

const KEY = /(?:^|\s)(id|sub|dlvrd|submit[ _]?date|done[ _]?date|stat|err|text)\s*:/gi;

/** The Appendix B fields of a receipt text; the first of each key counts. */
export function parseReceiptText(input: string): ReceiptText {
  const found = [...input.matchAll(KEY)];
  const values = new Map<string, string>();
  found.forEach((match, i) => {
    const key = (match[1] ?? '').toLowerCase().replace(/[ _]/g, '');
    const start = (match.index ?? 0) + match[0].length;
    const end = found[i + 1]?.index ?? input.length;
    const raw = input.slice(start, end);
    // text runs to the next key; every other value is one token: printable, at most 64 characters
    // (an SMSC's bytes go into the log and the notice's Diagnostic-Code, which must stay one line)
    const value = key === 'text' ? raw.replace(CONTROLS, ' ').trim() : (raw.trim().split(SEPARATORS)[0] ?? '').slice(0, MAX_TOKEN);
    if (!values.has(key)) values.set(key, value);
  });
  const present = (key: string): string | undefined => {
    const value = values.get(key);
    return value === undefined || value === '' ? undefined : value;
  };
  const count = (key: string): number | undefined => {
    const value = present(key);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const date = (key: string): number | undefined => receiptDate(present(key));
  const fields: Record<string, string | number | undefined> = {
    id: present('id'), sub: count('sub'), dlvrd: count('dlvrd'), submitDate: date('submitdate'), doneDate: date('donedate'),
    stat: present('stat'), err: present('err'), text: present('text'),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as ReceiptText;
}

/** YYMMDDhhmm, YYMMDDhhmmss or YYYYMMDDhhmmss, as UTC; anything else (0000000000) is none. */
function receiptDate(value: string | undefined): number | undefined {
  if (value === undefined || !/^(\d{10}|\d{12}|\d{14})$/.test(value)) return undefined;
  const digits = value.length === 14 ? value : `20${value}`;
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) => Number(digits.slice(at, at + (i === 0 ? 4 : 2)) || '0')) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/** short_message, else message_payload, as text (see the header for the package's decoding). */
function receiptTextOf(pdu: Readonly<Record<string, unknown>>): string {
  const coding = typeof pdu.data_coding === 'number' ? pdu.data_coding : 0;
  const short = textOf(pdu.short_message, coding);
  return short !== '' ? short : textOf(pdu.message_payload, coding);
}

function textOf(value: unknown, coding: number): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return (coding & 0x0f) === 0x08 ? decodeUcs2(value) : String.fromCharCode(...value);
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const message: unknown = value.message;
    if (typeof message === 'string' && (coding & 0x0f) <= 0x01) {
      const octets = toGsm7Septets(message);
      return octets.ok ? String.fromCharCode(...octets.septets) : message;
    }
    return textOf(message, coding);
  }
  return '';
}

function recipientOf(pdu: Readonly<Record<string, unknown>>): string {
  const addr = typeof pdu.source_addr === 'string' ? pdu.source_addr : '';
  return pdu.source_addr_ton === 1 && /^\d+$/.test(addr) ? `+${addr}` : addr;
}

/** network_error_code TLV (§5.3.2.31): network type octet, then a 2-octet error code. */
function networkErrorOf(value: unknown): { readonly type: number; readonly code: number } | undefined {
  if (!(value instanceof Uint8Array) || value.length < 3) return undefined;
  return { type: value[0] ?? 0, code: ((value[1] ?? 0) << 8) | (value[2] ?? 0) };
}
