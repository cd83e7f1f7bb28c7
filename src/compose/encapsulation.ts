/*
 * encapsulation.ts - the SMS a mail in SMPP SubmitSM encapsulation mode makes (seed 003 §3.2,
 * SPEC 5): the short message and its submit_sm fields come from x-smpp-* headers, the body is
 * ignored.
 *
 * Promise: encapsulationOf() is pure (no I/O; the clock is the `now` argument) and never
 * throws. No x-smpp-short-message -> `none` (normal text mode). Otherwise either every header
 * is read and checked -> `ok`, or the first wrong one is named with the reason -> `invalid`,
 * which the accept path turns into 554 5.6.0 (replies.badEncapsulation).
 *
 * The headers (seed 003 §3.2, SMPP 3.4 §4.4.1 submit_sm):
 * - x-smpp-short-message: the SMPP short_message as hex; folding whitespace (spaces, tabs,
 *   CR, LF) is removed. With UDHI set, its first UDHL+1 octets are the UDH (TS 23.040
 *   §9.2.3.24), whose information elements must exactly fill UDHL. What follows depends on the
 *   data coding, as SMPP 3.4 §5.2.19 carries it: 8-bit data -> the octets, at most 140 with
 *   the UDH; UCS-2 -> UTF-16BE octets, at most 140 with the UDH, an even number; GSM 7-bit ->
 *   one character per octet (0x00..0x7F, unpacked: the gateway packs), at most the septets
 *   one SMS holds after the UDH (160 without; seed 003 §3.2: "otherwise ... 160 characters").
 * - x-smpp-esm-class (SMPP 3.4 §5.2.12), default 0: 0x40 is UDHI. The messaging mode bits may
 *   be 00 (default) or 11 (store and forward, which is what the gateway does anyway). Datagram
 *   and forward (transaction) mode, the delivery/user acknowledgement message types and the
 *   reply path (0x80) are refused: the gateway cannot honour them (it keeps and retries every
 *   message, sends no acknowledgements, and its SMS-SUBMIT never sets TP-RP).
 * - x-smpp-protocol-id, default 0: TP-PID, 0..255 (23.040 §9.2.3.9), passed on unchanged.
 * - x-smpp-data-coding, default 0: the GSM 03.38 DCS (seed 003 §3.2), passed to TP-DCS
 *   unchanged; readDcs() (encode/tpdu-fields.ts) says which values are taken and what alphabet they mean.
 * - x-smpp-validity-period (SMPP 3.4 §7.1.1): absolute "YYMMDDhhmmsstnnp" or relative
 *   "YYMMDDhhmmss000R", turned into minutes from `now` and kept within what a relative TP-VP
 *   expresses (23.040 §9.2.3.12.1: 5 minutes to 63 weeks). A time already past is refused.
 * - x-smpp-destination-addr: an international MSISDN, only when the envelope recipient is not
 *   a number (seed 003 §3.2); then it is required.
 * Numbers are decimal; 0x-prefixed hex is also read. Blank numeric headers mean the default.
 * Any other x-smpp-* header is refused, not ignored: a sender who sets, say, a schedule time
 * or registered_delivery learns it is not honoured instead of having it silently dropped.
 */
import {
  USER_DATA_OCTETS,
  decodeUcs2,
  fromGsm7Septets,
  hexToOctets,
  octetsToHex,
  readDcs,
  septetBudget,
  toGsm7Septets,
  type Encoding,
  type SmsPart,
} from '../encode/index.js';

export const SMPP_HEADERS = [
  'x-smpp-destination-addr',
  'x-smpp-short-message',
  'x-smpp-esm-class',
  'x-smpp-protocol-id',
  'x-smpp-data-coding',
  'x-smpp-validity-period',
] as const;

export type SmppHeader = (typeof SMPP_HEADERS)[number];

export interface EncapsulatedSms {
  /** What the DCS makes of the user data (GSM 03.38 §4). */
  readonly encoding: Encoding;
  /** gsm7 / ucs2: the text the user data holds; binary: ''. */
  readonly text: string;
  /** The short message after the UDH, uppercase hex (gsm7: one septet per octet). */
  readonly userDataHex: string;
  /** The UDH's information elements, uppercase hex, without UDHL; present when UDHI is set. */
  readonly udhHex?: string;
  readonly dcs: number;
  readonly pid: number;
  /** Relative validity, 5 .. 635040 minutes; absent when the header is absent. */
  readonly validityMinutes?: number;
  /** '+' and digits, from x-smpp-destination-addr. */
  readonly destination?: string;
}

