/*
 * types.ts - the values the encode stage hands to the queue and the transports.
 *
 * An SmsPart is one SMS on the air: everything a transport needs to build an SMS-SUBMIT
 * (modem, 3GPP TS 23.040 §9.2.2.2) or a submit_sm (SMPP 3.4 §4.4). It holds the part's text,
 * not a PDU, so the same queued part can go out through any transport; the modem transport
 * builds the TPDU at send time with buildSubmitTpdu().
 */

/** gsm7: GSM 03.38 default alphabet + extension table; ucs2: UTF-16BE; binary: 8-bit data. */
export type Encoding = 'gsm7' | 'ucs2' | 'binary';

/** How a text longer than one SMS goes out (SPEC 6). */
export type LongMode = 'concatenate' | 'split';

/** What a text longer than the account's max segments gets (SPEC 6): cut with `…`, or 552 5.3.4. */
export type OverflowMode = 'truncate' | 'refuse';

/** Concatenation info element (IEI 0x00, 8-bit reference), 3GPP TS 23.040 §9.2.3.24.1. */
export interface ConcatInfo {
  /** 0..255, allocated per destination by the queue (SPEC 13). */
  readonly ref: number;
  /** Number of parts, 1..255. */
  readonly total: number;
  /** This part, 1-based. */
  readonly seq: number;
}

export interface SmsPart {
  /** International number: '+' then 8..15 digits (E.164). */
  readonly destination: string;
  readonly encoding: Encoding;
  /** gsm7 / ucs2: the text this part carries (fits the part's budget). binary: ''. */
  readonly text: string;
  /** binary only: user data octets, hex, without the UDH. */
  readonly userDataHex?: string;
  /** A UDH given by the sender (x-smpp encapsulation), hex, without the UDHL octet. */
  readonly udhHex?: string;
  /** Present when this part is one of a concatenated message. */
  readonly concat?: ConcatInfo;
  /** Explicit TP-DCS (encapsulation); otherwise derived from `encoding`. */
  readonly dcs?: number;
  /** TP-PID, default 0. */
  readonly pid?: number;
  /** Relative validity in minutes (TP-VPF relative); absent: no TP-VP. */
  readonly validityMinutes?: number;
  /** Ask the SMSC for a status report (TP-SRR). */
  readonly statusReport: boolean;
}

/**
 * One SMS-DELIVER (3GPP TS 23.040 §9.2.2.1) or MO deliver_sm (SMPP 3.4 §4.6) as received: one
 * part of what a phone sent (SPEC 10). Texts are decoded; reassembly is the inbound stage's.
 */
export interface DeliveredSms {
  /**
   * The originator: '+' and digits for an international number (TON 1), the digits as given for
   * any other numeric address, the decoded name for an alphanumeric sender (TON 5).
   */
  readonly from: string;
  /** An alphanumeric originator cannot be answered by SMS. */
  readonly fromKind: 'international' | 'national' | 'alphanumeric';
  readonly encoding: Encoding;
  /** gsm7 / ucs2: this part's text; binary: ''. */
  readonly text: string;
  /** binary only: the user data octets, hex, without the UDH. */
  readonly dataHex?: string;
  /** Concatenation (IEI 0x00 8-bit or 0x08 16-bit reference, or SMPP SAR TLVs). */
  readonly concat?: ConcatInfo & { readonly refBits: 8 | 16 };
  /** TP-SCTS, ms since the epoch, when the PDU has one (an SMPP deliver_sm has none). */
  readonly sentAt?: number;
  /** TP-DCS message class 0: a flash SMS, shown and not stored by a phone. */
  readonly flash?: boolean;
}
