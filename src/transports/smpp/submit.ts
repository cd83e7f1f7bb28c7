/*
 * submit.ts - the submit_sm an SmsPart becomes (SMPP 3.4 §4.4.1), as the fields object the
 * `smpp` package's `new PDU('submit_sm', fields)` takes.
 *
 * Promise: pure (no I/O, no clock) and never throws; a part or option the SMSC cannot be given
 * comes back as { ok: false } naming the field, the value and why, with an RFC 3463 status.
 * short_message and message_payload are always Buffers, because the package re-encodes a
 * string by its own tables (a character its GSM table lacks silently becomes 00, an '@';
 * data_coding 1, IA5, is written with the GSM table), and every field it reads is set, so it guesses nothing.
 *
 * The mapping (docs/smpp.md):
 * - destination_addr: the E.164 digits without '+', TON 1 (international), NPI 1 (E.164).
 * - source_addr: see sourceAddressOf().
 * - data_coding (§5.2.19): 0 for GSM text, which is then the GSM 03.38 default alphabet
 *   unpacked, one septet per octet, an extension character ESC 0x1B + its code (the SMSC packs
 *   it into TP-UD); 8 for UCS-2 (UTF-16BE, surrogate pairs as two units); binary parts and
 *   parts with an explicit TP-DCS carry that DCS, except that a DCS of coding group 0000 is
 *   written as 0, 4 or 8 by its alphabet: SMPP gives 0x01..0x0F meanings of its own (IA5,
 *   Latin-1, JIS …), while in GSM 03.38 their low bits are reserved and carry nothing.
 * - long: 'udh' puts the concatenation IE (00 03 ref total seq, 3GPP TS 23.040 §9.2.3.24.1)
 *   in a UDH at the start of short_message and sets esm_class UDHI (0x40); 'sar' sends
 *   sar_msg_ref_num / sar_total_segments / sar_segment_seqnum (§5.3.2.22-24) and no UDH for
 *   it. A UDH the sender gave (udhHex, x-smpp encapsulation) is kept in either mode, after
 *   the concatenation IE as the modem's TPDU has it. 'payload' is toPayloadSubmitSm().
 * - validity_period: relative "YYMMDDhhmmss000R" (§7.1.1.2) from validityMinutes, or none.
 * - registered_delivery 1 (SMSC receipt on success and failure, §5.2.17) when the part asks
 *   for a status report; protocol_id is the TP-PID; priority_flag from the options.
 */
import {
  USER_DATA_OCTETS,
  concatIeHex,
  dcsForEncoding,
  encodeUcs2,
  encodingOfDcs,
  gsm7SeptetCount,
  hexToOctets,
  isHex,
  septetBudget,
  toGsm7Septets,
  type SmsPart,
} from '../../encode/index.js';

/** How a concatenated part says so on a submit_sm of its own ('payload': toPayloadSubmitSm). */
export type SubmitLongMode = 'udh' | 'sar';

export interface SubmitOptions {
  /** Default 'udh'. */
  readonly long?: SubmitLongMode;
  /** The user's sender ID (accounts' parseSenderId): letters and digits, or a number. */
  readonly senderId?: string;
  /** The route's source_ton / source_npi, for a part without sender ID (default 0 / 0). */
  readonly sourceTon?: number;
  readonly sourceNpi?: number;
  /** priority_flag 0..3 (§5.2.14), default 0. */
  readonly priority?: number;
  /** service_type (§5.2.11), default '' (the SMSC's default). */
  readonly serviceType?: string;
}

/** The fields of a submit_sm as the package names them (SMPP 3.4 §4.4.1, TLVs §5.3.2). */
export interface SubmitSmFields {
  readonly service_type: string;
  readonly source_addr_ton: number;
  readonly source_addr_npi: number;
  readonly source_addr: string;
  readonly dest_addr_ton: number;
  readonly dest_addr_npi: number;
  readonly destination_addr: string;
  readonly esm_class: number;
  readonly protocol_id: number;
  readonly priority_flag: number;
  readonly schedule_delivery_time: string;
  readonly validity_period: string;
  readonly registered_delivery: number;
  readonly replace_if_present_flag: number;
  readonly data_coding: number;
  readonly sm_default_msg_id: number;
  readonly short_message: Buffer;
  readonly sar_msg_ref_num?: number;
  readonly sar_total_segments?: number;
  readonly sar_segment_seqnum?: number;
  readonly message_payload?: Buffer;
}

