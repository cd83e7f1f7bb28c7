/*
 * mo.ts - a mobile-originated deliver_sm (SMPP 3.4 §4.6.1, esm_class message type 0) read as a
 * received part (SPEC 10). Pure.
 *
 * - Originator: source_addr; TON 1 gives '+digits', TON 5 an alphanumeric name, any other TON
 *   the digits as given.
 * - Text: short_message, else the message_payload TLV (§5.3.2.32). data_coding 0 (the SMSC
 *   default alphabet) is read as the GSM 03.38 default alphabet one septet per octet, as this
 *   gateway's submit_sm sends it; 1 as IA5 (ASCII); 3 as Latin-1; 8 as UCS-2 (UTF-16BE,
 *   surrogate pairs kept); 2 and 4, and any other coding, as 8-bit data kept as hex.
 *   The `smpp` package hands short_message already decoded ({ udh?, message }): GSM and IA5
 *   text through its GSM table, which is the default alphabet and its extension table, turned
 *   back into septets here so the text is ours and the `raw` record is the octets; Latin-1 and
 *   UCS-2 as strings; other codings as bytes.
 * - Concatenation: a UDH (esm_class 0x40) with IEI 0x00 (8-bit reference) or 0x08 (16-bit), or
 *   the SAR TLVs sar_msg_ref_num / sar_total_segments / sar_segment_seqnum (§5.3.2.22-24, a
 *   16-bit reference). Parts numbered outside 1..total are read as a single SMS.
 * - raw: source, coding and the user data as hex, so the same deliver_sm given twice (the SMSC
 *   resends when its deliver_sm_resp was lost) is recognised by the inbound store.
 */
import { decodeUcs2, encodeUcs2, fromGsm7Septets, octetsToHex, toGsm7Septets, type Encoding } from '../../encode/index.js';
import type { ReceivedPart } from '../transport.js';

type Fields = Readonly<Record<string, unknown>>;

export type MoResult = { readonly ok: true; readonly part: ReceivedPart } | { readonly ok: false; readonly reason: string };

export function receivedOfDeliverSm(pdu: Fields): MoResult {
  const source = typeof pdu.source_addr === 'string' ? pdu.source_addr.trim() : '';
  if (source === '') return { ok: false, reason: 'it has no source_addr' };
  const ton = typeof pdu.source_addr_ton === 'number' ? pdu.source_addr_ton : 0;
  const coding = (typeof pdu.data_coding === 'number' ? pdu.data_coding : 0) & 0xff;
  const body = hasContent(pdu.short_message) ? pdu.short_message : pdu.message_payload;
  const content = contentOf(body, coding);
  if (!content.ok) return content;
  const udhConcat = concatOfUdh(content.udh);
  const concat = udhConcat ?? concatOfSar(pdu);
  const from = ton === 1 && /^\d+$/.test(source) ? `+${source}` : source;
  const fromKind = ton === 5 || !/^\+?\d+$/.test(source) ? 'alphanumeric' : ton === 1 ? 'international' : 'national';
  const raw = [`${ton}:${source}`, `dc${coding}`, content.udh.map((ie) => octetsToHex(ie)).join(''), content.hex, concat ? `${concat.ref}/${concat.seq}/${concat.total}` : ''].join('|');
  return {
    ok: true,
    part: {
      from,
      fromKind,
      encoding: content.encoding,
      text: content.text,
      ...(content.encoding === 'binary' ? { dataHex: content.hex } : {}),
      ...(concat ? { concat } : {}),
      ...(isFlash(coding) ? { flash: true } : {}),
      raw,
    },
  };
}

/** Message class 0 in a class-carrying coding (0x10-0x1F, 0xF0-0xFF). */
function isFlash(coding: number): boolean {
  return ((coding & 0xf0) === 0x10 || (coding & 0xf0) === 0xf0) && (coding & 0x03) === 0;
}

interface Content {
  readonly ok: true;
  readonly encoding: Encoding;
  readonly text: string;
  /** The user data octets, hex, without the UDH. */
  readonly hex: string;
  readonly udh: readonly Uint8Array[];
}

function hasContent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string' || value instanceof Uint8Array) return value.length > 0;
  if (typeof value === 'object' && 'message' in value) return hasContent((value as { message: unknown }).message) || hasContent((value as { udh?: unknown }).udh);
  return Array.isArray(value) && value.length > 0;
}

/** The coding's alphabet, from the low bits as §5.2.19 lists them (and the GSM-style class groups 0xF0/0x10). */
type Alphabet = 'gsm' | 'ia5' | 'latin1' | 'ucs2' | 'binary';

