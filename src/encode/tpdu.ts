/*
 * tpdu.ts - build the SMS-SUBMIT TPDU a modem takes with AT+CMGS (3GPP TS 23.040 §9.2.2.2,
 * TS 27.005 §3.5.1), and read one back.
 *
 * Promise: buildSubmitTpdu() gives uppercase hex of the TPDU alone (no SMSC field: the modem
 * prepends the SIM's service centre when the line starts with 00, see modem driver) and its
 * length in octets, the number AT+CMGS=<n> wants. TP-MR is 00: the modem assigns the real
 * reference and returns it in +CMGS. Our own builder, not node-pdu's (SPEC 13: node-pdu
 * splits and codes SUBMIT text wrongly). A part that breaks its own budget or carries an
 * impossible destination is a bug upstream (segment.ts and the policy gate): it throws.
 *
 * decodeSubmitTpdu() reads a SUBMIT back. node-pdu's parser (the one place it is imported)
 * supplies the destination, TP-PID, TP-DCS, the flags, UCS-2 text and 8-bit data, so those
 * parts of everything we build are checked by a decoder we did not write. Measured on node-pdu
 * 2.1.1, three things are wrong or missing there and are read here instead: GSM 7-bit text
 * (its extension table lacks form feed, so ESC 0x0A reads as '`'; our packing is checked
 * against third-party vectors instead), relative TP-VP (it reads 144..167 as 12 *days* plus,
 * and 168..196 one day short) and the raw UDH (it exposes only the concatenation IE).
 * Malformed hex throws.
 */
import { Submit, parse } from 'node-pdu';
import { fillBitsAfterUdh, packSeptets, readSeptetText, toGsm7Septets } from './gsm7.js';
import { hexToOctets, isHex, octetsToHex } from './hex.js';
import { USER_DATA_OCTETS, septetBudget } from './segment.js';
import {
  TOA_INTERNATIONAL,
  concatIeHex,
  concatOf,
  dcsForEncoding,
  encodeAddress,
  encodeRelativeValidity,
  encodingOfDcs,
  hexOctet,
  relativeValidityMinutes,
  splitInformationElements,
} from './tpdu-fields.js';
import type { ConcatInfo, Encoding, SmsPart } from './types.js';
import { decodeUcs2, encodeUcs2 } from './ucs2.js';

/** First-octet bits of an SMS-SUBMIT (23.040 §9.2.2.2). */
const TP_MTI_SUBMIT = 0x01;
const TP_VPF_RELATIVE = 0x10;
const TP_SRR = 0x20;
const TP_UDHI = 0x40;
const TP_VPF_MASK = 0x18;

export interface SubmitTpdu {
  /** The TPDU, uppercase hex, without the SMSC field. */
  readonly hex: string;
  /** Octets of the TPDU: the <length> of AT+CMGS. */
  readonly length: number;
}

export interface DecodedSubmit {
  /** '+' and digits for an international number, the bare digits otherwise. */
  readonly destination: string;
  readonly pid: number;
  readonly dcs: number;
  readonly encoding: Encoding;
  readonly statusReport: boolean;
  /** The period TP-VP grants, when TP-VPF is relative. */
  readonly validityMinutes?: number;
  readonly udh?: {
    /** All information elements, hex, without the UDHL octet. */
    readonly hex: string;
    /** The elements other than the 8-bit concatenation IE: what SmsPart.udhHex held. */
    readonly extraHex: string;
    readonly concat?: ConcatInfo;
  };
  /** gsm7 / ucs2: the text. binary: ''. */
  readonly text: string;
  /** binary only: user data octets after the UDH, hex. */
  readonly userDataHex?: string;
  /** TP-UDL: septets (gsm7, UDH and fill included) or octets. */
  readonly userDataLength: number;
}