export type SubmitSmResult =
  | { readonly ok: true; readonly fields: SubmitSmFields }
  | {
      readonly ok: false;
      /** The submit_sm field that cannot be filled: source_addr, destination_addr, short_message … */
      readonly field: string;
      readonly reason: string;
      /** RFC 3463 status for the failure notice. */
      readonly status: string;
    };

type Failure = Extract<SubmitSmResult, { ok: false }>;
type Read<T> = { readonly ok: true; readonly value: T } | Failure;

/** esm_class bit 6: short_message (or message_payload) starts with a UDH (§5.2.12). */
export const ESM_CLASS_UDHI = 0x40;
/** SMPP 3.4 §5.2.22: sm_length is 0..254. */
export const MAX_SHORT_MESSAGE_OCTETS = 254;
/** TLV lengths are 16 bits (§3.3). */
export const MAX_PAYLOAD_OCTETS = 0xffff;
/** 3GPP TS 23.040 §9.1.2.5: an alphanumeric TP-OA holds at most 11 septets. */
const MAX_ALPHANUMERIC_SEPTETS = 11;
const TON_INTERNATIONAL = 1;
const NPI_E164 = 1;
const TON_ALPHANUMERIC = 5;
const NPI_UNKNOWN = 0;

export interface SourceAddress {
  readonly source_addr_ton: number;
  readonly source_addr_npi: number;
  readonly source_addr: string;
}

/**
 * source_addr from the sender ID: a number ('+' optional, up to 15 digits, E.164 §6.1) is TON
 * 1 / NPI 1; anything else is alphanumeric, TON 5 / NPI 0, and must be GSM 7-bit characters
 * (the SMSC writes it into TP-OA) within 11 septets, and printable ASCII, since a C-Octet
 * String is ASCII (SMPP 3.4 §3.1). No sender ID: empty, with the route's TON/NPI.
 */
export function sourceAddressOf(options: SubmitOptions): Read<SourceAddress> {
  const sender = options.senderId ?? '';
  if (sender === '') {
    return { ok: true, value: { source_addr_ton: options.sourceTon ?? 0, source_addr_npi: options.sourceNpi ?? 0, source_addr: '' } };
  }
  const number = /^\+?([0-9]{1,15})$/.exec(sender);
  if (number) return { ok: true, value: { source_addr_ton: TON_INTERNATIONAL, source_addr_npi: NPI_E164, source_addr: number[1] ?? '' } };
  const quoted = JSON.stringify(sender);
  const notAscii = [...sender].find((c) => c < ' ' || c > '~');
  if (notAscii !== undefined) {
    return fail('source_addr', `sender ID ${quoted} holds ${JSON.stringify(notAscii)}, which an SMPP address (ASCII, SMPP 3.4 section 3.1) cannot carry`, '5.1.7');
  }
  const septets = gsm7SeptetCount(sender);
  if (septets === undefined) {
    const bad = [...sender].find((c) => gsm7SeptetCount(c) === undefined) ?? '';
    return fail('source_addr', `sender ID ${quoted} holds ${JSON.stringify(bad)}, which has no GSM 7-bit form`, '5.1.7');
  }
  if (septets > MAX_ALPHANUMERIC_SEPTETS) {
    return fail('source_addr', `sender ID ${quoted} takes ${septets} GSM characters; an alphanumeric sender holds at most ${MAX_ALPHANUMERIC_SEPTETS}`, '5.1.7');
  }
  return { ok: true, value: { source_addr_ton: TON_ALPHANUMERIC, source_addr_npi: NPI_UNKNOWN, source_addr: sender } };
}

