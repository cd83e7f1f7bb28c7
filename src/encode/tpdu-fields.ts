/*
 * tpdu-fields.ts - the small fields of an SMS-SUBMIT: address (TP-DA), relative validity
 * (TP-VP), data coding scheme (TP-DCS) and the user data header's information elements.
 *
 * Promise: each encoder has its decoder beside it, and decode(encode(x)) gives x back (for
 * TP-VP: the period actually granted, never shorter than asked unless capped at 63 weeks).
 * Pure: no I/O. tpdu.ts assembles these into a TPDU.
 */
import type { ConcatInfo, Encoding } from './types.js';

/**
 * Type-of-address octet (23.040 §9.1.2.5), ISDN numbering plan: 0x91 international number;
 * 0x81 "unknown" type of number, which the network reads by its own dialling plan as for a
 * number dialled by hand (ModemManager and python-gsmmodem use it for numbers without '+').
 * 0xA1 (explicitly national) is decoded but never produced.
 */
export const TOA_INTERNATIONAL = 0x91;
export const TOA_UNKNOWN = 0x81;
/** IEI of the concatenation element, 8-bit and 16-bit reference (23.040 §9.2.3.24.1, .8). */
export const IEI_CONCAT_8BIT = 0x00;
export const IEI_CONCAT_16BIT = 0x08;

const ADDRESS = /^(\+?)(\d{1,20})$/;

/**
 * TP-DA (23.040 §9.1.2.5): length in digits, type of address, digits as swapped semi-octets
 * padded with F. '+' numbers are international (0x91), others of unknown type (0x81). Returns
 * undefined for anything but an optional '+' and 1..20 digits.
 */
export function encodeAddress(number: string): string | undefined {
  const match = ADDRESS.exec(number);
  if (match === null) return undefined;
  const digits = match[2] ?? '';
  const toa = match[1] === '+' ? TOA_INTERNATIONAL : TOA_UNKNOWN;
  const padded = digits.length % 2 === 0 ? digits : `${digits}F`;
  let swapped = '';
  for (let i = 0; i < padded.length; i += 2) swapped += `${padded[i + 1]}${padded[i]}`;
  return `${hexOctet(digits.length)}${hexOctet(toa)}${swapped}`;
}

/** Semi-octets, low nibble first (§9.1.2.3); A-E are '*', '#', 'a', 'b', 'c'; F is filler. */
export function readSemiOctets(octets: Uint8Array, count: number): string {
  const SYMBOLS = '0123456789*#abc';
  let out = '';
  for (const octet of octets) out += (SYMBOLS[octet & 0x0f] ?? '') + (SYMBOLS[octet >> 4] ?? '');
  return out.slice(0, count);
}

/**
 * TP-SCTS / TP-DT (§9.2.3.11): year, month, day, hour, minute, second as swapped BCD, then the
 * zone in quarter hours, its sign in bit 3 of the first semi-octet. Years are 20yy.
 */
export function readTimestamp(octets: Uint8Array): number | undefined {
  const bcd = (o: number): number => (o & 0x0f) * 10 + (o >> 4);
  const [y, mo, d, h, mi, s, tz] = Array.from(octets);
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined || s === undefined || tz === undefined) return undefined;
  const quarters = (tz & 0x07) * 10 + (tz >> 4);
  const offsetMinutes = (tz & 0x08 ? -quarters : quarters) * 15;
  const local = Date.UTC(2000 + bcd(y), bcd(mo) - 1, bcd(d), bcd(h), bcd(mi), bcd(s));
  return Number.isNaN(local) ? undefined : local - offsetMinutes * 60_000;
}

/** The period in minutes a relative TP-VP value grants (23.040 §9.2.3.12.1). */
export function relativeValidityMinutes(tpVp: number): number {
  if (tpVp <= 143) return (tpVp + 1) * 5;
  if (tpVp <= 167) return 12 * 60 + (tpVp - 143) * 30;
  if (tpVp <= 196) return (tpVp - 166) * 24 * 60;
  return (tpVp - 192) * 7 * 24 * 60;
}

/**
 * The smallest relative TP-VP value granting at least `minutes` (so a message is never
 * dropped sooner than asked), capped at 255 = 63 weeks; anything up to 5 minutes is 0.
 */
export function encodeRelativeValidity(minutes: number): number {
  for (let tpVp = 0; tpVp < 255; tpVp += 1) {
    if (relativeValidityMinutes(tpVp) >= minutes) return tpVp;
  }
  return 255;
}

/** TP-DCS for an encoding, message class none (23.038 §4, general data coding group). */
export function dcsForEncoding(encoding: Encoding): number {
  return encoding === 'gsm7' ? 0x00 : encoding === 'ucs2' ? 0x08 : 0x04;
}