function alphabetOf(coding: number): Alphabet {
  if ((coding & 0xf0) === 0xf0) return coding & 0x04 ? 'binary' : 'gsm';
  // 0x10-0x1F: a TP-DCS with a message class passed through (TS 23.038 §4: bits 3-2 the alphabet).
  if ((coding & 0xf0) === 0x10) return (['gsm', 'binary', 'ucs2', 'binary'] as const)[(coding >> 2) & 0x03] ?? 'binary';
  switch (coding) {
    case 0: return 'gsm';
    case 1: return 'ia5';
    case 3: return 'latin1';
    case 8: return 'ucs2';
    default: return 'binary';
  }
}

function contentOf(value: unknown, coding: number): Content | { readonly ok: false; readonly reason: string } {
  const udh = udhOf(value);
  const message = typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'message' in value ? (value as { message: unknown }).message : value;
  const alphabet = alphabetOf(coding);
  if (typeof message === 'string') {
    const octets = octetsOfDecoded(message, alphabet);
    // Text the GSM table cannot hold did not come from GSM octets: kept as the package gave it.
    if (octets === undefined) return { ok: true, encoding: 'gsm7', text: message, hex: octetsToHex(new TextEncoder().encode(message)), udh };
    return readOctets(octets, alphabet, udh);
  }
  if (message instanceof Uint8Array || message === undefined || message === null) return readOctets(message instanceof Uint8Array ? message : new Uint8Array(), alphabet, udh);
  return { ok: false, reason: 'its short_message could not be read' };
}

/** What the package decoded (GSM and IA5 through its GSM table, Latin-1, UCS-2) back to the octets it came from. */
function octetsOfDecoded(message: string, alphabet: Alphabet): Uint8Array | undefined {
  if (alphabet === 'gsm' || alphabet === 'ia5') {
    const septets = toGsm7Septets(message);
    return septets.ok ? Uint8Array.from(septets.septets) : undefined;
  }
  if (alphabet === 'ucs2') return encodeUcs2(message);
  return Uint8Array.from(message, (c) => c.charCodeAt(0) & 0xff);
}

function readOctets(octets: Uint8Array, alphabet: Alphabet, udh: readonly Uint8Array[]): Content {
  const hex = octetsToHex(octets);
  switch (alphabet) {
    case 'gsm': return { ok: true, encoding: 'gsm7', text: fromGsm7Septets([...octets].map((o) => o & 0x7f)), hex, udh };
    case 'ia5': return { ok: true, encoding: 'gsm7', text: String.fromCharCode(...octets.map((o) => o & 0x7f)), hex, udh };
    case 'latin1': return { ok: true, encoding: 'gsm7', text: String.fromCharCode(...octets), hex, udh };
    case 'ucs2': return { ok: true, encoding: 'ucs2', text: decodeUcs2(octets), hex, udh };
    default: return { ok: true, encoding: 'binary', text: '', hex, udh };
  }
}

function udhOf(value: unknown): Uint8Array[] {
  const udh = typeof value === 'object' && value !== null && 'udh' in value ? (value as { udh: unknown }).udh : undefined;
  return Array.isArray(udh) ? udh.filter((ie): ie is Uint8Array => ie instanceof Uint8Array) : [];
}

type Concat = NonNullable<ReceivedPart['concat']>;

function concatOfUdh(udh: readonly Uint8Array[]): Concat | undefined {
  for (const ie of udh) {
    if (ie[0] === 0x00 && ie[1] === 3 && ie.length >= 5) return checked(ie[2] ?? 0, ie[3] ?? 0, ie[4] ?? 0, 8);
    if (ie[0] === 0x08 && ie[1] === 4 && ie.length >= 6) return checked(((ie[2] ?? 0) << 8) | (ie[3] ?? 0), ie[4] ?? 0, ie[5] ?? 0, 16);
  }
  return undefined;
}

function concatOfSar(pdu: Fields): Concat | undefined {
  const { sar_msg_ref_num: ref, sar_total_segments: total, sar_segment_seqnum: seq } = pdu;
  if (typeof ref !== 'number' || typeof total !== 'number' || typeof seq !== 'number') return undefined;
  return checked(ref & 0xffff, total, seq, 16);
}

function checked(ref: number, total: number, seq: number, refBits: 8 | 16): Concat | undefined {
  return total >= 2 && total <= 255 && seq >= 1 && seq <= total ? { ref, total, seq, refBits } : undefined;
}