/** The submit_sm for one part, concatenation as `options.long` says. */
export function toSubmitSm(part: SmsPart, options: SubmitOptions = {}): SubmitSmResult {
  const header = headerFields(part, options);
  if (!header.ok) return header;
  const data = userDataOf(part);
  if (!data.ok) return data;
  const sar = options.long === 'sar';
  const udh = udhOf((part.concat && !sar ? concatIeHex(part.concat) : '') + (part.udhHex ?? ''));
  if (!udh.ok) return udh;
  const room = fitsOneSms(part, data.value, udh.value.length);
  if (!room.ok) return room;
  const shortMessage = Buffer.concat([udh.value, data.value]);
  if (shortMessage.length > MAX_SHORT_MESSAGE_OCTETS) {
    return fail('short_message', `is ${shortMessage.length} octets; sm_length is at most ${MAX_SHORT_MESSAGE_OCTETS}`, '5.6.0');
  }
  const sarFields = sar && part.concat
    ? { sar_msg_ref_num: part.concat.ref, sar_total_segments: part.concat.total, sar_segment_seqnum: part.concat.seq }
    : {};
  return { ok: true, fields: { ...header.value, esm_class: udh.value.length > 0 ? ESM_CLASS_UDHI : 0, short_message: shortMessage, ...sarFields } };
}

/**
 * One submit_sm for all parts of one message (route `long: payload`): their user data joined,
 * in seq order, in one message_payload TLV (§5.3.2.32), short_message empty. The parts must
 * agree on everything but their text, and a concatenated message must be whole (1..total).
 */
export function toPayloadSubmitSm(parts: readonly SmsPart[], options: Omit<SubmitOptions, 'long'> = {}): SubmitSmResult {
  const first = parts[0];
  if (first === undefined) return fail('message_payload', 'has no parts to carry', '5.6.0');
  const ordered = [...parts].sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0));
  const whole = wholeMessage(ordered);
  if (!whole.ok) return whole;
  const header = headerFields(first, options);
  if (!header.ok) return header;
  const chunks: Buffer[] = [];
  for (const part of ordered) {
    const data = userDataOf(part);
    if (!data.ok) return data;
    chunks.push(data.value);
  }
  const udh = udhOf(first.udhHex ?? '');
  if (!udh.ok) return udh;
  const payload = Buffer.concat([udh.value, ...chunks]);
  if (payload.length > MAX_PAYLOAD_OCTETS) return fail('message_payload', `is ${payload.length} octets; a TLV holds at most ${MAX_PAYLOAD_OCTETS}`, '5.3.4');
  return { ok: true, fields: { ...header.value, esm_class: udh.value.length > 0 ? ESM_CLASS_UDHI : 0, short_message: Buffer.alloc(0), message_payload: payload } };
}

/**
 * validity_period in SMPP relative form (§7.1.1.2), never shorter than asked: days, hours and
 * minutes while under 100 days; beyond that months of 28 days (the SMSC adds calendar months,
 * each at least 28 days) and years of 12 such months, capped at 99 years.
 */
