/*
 * sim-pdu.ts - the few PDU fields the simulated modem reads and writes: the SMSC field in front
 * of a submitted TPDU, the destination of an SMS-SUBMIT, a hand-built SMS-STATUS-REPORT, and the
 * SMS-DELIVER TPDUs of a text a phone sends to the modem.
 *
 * Promise: pure, test equipment only. It checks what a modem checks (hex, lengths, TP-MTI) and
 * no more; the product's own TPDU code lives in src/encode/, and the SMS-DELIVER user data is
 * built by it (planText cuts the text, buildSubmitTpdu packs each part), so a decoder tested on
 * the sim's PDUs is tested on bytes our encoder was checked to produce right.
 */
import { buildSubmitTpdu, encodeAddress, octetsToHex, packSeptets, planText, toGsm7Septets, type Encoding } from '../../encode/index.js';

export interface SplitPdu {
  readonly smscHex: string;
  readonly tpduHex: string;
}

/** Splits `<SMSC field><TPDU>` (TS 27.005 §3.5.1: the SMSC length octet counts its own field). */
export function splitSmsc(hex: string): SplitPdu | undefined {
  if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) return undefined;
  const smscLength = parseInt(hex.slice(0, 2), 16);
  const end = 2 + smscLength * 2;
  if (hex.length < end) return undefined;
  return { smscHex: hex.slice(0, end).toUpperCase(), tpduHex: hex.slice(end).toUpperCase() };
}

/** TP-MTI of a TPDU's first octet (TS 23.040 §9.2.3.1): 1 = SMS-SUBMIT. */
export function isSubmit(tpduHex: string): boolean {
  return tpduHex.length >= 2 && (parseInt(tpduHex.slice(0, 2), 16) & 0x03) === 0x01;
}

/** TP-SRR (TS 23.040 §9.2.3.5), bit 5 of an SMS-SUBMIT's first octet. */
export function wantsStatusReport(tpduHex: string): boolean {
  return (parseInt(tpduHex.slice(0, 2), 16) & 0x20) !== 0;
}

/** The TP-DA field of an SMS-SUBMIT as hex (length, type, digits), from its fourth octet. */
export function destinationField(tpduHex: string): string | undefined {
  const digits = parseInt(tpduHex.slice(4, 6), 16);
  const octets = 2 + Math.ceil(digits / 2);
  const field = tpduHex.slice(4, 4 + octets * 2);
  return Number.isNaN(digits) || field.length < octets * 2 ? undefined : field;
}

/** A TS 23.040 address field for a number (TS 23.040 §9.1.2.5); `+` gives type 0x91. */
export function encodeAddressField(number: string): string {
  const digits = number.replace(/^\+/, '');
  const type = number.startsWith('+') ? '91' : '81';
  return hexOctet(digits.length) + type + swapSemiOctets(digits);
}

/** An SMSC field as AT+CMGS expects it in front of the TPDU; '00' when there is none. */
export function encodeSmscField(number: string | undefined): string {
  if (!number) return '00';
  const digits = number.replace(/^\+/, '');
  const body = (number.startsWith('+') ? '91' : '81') + swapSemiOctets(digits);
  return hexOctet(body.length / 2) + body;
}

/** TP-SCTS / TP-DT (TS 23.040 §9.2.3.11) for a UTC instant: swapped BCD, time zone 0. */
export function encodeTimestamp(ms: number): string {
  const d = new Date(ms);
  const parts = [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0];
  return parts.map((n) => swapSemiOctets(String(n).padStart(2, '0'))).join('');
}

/**
 * An SMS-STATUS-REPORT TPDU (TS 23.040 §9.2.2.3): first octet 0x06 (TP-MTI 10, TP-MMS),
 * TP-MR, TP-RA, TP-SCTS, TP-DT, TP-ST (0x00: received by the SME).
 */
export function buildStatusReport(mr: number, recipientField: string, scts: number, dt: number, st = 0): string {
  return ('06' + hexOctet(mr) + recipientField + encodeTimestamp(scts) + encodeTimestamp(dt) + hexOctet(st)).toUpperCase();
}