/**
 * TP-DCS coding groups (GSM 03.38 / TS 23.038 §4) and the alphabet each value means:
 * - 00xx and 01xx (general data coding; automatic deletion): bits 3-2 are 00 GSM 7-bit,
 *   01 8-bit data, 10 UCS-2, 11 reserved (refused). Compressed text (bit 5, TS 23.042) is
 *   carried as 8-bit octets, never decompressed.
 * - 1000..1011: reserved coding groups, refused.
 * - 1100, 1101 (message waiting, discard / store): GSM 7-bit. Bit 2 is reserved there; the
 *   seed's operator logo (215 = 0xD7: store, "other", bit 2 set) carries 8-bit data with it,
 *   so with bit 2 set these groups are read as group 1111 reads bit 2: 8-bit data.
 * - 1110 (message waiting, store, UCS-2): UCS-2; its reserved bit 2 set is refused.
 * - 1111 (data coding / message class): bit 2 is 0 GSM 7-bit, 1 8-bit data; its reserved
 *   bit 3 set is refused.
 */
export function readDcs(dcs: number): { readonly ok: true; readonly value: Encoding } | { readonly ok: false; readonly reason: string } {
  const group = dcs >> 4;
  if (group <= 0x7) {
    const alphabet = (dcs >> 2) & 0x03;
    if (alphabet === 0x03) return { ok: false, reason: `is ${dcs}: alphabet bits 11 are reserved (GSM 03.38 section 4)` };
    if ((dcs & 0x20) !== 0 || alphabet === 0x01) return { ok: true, value: 'binary' };
    return { ok: true, value: alphabet === 0x00 ? 'gsm7' : 'ucs2' };
  }
  if (group <= 0xb) return { ok: false, reason: `is ${dcs}: coding group ${group.toString(2)} is reserved (GSM 03.38 section 4)` };
  if (group === 0xc || group === 0xd) return { ok: true, value: (dcs & 0x04) === 0 ? 'gsm7' : 'binary' };
  if (group === 0xe) {
    if ((dcs & 0x04) !== 0) return { ok: false, reason: `is ${dcs}: bit 2 is reserved in coding group 1110 (GSM 03.38 section 4)` };
    return { ok: true, value: 'ucs2' };
  }
  if ((dcs & 0x08) !== 0) return { ok: false, reason: `is ${dcs}: bit 3 is reserved in coding group 1111 (GSM 03.38 section 4)` };
  return { ok: true, value: (dcs & 0x04) === 0 ? 'gsm7' : 'binary' };
}

/** The alphabet of a TP-DCS as readDcs reads it; a reserved value is taken as 8-bit data. */
export function encodingOfDcs(dcs: number): Encoding {
  const read = readDcs(dcs);
  return read.ok ? read.value : 'binary';
}

/** The concatenation IE, 8-bit reference: 00 03 ref total seq. */
export function concatIeHex(concat: ConcatInfo): string {
  return `${hexOctet(IEI_CONCAT_8BIT)}03${hexOctet(concat.ref)}${hexOctet(concat.total)}${hexOctet(concat.seq)}`;
}

export interface InformationElement {
  readonly iei: number;
  readonly dataHex: string;
}

/** Splits UDH information elements (hex, without UDHL); undefined if an IE overruns. */
export function splitInformationElements(hex: string): InformationElement[] | undefined {
  const elements: InformationElement[] = [];
  let at = 0;
  while (at < hex.length) {
    const iei = Number.parseInt(hex.slice(at, at + 2), 16);
    const length = Number.parseInt(hex.slice(at + 2, at + 4), 16);
    const end = at + 4 + 2 * length;
    if (Number.isNaN(iei) || Number.isNaN(length) || end > hex.length) return undefined;
    elements.push({ iei, dataHex: hex.slice(at + 4, end).toUpperCase() });
    at = end;
  }
  return elements;
}

/** Concatenation info from a UDH's elements (8-bit or 16-bit reference), if present. */
export function concatOf(elements: readonly InformationElement[]): (ConcatInfo & { readonly refBits: 8 | 16 }) | undefined {
  for (const { iei, dataHex } of elements) {
    const bytes = dataHex.match(/../g)?.map((pair) => Number.parseInt(pair, 16)) ?? [];
    if (iei === IEI_CONCAT_8BIT && bytes.length === 3) {
      return { ref: bytes[0] ?? 0, total: bytes[1] ?? 0, seq: bytes[2] ?? 0, refBits: 8 };
    }
    if (iei === IEI_CONCAT_16BIT && bytes.length === 4) {
      return { ref: ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0), total: bytes[2] ?? 0, seq: bytes[3] ?? 0, refBits: 16 };
    }
  }
  return undefined;
}

export function hexOctet(value: number): string {
  return (value & 0xff).toString(16).padStart(2, '0').toUpperCase();
}