export type Encapsulation =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly sms: EncapsulatedSms }
  | { readonly kind: 'invalid'; readonly header: string; readonly reason: string };

type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ESM_UDHI = 0x40;
/** 23.040 §9.2.3.12.1: relative TP-VP runs from 5 minutes to 63 weeks. */
export const MIN_VALIDITY_MINUTES = 5;
export const MAX_VALIDITY_MINUTES = 63 * 7 * 24 * 60;
const MINUTE_MS = 60_000;

/** Reads the x-smpp-* headers (ParsedMail.headers: lower-case names, unfolded, not decoded). */
export function encapsulationOf(
  headers: ReadonlyMap<string, string>,
  recipient: { readonly isNumber: boolean },
  now: number,
): Encapsulation {
  const shortMessage = headers.get('x-smpp-short-message');
  if (shortMessage === undefined) return { kind: 'none' };
  const known: readonly string[] = SMPP_HEADERS;
  for (const name of headers.keys()) {
    if (name.startsWith('x-smpp-') && !known.includes(name)) {
      return invalid(name, `is not supported: only ${SMPP_HEADERS.join(', ')} are read`);
    }
  }
  const esm = readNumber(headers.get('x-smpp-esm-class'));
  if (!esm.ok) return invalid('x-smpp-esm-class', esm.reason);
  const esmProblem = esmClassProblem(esm.value);
  if (esmProblem !== undefined) return invalid('x-smpp-esm-class', esmProblem);
  const pid = readNumber(headers.get('x-smpp-protocol-id'));
  if (!pid.ok) return invalid('x-smpp-protocol-id', pid.reason);
  const dcs = readNumber(headers.get('x-smpp-data-coding'));
  if (!dcs.ok) return invalid('x-smpp-data-coding', dcs.reason);
  const encoding = readDcs(dcs.value);
  if (!encoding.ok) return invalid('x-smpp-data-coding', encoding.reason);
  const content = readShortMessage(shortMessage, (esm.value & ESM_UDHI) !== 0, encoding.value);
  if (!content.ok) return invalid('x-smpp-short-message', content.reason);
  const validity = readValidity(headers.get('x-smpp-validity-period'), now);
  if (!validity.ok) return invalid('x-smpp-validity-period', validity.reason);
  const destination = readDestination(headers.get('x-smpp-destination-addr'), recipient.isNumber);
  if (!destination.ok) return invalid('x-smpp-destination-addr', destination.reason);
  const sms: EncapsulatedSms = {
    encoding: encoding.value,
    ...content.value,
    dcs: dcs.value,
    pid: pid.value,
    ...(validity.value !== undefined ? { validityMinutes: validity.value } : {}),
    ...(destination.value !== undefined ? { destination: destination.value } : {}),
  };
  return { kind: 'ok', sms };
}

/** The SmsPart the encode stage's buildSubmitTpdu() takes for an encapsulated SMS. */
export function encapsulatedPart(sms: EncapsulatedSms, destination: string, statusReport: boolean): SmsPart {
  return {
    destination,
    encoding: sms.encoding,
    text: sms.text,
    ...(sms.encoding === 'binary' ? { userDataHex: sms.userDataHex } : {}),
    ...(sms.udhHex !== undefined ? { udhHex: sms.udhHex } : {}),
    dcs: sms.dcs,
    pid: sms.pid,
    ...(sms.validityMinutes !== undefined ? { validityMinutes: sms.validityMinutes } : {}),
    statusReport,
  };
}

function invalid(header: string, reason: string): Encapsulation {
  return { kind: 'invalid', header, reason };
}