function swapSemiOctets(digits: string): string {
  const padded = digits.length % 2 === 0 ? digits : `${digits}F`;
  let out = '';
  for (let i = 0; i < padded.length; i += 2) out += padded[i + 1]! + padded[i]!;
  return out;
}

function hexOctet(n: number): string {
  return (n & 0xff).toString(16).toUpperCase().padStart(2, '0');
}

/** A text a phone sends to the modem's number (SimDevice.deliverMo). */
export interface MoSms {
  /** '+' and digits (international), digits (unknown type), or an alphanumeric name (up to 11 GSM characters). */
  readonly from: string;
  readonly text: string;
  /** TP-SCTS, ms since the epoch; default the device's now(). */
  readonly sentAt?: number;
  /** TP-DCS message class 0 (a flash SMS). */
  readonly flash?: boolean;
  /** Concatenation reference (8-bit, TS 23.040 §9.2.3.24.1) of a long text; default the device's own counter. */
  readonly ref?: number;
}

/** Placeholder TP-DA of the SMS-SUBMIT whose user data an SMS-DELIVER takes over. */
const PLACEHOLDER_DA = encodeAddress('0')!;

/**
 * The SMS-DELIVER TPDUs (TS 23.040 §9.2.2.1) of `sms`: GSM 7-bit when the text has a GSM form
 * (extension characters as escape pairs), else UCS-2; longer than one SMS: parts with the 8-bit
 * reference concatenation UDH. First octet TP-MTI 00, TP-MMS 1 (no more messages), TP-UDHI when
 * concatenated; TP-OA, TP-PID 00, TP-DCS (class 0 when flash), TP-SCTS, TP-UDL, TP-UD.
 * Throws RangeError for a sender that is neither a number nor a GSM name, or a text over 255 parts.
 */
export function buildDeliverTpdus(sms: MoSms, sentAt: number, ref: number): string[] {
  const originator = originatorField(sms.from);
  const plan = planText(sms.text, { long: 'concatenate', maxSegments: 255 });
  if (!plan.ok) throw new RangeError(`a text of ${plan.needed} parts does not fit 255`);
  return plan.parts.map((text, i) => {
    const concat = plan.parts.length > 1 ? { ref: ref & 0xff, total: plan.parts.length, seq: i + 1 } : undefined;
    const submit = buildSubmitTpdu({ destination: '0', encoding: plan.encoding, text, statusReport: false, dcs: dcsOf(plan.encoding, sms.flash), ...(concat ? { concat } : {}) }).hex;
    // SUBMIT: first octet, TP-MR, TP-DA, then TP-PID, TP-DCS, TP-UDL, TP-UD (no TP-VP asked).
    const udhi = parseInt(submit.slice(0, 2), 16) & 0x40;
    const pidDcs = submit.slice(4 + PLACEHOLDER_DA.length, 8 + PLACEHOLDER_DA.length);
    const userData = submit.slice(8 + PLACEHOLDER_DA.length);
    return (hexOctet(0x04 | udhi) + originator + pidDcs + encodeTimestamp(sentAt) + userData).toUpperCase();
  });
}

/** TP-DCS: general data coding, with message class 0 when flash (TS 23.038 §4). */
function dcsOf(encoding: Encoding, flash: boolean | undefined): number {
  const alphabet = encoding === 'ucs2' ? 0x08 : 0x00;
  return flash ? 0x10 | alphabet : alphabet;
}

/** TP-OA (TS 23.040 §9.1.2.5): a number, or an alphanumeric name (TON 5, GSM 7-bit packed). */
function originatorField(from: string): string {
  const numeric = encodeAddress(from);
  if (numeric !== undefined) return numeric;
  const septets = toGsm7Septets(from);
  if (!septets.ok || from.length === 0 || septets.septets.length > 11) throw new RangeError(`not a number or an alphanumeric sender: ${JSON.stringify(from)}`);
  const packed = octetsToHex(packSeptets(septets.septets));
  // The length counts the semi-octets the packed name takes.
  return hexOctet(Math.ceil((septets.septets.length * 7) / 4)) + 'D0' + packed;
}
