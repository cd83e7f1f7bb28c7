/*
 * sim-pdu.ts - the few PDU fields the simulated modem reads and writes: the SMSC field in front
 * of a submitted TPDU, the destination of an SMS-SUBMIT, and a hand-built SMS-STATUS-REPORT.
 *
 * Promise: pure, test equipment only. It checks what a modem checks (hex, lengths, TP-MTI) and
 * no more; the product's own TPDU code lives in src/encode/.
 */

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