/** A one-octet field: decimal or 0x-hex, 0..255; blank or absent is the default 0. */
function readNumber(raw: string | undefined): Read<number> {
  const text = (raw ?? '').trim();
  if (text === '') return { ok: true, value: 0 };
  const value = /^\d{1,10}$/.test(text) ? Number(text) : /^0x[0-9a-f]{1,2}$/i.test(text) ? Number.parseInt(text.slice(2), 16) : NaN;
  if (Number.isNaN(value) || value > 255) return { ok: false, reason: `is ${quote(text)}, not a number from 0 to 255` };
  return { ok: true, value };
}

/** SMPP 3.4 §5.2.12: bits 1-0 messaging mode, 5-2 message type, 7-6 GSM features. */
function esmClassProblem(esm: number): string | undefined {
  const mode = esm & 0x03;
  if (mode === 0x01) return `is ${esm}: datagram mode is not offered (every message is kept and retried)`;
  if (mode === 0x02) return `is ${esm}: forward (transaction) mode is not offered`;
  if ((esm & 0x3c) !== 0) return `is ${esm}: message types other than the default (delivery or user acknowledgement) are not sent`;
  if ((esm & 0x80) !== 0) return `is ${esm}: the reply path (0x80) is not set by this gateway; use 0, or 64 when a UDH is present`;
  return undefined;
}

type Content = Pick<EncapsulatedSms, 'text' | 'userDataHex' | 'udhHex'>;

/** The short message: hex -> octets -> UDH and user data, checked against one SMS's room. */
function readShortMessage(raw: string, udhi: boolean, encoding: Encoding): Read<Content> {
  const hex = raw.replace(/[ \t\r\n]+/g, '');
  if (hex === '') return { ok: false, reason: 'is empty' };
  const bad = /[^0-9a-f]/i.exec(hex);
  if (bad !== null) return { ok: false, reason: `holds ${quote(bad[0])} at hex digit ${bad.index + 1}, which is not a hex digit` };
  if (hex.length % 2 !== 0) return { ok: false, reason: `has an odd number of hex digits (${hex.length}): each octet takes two` };
  const octets = hexToOctets(hex);
  const udh = udhi ? readUdh(octets) : { ok: true as const, value: 0 };
  if (!udh.ok) return udh;
  const udhOctets = udh.value;
  if (udhOctets > USER_DATA_OCTETS) return { ok: false, reason: `has a UDH of ${udhOctets} octets; one SMS carries at most ${USER_DATA_OCTETS}` };
  const data = octets.subarray(udhOctets);
  const udhHex = udhOctets > 0 ? { udhHex: octetsToHex(octets.subarray(1, udhOctets)) } : {};
  if (encoding === 'gsm7') {
    const text = readSeptets(data, udhOctets);
    return text.ok ? { ok: true, value: { text: text.value, userDataHex: octetsToHex(data), ...udhHex } } : text;
  }
  if (octets.length > USER_DATA_OCTETS) {
    return { ok: false, reason: `is ${octets.length} octets; one SMS carries at most ${USER_DATA_OCTETS}, UDH included` };
  }
  if (encoding === 'ucs2' && data.length % 2 !== 0) {
    return { ok: false, reason: `holds ${data.length} octets of UCS-2 after the UDH; UCS-2 takes two per character` };
  }
  const text = encoding === 'ucs2' ? decodeUcs2(data) : '';
  return { ok: true, value: { text, userDataHex: octetsToHex(data), ...udhHex } };
}

/** UDHL and the information elements (23.040 §9.2.3.24); the value is UDHL + 1 octets. */
function readUdh(octets: Uint8Array): Read<number> {
  const udhl = octets[0] ?? 0;
  if (udhl === 0) return { ok: false, reason: 'starts with UDHL 0, but x-smpp-esm-class says a UDH is present' };
  if (udhl + 1 > octets.length) {
    return { ok: false, reason: `starts with UDHL ${udhl}, but only ${octets.length - 1} octets follow it` };
  }
  let at = 1;
  while (at < udhl + 1) {
    const length = octets[at + 1];
    if (length === undefined || at + 2 + length > udhl + 1) {
      return { ok: false, reason: `has a UDH information element at octet ${at + 1} that runs past UDHL ${udhl}` };
    }
    at += 2 + length;
  }
  return { ok: true, value: udhl + 1 };
}

