/*
 * deliver.ts - read an SMS-DELIVER TPDU (3GPP TS 23.040 §9.2.2.1), as a modem hands it over in
 * an AT+CMGR or AT+CMGL reply or a +CMT URC (TS 27.005 §3.4.2, §3.4.3, §3.4.1), into one
 * received part (SPEC 10).
 *
 * Promise: pure; decodeDeliver() never throws on modem output: a PDU that is not hex, not an
 * SMS-DELIVER, cut short or inconsistent comes back as { ok: false, reason } naming the field.
 * Read by hand, not with node-pdu (imported only by tpdu.ts): its GSM 7-bit extension table
 * lacks form feed (SPEC 13 and tpdu.ts), it throws on some TP-DCS values, and the fields are
 * few; the address, time stamp, DCS, UDH and septet readers are the ones the SUBMIT and
 * STATUS-REPORT readers use.
 *
 * Choices where the standard leaves the receiver a choice:
 * - A concatenation element with 0 parts, part number 0, or a part number above the total is
 *   ignored, as 23.040 §9.2.3.24.1 and .8 tell a receiving entity to: the part reads as a
 *   single SMS, so nothing is dropped.
 * - Compressed text (TP-DCS bit 5 in the general groups, TS 23.042) is refused, not decompressed.
 * - Reserved TP-DCS codings are read as GSM 7-bit, as 23.038 §4 tells a receiving entity to.
 * - TP-UDL beyond the octets present is refused; octets after TP-UDL are ignored.
 *
 * Limits: national language shift tables (23.038 §6.2.1.2) are not read, so a Turkish or
 * Portuguese locking shift SMS shows default-alphabet characters. Information elements other
 * than concatenation (ports, message waiting) are skipped; the part is still decoded.
 */
import { fromGsm7Septets, readSeptetText, unpackSeptets } from './gsm7.js';
import { hexToOctets, isHex, octetsToHex } from './hex.js';
import { concatOf, hexOctet, readDcs, readSemiOctets, readTimestamp, splitInformationElements } from './tpdu-fields.js';
import type { DeliveredSms, Encoding } from './types.js';
import { decodeUcs2 } from './ucs2.js';

const TP_MTI_MASK = 0x03;
const TP_MTI_DELIVER = 0x00;
const TP_UDHI = 0x40;
const TON_INTERNATIONAL = 1;
const TON_ALPHANUMERIC = 5;
/** TP-OA: at most 20 semi-octets (23.040 §9.1.2.5; 11 octets for an alphanumeric name). */
const MAX_ADDRESS_SEMI_OCTETS = 22;

export type DecodedDeliver =
  | { readonly ok: true; readonly sms: DeliveredSms; readonly pid: number; readonly dcs: number }
  | { readonly ok: false; readonly reason: string };

type Failed = { readonly ok: false; readonly reason: string };

const failed = (reason: string): Failed => ({ ok: false, reason });

/**
 * Decodes an SMS-DELIVER. With `withSmsc` the hex starts with the SMSC field, as on the PDU
 * line of +CMGR, +CMGL and +CMT (TS 27.005 §3.4.1); it is skipped.
 */
export function decodeDeliver(pdu: string, options: { readonly withSmsc: boolean }): DecodedDeliver {
  const clean = pdu.trim();
  if (clean.length < 2 || !isHex(clean)) return failed(`PDU is not hex: ${JSON.stringify(clean.slice(0, 40))}`);
  const octets = hexToOctets(clean);
  const start = options.withSmsc ? 1 + (octets[0] ?? 0) : 0;
  const first = octets[start];
  if (first === undefined) return failed('PDU ends inside the SMSC field');
  if ((first & TP_MTI_MASK) !== TP_MTI_DELIVER) return failed(`TP-MTI is ${first & TP_MTI_MASK}, not SMS-DELIVER`);
  const origin = readOriginator(octets, start + 1);
  if (!origin.ok) return origin;
  const at = origin.end;
  // TP-PID, TP-DCS, TP-SCTS (7 octets), TP-UDL
  const pid = octets[at];
  const dcs = octets[at + 1];
  const udl = octets[at + 9];
  if (pid === undefined || dcs === undefined || udl === undefined) return failed('PDU ends before TP-UDL');
  const sentAt = readTimestamp(octets.subarray(at + 2, at + 9));
  if (sentAt === undefined) return failed('TP-SCTS is not a time');
  const coding = readCoding(dcs);
  if (!coding.ok) return coding;
  const body = readUserData(octets.subarray(at + 10), udl, coding.encoding, (first & TP_UDHI) !== 0);
  if (!body.ok) return body;
  const sms: DeliveredSms = {
    from: origin.from,
    fromKind: origin.fromKind,
    encoding: coding.encoding,
    text: body.text,
    ...(body.dataHex !== undefined ? { dataHex: body.dataHex } : {}),
    ...(body.concat !== undefined ? { concat: body.concat } : {}),
    sentAt,
    flash: coding.flash,
  };
  return { ok: true, sms, pid, dcs };
}