/** Builds the SMS-SUBMIT TPDU for one part (23.040 §9.2.2.2). */
export function buildSubmitTpdu(part: SmsPart): SubmitTpdu {
  const address = encodeAddress(part.destination);
  if (address === undefined) throw new RangeError(`not a dialable number: ${part.destination}`);
  const udhIes = (part.concat ? concatIeHex(part.concat) : '') + (part.udhHex ?? '').toUpperCase();
  if (!isHex(udhIes)) throw new RangeError('udhHex is not hex');
  const userData = buildUserData(part, udhIes);
  let firstOctet = TP_MTI_SUBMIT;
  if (part.validityMinutes !== undefined) firstOctet |= TP_VPF_RELATIVE;
  if (part.statusReport) firstOctet |= TP_SRR;
  if (udhIes !== '') firstOctet |= TP_UDHI;
  const hex =
    hexOctet(firstOctet) +
    '00' + // TP-MR: the modem assigns it (27.005 §3.5.1)
    address +
    hexOctet(part.pid ?? 0) +
    hexOctet(part.dcs ?? dcsForEncoding(part.encoding)) +
    (part.validityMinutes !== undefined ? hexOctet(encodeRelativeValidity(part.validityMinutes)) : '') +
    hexOctet(userData.length) +
    userData.hex;
  return { hex, length: hex.length / 2 };
}

/** TP-UDL and TP-UD: UDH (UDHL + IEs), then the text or data (23.040 §9.2.3.16, .24). */
function buildUserData(part: SmsPart, udhIes: string): { length: number; hex: string } {
  const udh = udhIes === '' ? '' : hexOctet(udhIes.length / 2) + udhIes;
  const udhOctets = udh.length / 2;
  if (part.encoding === 'gsm7') {
    const result = toGsm7Septets(part.text);
    if (!result.ok) throw new RangeError(`not GSM 7-bit: ${JSON.stringify(result.char)}`);
    if (result.septets.length > septetBudget(udhOctets)) throw new RangeError('text exceeds one SMS');
    const fillBits = fillBitsAfterUdh(udhOctets);
    const length = (udhOctets * 8 + fillBits) / 7 + result.septets.length;
    return { length, hex: udh + octetsToHex(packSeptets(result.septets, fillBits)) };
  }
  const body = part.encoding === 'ucs2' ? octetsToHex(encodeUcs2(part.text)) : (part.userDataHex ?? '');
  if (!isHex(body)) throw new RangeError('userDataHex is not hex');
  const length = udhOctets + body.length / 2;
  if (length > USER_DATA_OCTETS) throw new RangeError('user data exceeds one SMS');
  return { length, hex: udh + body.toUpperCase() };
}

/**
 * Reads an SMS-SUBMIT TPDU. With `withSmsc`, the input starts with the SMSC field as on the
 * AT+CMGS line (27.005 §3.5.1), which is skipped.
 */
export function decodeSubmitTpdu(input: string, opts: { readonly withSmsc?: boolean } = {}): DecodedSubmit {
  if (!isHex(input) || input.length < 2) throw new RangeError('TPDU is not hex');
  const tpdu = (opts.withSmsc ? skipSmsc(input) : input).toUpperCase();
  const fields = readSubmitFields(tpdu);
  // node-pdu reads the address, TP-PID and TP-SRR here; TP-DCS and the user data are read above
  // from the octets. It throws on some DCS values ("Unknown alphabet": 0xDC-0xDF, 0xEC-0xEF,
  // alphabet 11), so it is handed the same TPDU with TP-DCS 0x04 (8-bit), which it reads whole.
  // Its parse() expects the SMSC field first; '00' means "none".
  const parsed = parse(`00${tpdu.slice(0, 2 * fields.dcsAt)}04${tpdu.slice(2 * fields.dcsAt + 2)}`);
  if (!(parsed instanceof Submit)) throw new RangeError('not an SMS-SUBMIT');
  // TP-DCS from its octet: node-pdu 2.1.1 keeps only some of its bits (0x40-0xBF come back as
  // dcs & 0x3F, 0xD7 as 0xD0) and throws on others.
  const dcs = fields.dcs;
  const encoding = encodingOfDcs(dcs);
  const international = parsed.address.type.getValue() === TOA_INTERNATIONAL;
  const base = {
    destination: `${international ? '+' : ''}${parsed.address.phone ?? ''}`,
    pid: parsed.protocolIdentifier.getValue(),
    dcs,
    encoding,
    statusReport: parsed.type.statusReportRequest === 1,
    userDataLength: fields.udl,
    ...(fields.vp !== undefined ? { validityMinutes: relativeValidityMinutes(fields.vp) } : {}),
    ...(fields.udh !== undefined ? { udh: describeUdh(fields.udh) } : {}),
  };
  // 8-bit and UCS-2 user data: TP-UDL octets, the UDH (UDHL + 1 octets) first.
  const body = fields.userData.slice(fields.udh === undefined ? 0 : 2 + fields.udh.length, 2 * fields.udl).toUpperCase();
  if (encoding === 'binary') return { ...base, text: '', userDataHex: body };
  if (encoding === 'ucs2') return { ...base, text: decodeUcs2(hexToOctets(body)) };
  return { ...base, text: readGsm7Text(fields.userData, fields.udl, fields.udh) };
}