export function relativeValidityPeriod(minutes: number): string {
  const total = Math.max(1, Math.ceil(minutes));
  let days = Math.floor(total / 1440);
  let months = 0;
  if (days > 99) {
    months = Math.floor(days / 28);
    days -= months * 28;
  }
  const years = Math.min(99, Math.floor(months / 12));
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(years)}${two(months % 12)}${two(days)}${two(Math.floor((total % 1440) / 60))}${two(total % 60)}00000R`;
}

/** data_coding for a part (header: group 0000 DCS values written by their alphabet). */
export function dataCodingOf(part: Pick<SmsPart, 'encoding' | 'dcs'>): number {
  if (part.dcs === undefined) return dcsForEncoding(part.encoding);
  return part.dcs < 0x10 ? dcsForEncoding(encodingOfDcs(part.dcs)) : part.dcs;
}

type HeaderFields = Omit<SubmitSmFields, 'esm_class' | 'short_message' | 'message_payload' | 'sar_msg_ref_num' | 'sar_total_segments' | 'sar_segment_seqnum'>;

/** Everything but the user data: addresses, PID, priority, validity, receipt, coding. */
function headerFields(part: SmsPart, options: SubmitOptions): Read<HeaderFields> {
  const destination = /^\+([0-9]{1,20})$/.exec(part.destination);
  if (!destination) return fail('destination_addr', `destination ${JSON.stringify(part.destination)} is not '+' and up to 20 digits`, '5.1.3');
  const source = sourceAddressOf(options);
  if (!source.ok) return source;
  const priority = options.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 3) return fail('priority_flag', `priority ${priority} is not 0, 1, 2 or 3`, '5.5.4');
  return {
    ok: true,
    value: {
      service_type: options.serviceType ?? '',
      ...source.value,
      dest_addr_ton: TON_INTERNATIONAL,
      dest_addr_npi: NPI_E164,
      destination_addr: destination[1] ?? '',
      protocol_id: part.pid ?? 0,
      priority_flag: priority,
      schedule_delivery_time: '',
      validity_period: part.validityMinutes === undefined ? '' : relativeValidityPeriod(part.validityMinutes),
      registered_delivery: part.statusReport ? 1 : 0,
      replace_if_present_flag: 0,
      data_coding: dataCodingOf(part),
      sm_default_msg_id: 0,
    },
  };
}

/** The part's user data as SMPP carries it: unpacked septets, UTF-16BE, or the octets. */
function userDataOf(part: SmsPart): Read<Buffer> {
  if (part.encoding === 'gsm7') {
    const gsm = toGsm7Septets(part.text);
    if (!gsm.ok) return fail('short_message', `text holds ${JSON.stringify(gsm.char)} at ${gsm.index}, which has no GSM 7-bit form`, '5.6.0');
    return { ok: true, value: Buffer.from(gsm.septets) };
  }
  if (part.encoding === 'ucs2') return { ok: true, value: Buffer.from(encodeUcs2(part.text)) };
  const hex = part.userDataHex ?? '';
  if (!isHex(hex)) return fail('short_message', 'user data of a binary part is not hex', '5.6.0');
  return { ok: true, value: Buffer.from(hexToOctets(hex)) };
}

/** UDHL + information elements (hex, without UDHL), or no octets. */
function udhOf(ies: string): Read<Buffer> {
  if (ies === '') return { ok: true, value: Buffer.alloc(0) };
  if (!isHex(ies)) return fail('short_message', `UDH ${JSON.stringify(ies)} is not hex`, '5.6.0');
  if (ies.length / 2 >= USER_DATA_OCTETS) return fail('short_message', `UDH of ${ies.length / 2} octets leaves no room in one SMS`, '5.6.0');
  return { ok: true, value: Buffer.from([ies.length / 2, ...hexToOctets(ies)]) };
}

/** One SMS's room (TS 23.040 §9.2.3.24): septets after the UDH for GSM, else 140 octets. */
function fitsOneSms(part: SmsPart, data: Buffer, udhOctets: number): Read<true> {
  if (part.encoding === 'gsm7') {
    const budget = septetBudget(udhOctets);
    if (data.length > budget) return fail('short_message', `text takes ${data.length} GSM septets; one SMS holds ${budget} here`, '5.3.4');
  } else if (udhOctets + data.length > USER_DATA_OCTETS) {
    return fail('short_message', `user data is ${udhOctets + data.length} octets with its UDH; one SMS holds ${USER_DATA_OCTETS}`, '5.3.4');
  }
  return { ok: true, value: true };
}

/** Parts of one message: same fields, a sender UDH only when alone, numbered 1..total. */
function wholeMessage(parts: readonly SmsPart[]): Read<true> {
  const [first] = parts;
  for (const part of parts) {
    for (const key of ['destination', 'encoding', 'dcs', 'pid', 'validityMinutes', 'statusReport'] as const) {
      if (part[key] !== first?.[key]) return fail('message_payload', `parts of one message differ in ${key}`, '5.6.0');
    }
  }
  if (parts.length > 1 && parts.some((p) => p.udhHex !== undefined)) {
    return fail('message_payload', 'a UDH given by the sender belongs to one SMS, not to a message of several parts', '5.6.0');
  }
  if (parts.length > 1 && parts.some((p) => p.concat === undefined)) {
    return fail('message_payload', 'parts without concatenation info are separate SMS, not one message', '5.6.0');
  }
  const numbered = parts.every((p, i) => p.concat === undefined || (p.concat.seq === i + 1 && p.concat.total === parts.length && p.concat.ref === first?.concat?.ref));
  if (!numbered) {
    const seqs = parts.map((p) => p.concat?.seq ?? '?').join(', ');
    return fail('message_payload', `parts ${seqs} are not the whole message 1..${first?.concat?.total ?? parts.length}`, '5.6.0');
  }
  return { ok: true, value: true };
}

function fail(field: string, reason: string, status: string): Failure {
  return { ok: false, field, reason, status };
}