type Originator = { readonly ok: true; readonly from: string; readonly fromKind: DeliveredSms['fromKind']; readonly end: number };

/** TP-OA (§9.1.2.5): length in semi-octets, type of address, then the digits or a 7-bit name. */
function readOriginator(octets: Uint8Array, at: number): Originator | Failed {
  const length = octets[at];
  const toa = octets[at + 1];
  if (length === undefined || toa === undefined) return failed('PDU ends before TP-OA');
  if (length > MAX_ADDRESS_SEMI_OCTETS) return failed(`TP-OA length is ${length} semi-octets, more than an address holds`);
  const end = at + 2 + Math.ceil(length / 2);
  if (end > octets.length) return failed('PDU ends inside TP-OA');
  const field = octets.subarray(at + 2, end);
  const ton = (toa >> 4) & 0x07;
  if (ton === TON_ALPHANUMERIC) {
    // The name is packed GSM 7-bit (§9.1.2.5): as many whole septets as the semi-octets hold.
    const name = fromGsm7Septets(unpackSeptets(field, Math.floor((length * 4) / 7)));
    return { ok: true, from: name, fromKind: 'alphanumeric', end };
  }
  const digits = readSemiOctets(field, length);
  if (ton === TON_INTERNATIONAL) return { ok: true, from: `+${digits}`, fromKind: 'international', end };
  return { ok: true, from: digits, fromKind: 'national', end };
}

/**
 * The alphabet of TP-DCS (TS 23.038 §4) and whether it says message class 0 (flash). A receiving
 * entity takes reserved codings as the GSM 7-bit default alphabet (§4), so they are read, not
 * refused: a reserved bit in groups 1110 and 1111 is ignored, a reserved group or alphabet is
 * GSM 7-bit. Compressed text is refused: it cannot be shown without decompressing it.
 */
function readCoding(dcs: number): { readonly ok: true; readonly encoding: Encoding; readonly flash: boolean } | Failed {
  const group = dcs >> 4;
  if (group <= 0x7 && (dcs & 0x20) !== 0) return failed(`TP-DCS 0x${hexOctet(dcs)} says compressed text (TS 23.042), which is not supported`);
  const read = readDcs(group === 0xf ? dcs & 0xf7 : group === 0xe ? dcs & 0xfb : dcs);
  // Class bits 1-0 count in the general groups when bit 4 is set, and always in group 1111.
  const hasClass = (group <= 0x7 && (dcs & 0x10) !== 0) || group === 0xf;
  return { ok: true, encoding: read.ok ? read.value : 'gsm7', flash: hasClass && (dcs & 0x03) === 0 };
}

type UserData = { readonly ok: true; readonly text: string; readonly dataHex?: string; readonly concat?: DeliveredSms['concat'] };

/** TP-UD (§9.2.3.24): an optional UDH, then TP-UDL septets (GSM 7-bit) or octets in all. */
function readUserData(ud: Uint8Array, udl: number, encoding: Encoding, hasUdh: boolean): UserData | Failed {
  const needed = encoding === 'gsm7' ? Math.ceil((udl * 7) / 8) : udl;
  if (needed > ud.length) return failed(`TP-UDL is ${udl} ${encoding === 'gsm7' ? 'septets' : 'octets'}, but only ${ud.length} octets of user data follow`);
  const udh = hasUdh ? readUdh(ud, needed) : { ok: true as const, octets: 0 };
  if (!udh.ok) return udh;
  const concat = udh.concat !== undefined ? { concat: udh.concat } : {};
  if (encoding === 'gsm7') {
    const text = readSeptetText(ud, udl, udh.octets);
    if (text === undefined) return failed(`the UDH (${udh.octets} octets) is longer than TP-UDL (${udl} septets)`);
    return { ok: true, text, ...concat };
  }
  const data = ud.subarray(udh.octets, udl);
  if (encoding === 'ucs2') return { ok: true, text: decodeUcs2(data), ...concat };
  return { ok: true, text: '', dataHex: octetsToHex(data), ...concat };
}

/** The UDH: UDHL, then information elements; only a valid concatenation element is kept. */
function readUdh(ud: Uint8Array, udOctets: number): { readonly ok: true; readonly octets: number; readonly concat?: DeliveredSms['concat'] } | Failed {
  const udhl = ud[0];
  if (udhl === undefined || 1 + udhl > udOctets) return failed(`the UDH length ${udhl ?? 'missing'} runs past TP-UDL`);
  const elements = splitInformationElements(octetsToHex(ud.subarray(1, 1 + udhl)));
  if (elements === undefined) return failed('a UDH information element overruns the header');
  const concat = concatOf(elements);
  // §9.2.3.24.1 / .8: a receiver ignores an element with 0 parts, part 0 or a part past the total.
  const valid = concat !== undefined && concat.total > 0 && concat.seq > 0 && concat.seq <= concat.total;
  return { ok: true, octets: 1 + udhl, ...(valid ? { concat } : {}) };
}