/** The text of GSM 7-bit user data: skip the UDH and its fill bits, unpack TP-UDL septets. */
function readGsm7Text(userData: string, udl: number, udh: string | undefined): string {
  const text = readSeptetText(hexToOctets(userData), udl, udh === undefined ? 0 : 1 + udh.length / 2);
  if (text === undefined) throw new RangeError('user data is truncated');
  return text;
}

function skipSmsc(hex: string): string {
  const length = Number.parseInt(hex.slice(0, 2), 16);
  return hex.slice(2 + 2 * length);
}

/** The fields node-pdu does not give right: TP-DCS, TP-VP, the raw UDH; TP-UDL and TP-UD as hex. */
function readSubmitFields(tpdu: string): { dcs: number; dcsAt: number; vp?: number; udl: number; udh?: string; userData: string } {
  const octet = (at: number): number => {
    const value = Number.parseInt(tpdu.slice(2 * at, 2 * at + 2), 16);
    if (Number.isNaN(value)) throw new RangeError('TPDU is truncated');
    return value;
  };
  const first = octet(0);
  if ((first & 0x03) !== TP_MTI_SUBMIT) throw new RangeError('not an SMS-SUBMIT');
  let at = 2 + 2 + Math.ceil(octet(2) / 2) + 2; // MTI, MR, DA length + TOA + digits, PID, DCS
  const dcsAt = at - 1;
  const dcs = octet(dcsAt);
  const vpf = first & TP_VPF_MASK;
  const vp = vpf === TP_VPF_RELATIVE ? octet(at) : undefined;
  at += vpf === 0 ? 0 : vpf === TP_VPF_RELATIVE ? 1 : 7;
  const udl = octet(at);
  const userData = tpdu.slice(2 * (at + 1));
  if ((first & TP_UDHI) === 0) return { dcs, dcsAt, ...(vp !== undefined ? { vp } : {}), udl, userData };
  const udhl = Number.parseInt(userData.slice(0, 2), 16);
  if (Number.isNaN(udhl) || userData.length < 2 + 2 * udhl) throw new RangeError('UDH is truncated');
  return {
    dcs,
    dcsAt,
    ...(vp !== undefined ? { vp } : {}),
    udl,
    udh: userData.slice(2, 2 + 2 * udhl),
    userData,
  };
}

function describeUdh(hex: string): NonNullable<DecodedSubmit['udh']> {
  const elements = splitInformationElements(hex);
  if (elements === undefined) throw new RangeError('UDH information element overruns the header');
  const found = concatOf(elements);
  const concat = found === undefined ? undefined : { ref: found.ref, total: found.total, seq: found.seq };
  const extraHex = elements
    .filter((e) => !(e.iei === 0x00 && e.dataHex.length === 6))
    .map((e) => hexOctet(e.iei) + hexOctet(e.dataHex.length / 2) + e.dataHex)
    .join('');
  return { hex, extraHex, ...(concat !== undefined ? { concat } : {}) };
}