/** GSM 7-bit user data as SMPP carries it: one septet per octet (SMPP 3.4 §5.2.19). */
function readSeptets(data: Uint8Array, udhOctets: number): Read<string> {
  const septets = [...data];
  const over = septets.findIndex((s) => s > 0x7f);
  if (over >= 0) {
    return { ok: false, reason: `holds octet ${octetsToHex(data.subarray(over, over + 1))} after the UDH, which is no GSM 7-bit character (one per octet, 00..7F)` };
  }
  const budget = septetBudget(udhOctets);
  if (septets.length > budget) return { ok: false, reason: `is ${septets.length} GSM 7-bit characters; one SMS carries at most ${budget} here` };
  const text = fromGsm7Septets(septets);
  const again = toGsm7Septets(text);
  if (!again.ok || again.septets.length !== septets.length || again.septets.some((s, i) => s !== septets[i])) {
    return { ok: false, reason: 'holds an escape (1B) not followed by a GSM 03.38 extension character' };
  }
  return { ok: true, value: text };
}

const SMPP_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([-+R])$/;

/** SMPP 3.4 §7.1.1 time -> minutes from `now`, within 5 minutes .. 63 weeks; blank: none. */
function readValidity(raw: string | undefined, now: number): Read<number | undefined> {
  const text = (raw ?? '').trim();
  if (text === '') return { ok: true, value: undefined };
  const match = SMPP_TIME.exec(text);
  if (match === null) {
    return { ok: false, reason: `is ${quote(text)}, not YYMMDDhhmmsstnnp (absolute) or YYMMDDhhmmss000R (relative) (SMPP 3.4 section 7.1.1)` };
  }
  const [yy, mo, dd, hh, mi, ss, t, nn] = match.slice(1, 9).map(Number) as [number, number, number, number, number, number, number, number];
  const sign = match[9];
  let until: number;
  if (sign === 'R') {
    if (t !== 0 || nn !== 0) return { ok: false, reason: `is ${quote(text)}: a relative time ends in 000R (SMPP 3.4 section 7.1.1.2)` };
    const base = new Date(now);
    until = Date.UTC(base.getUTCFullYear() + yy, base.getUTCMonth() + mo, base.getUTCDate() + dd,
      base.getUTCHours() + hh, base.getUTCMinutes() + mi, base.getUTCSeconds() + ss, base.getUTCMilliseconds());
    if (until <= now) return { ok: false, reason: `is ${quote(text)}: a relative validity of zero ends before the message is sent` };
  } else {
    const local = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss, t * 100);
    const check = new Date(local);
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== dd || hh > 23 || mi > 59 || ss > 59 || nn > 48) {
      return { ok: false, reason: `is ${quote(text)}, which is no valid date and time (SMPP 3.4 section 7.1.1.1)` };
    }
    // nn quarter hours between local time and UTC; '+' means local time is ahead of UTC.
    until = local - (sign === '+' ? 1 : -1) * nn * 15 * MINUTE_MS;
    if (until <= now) return { ok: false, reason: `is ${quote(text)}, which is in the past (${new Date(until).toISOString()})` };
  }
  const minutes = Math.ceil((until - now) / MINUTE_MS);
  return { ok: true, value: Math.min(MAX_VALIDITY_MINUTES, Math.max(MIN_VALIDITY_MINUTES, minutes)) };
}

/** Only when the envelope recipient is no number, and then required (seed 003 §3.2). */
function readDestination(raw: string | undefined, recipientIsNumber: boolean): Read<string | undefined> {
  const text = (raw ?? '').replace(/\s+/g, '');
  if (recipientIsNumber) {
    if (text === '') return { ok: true, value: undefined };
    return { ok: false, reason: 'must not be given when the recipient address already holds the number' };
  }
  if (text === '') return { ok: false, reason: 'is missing: the recipient address holds no number, so this header must give one' };
  if (!/^\+?\d{1,15}$/.test(text)) return { ok: false, reason: `is ${quote(text)}, not an international number ('+' and up to 15 digits)` };
  return { ok: true, value: text.startsWith('+') ? text : `+${text}` };
}

/** A value for a reply text: quoted, short, printable ASCII (an SMTP reply is ASCII, RFC 5321 §4.2). */
function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return `"${short.replace(/[^\x20-\x7e]|["\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}
