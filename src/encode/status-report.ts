/*
 * status-report.ts - read an SMS-STATUS-REPORT TPDU (3GPP TS 23.040 §9.2.2.3), as a modem hands
 * it over in a +CDS URC or an AT+CMGR reply (TS 27.005 §3.4.1, §3.4.3), and say what its
 * TP-Status means for the message it reports on.
 *
 * Promise: pure; decodeStatusReport() never throws on modem output: a PDU that is not hex, not a
 * STATUS-REPORT or cut short comes back as { ok: false, reason }. Read by hand, not with
 * node-pdu (imported only by tpdu.ts): the fields are fixed and few, and the unit tests check
 * every corpus report against node-pdu's parser as a second reader.
 *
 * Limits: the optional TP-PI/TP-PID/TP-DCS/TP-UD after TP-ST are not read (nothing here needs
 * them); an alphanumeric TP-RA (TON 101) is read as semi-octets like any other, and will then
 * match no destination.
 */
import { hexToOctets, isHex } from './hex.js';
import { readSemiOctets, readTimestamp } from './tpdu-fields.js';

/** Fixed part after TP-RA: TP-SCTS (7), TP-DT (7), TP-ST (1). */
const TIMES_AND_STATUS = 15;
const TP_MTI_STATUS_REPORT = 0x02;
const TON_INTERNATIONAL = 0x10;

export interface StatusReportTpdu {
  /** TP-MR of the SMS-SUBMIT this reports on (the +CMGS: <mr>). */
  readonly messageRef: number;
  /** TP-RA: '+' and digits when the type of number is international, the bare digits otherwise. */
  readonly recipient: string;
  /** TP-SCTS: when the service centre took the message, ms since the epoch. */
  readonly serviceCentreAt: number;
  /** TP-DT: when it was delivered, or the last attempt, ms since the epoch. */
  readonly dischargeAt: number;
  /** TP-ST (§9.2.3.15). */
  readonly status: number;
}

export type DecodedStatusReport =
  | { readonly ok: true; readonly report: StatusReportTpdu }
  | { readonly ok: false; readonly reason: string };

/** What a TP-Status says: final (delivered, failed, expired) or `pending` (the SC keeps trying). */
export type ReportState = 'delivered' | 'failed' | 'expired' | 'pending';

export interface ReportStatus {
  readonly state: ReportState;
  /** "TP-ST 0x46 validity period expired", for the log and the DSN. */
  readonly detail: string;
}

/**
 * Decodes a STATUS-REPORT. With `withSmsc` the hex starts with the SMSC field, as on the PDU line
 * of +CDS and +CMGR (TS 27.005 §3.4.1); it is skipped.
 */
export function decodeStatusReport(hex: string, opts: { readonly withSmsc?: boolean } = {}): DecodedStatusReport {
  const clean = hex.trim();
  if (!isHex(clean) || clean.length < 2) return { ok: false, reason: 'PDU is not hex' };
  const octets = hexToOctets(clean);
  const start = opts.withSmsc ? 1 + (octets[0] ?? 0) : 0;
  const at = (i: number): number | undefined => octets[start + i];
  const first = at(0);
  if (first === undefined) return { ok: false, reason: 'PDU ends inside the SMSC field' };
  if ((first & 0x03) !== TP_MTI_STATUS_REPORT) return { ok: false, reason: `TP-MTI is ${first & 0x03}, not SMS-STATUS-REPORT` };
  const messageRef = at(1);
  const digits = at(2);
  const toa = at(3);
  if (messageRef === undefined || digits === undefined || toa === undefined) return { ok: false, reason: 'PDU ends before TP-RA' };
  // TP-RA (§9.1.2.5): length counts digits; they fill ceil(digits / 2) octets.
  const raEnd = start + 4 + Math.ceil(digits / 2);
  if (octets.length < raEnd + TIMES_AND_STATUS) return { ok: false, reason: 'PDU ends before TP-ST' };
  const number = readSemiOctets(octets.subarray(start + 4, raEnd), digits);
  const scts = readTimestamp(octets.subarray(raEnd, raEnd + 7));
  const dt = readTimestamp(octets.subarray(raEnd + 7, raEnd + 14));
  if (scts === undefined || dt === undefined) return { ok: false, reason: 'TP-SCTS or TP-DT is not a time' };
  const report: StatusReportTpdu = {
    messageRef,
    recipient: ((toa & 0x70) === TON_INTERNATIONAL ? '+' : '') + number,
    serviceCentreAt: scts,
    dischargeAt: dt,
    status: octets[raEnd + 14] ?? 0,
  };
  return { ok: true, report };
}

/** TP-ST values with a name in §9.2.3.15 (SC-specific and reserved ones are named by range). */
const TP_ST_NAMES: Readonly<Record<number, string>> = {
  0x00: 'short message received by the SME',
  0x01: 'forwarded by the SC to the SME, delivery not confirmed',
  0x02: 'replaced by the SC',
  0x20: 'congestion, SC still trying',
  0x21: 'SME busy, SC still trying',
  0x22: 'no response from SME, SC still trying',
  0x23: 'service rejected, SC still trying',
  0x24: 'quality of service not available, SC still trying',
  0x25: 'error in SME, SC still trying',
  0x40: 'remote procedure error',
  0x41: 'incompatible destination',
  0x42: 'connection rejected by SME',
  0x43: 'not obtainable',
  0x44: 'quality of service not available',
  0x45: 'no interworking available',
  0x46: 'SM validity period expired',
  0x47: 'SM deleted by originating SME',
  0x48: 'SM deleted by SC administration',
  0x49: 'SM does not exist',
  0x60: 'congestion, SC gave up',
  0x61: 'SME busy, SC gave up',
  0x62: 'no response from SME, SC gave up',
  0x63: 'service rejected, SC gave up',
  0x64: 'quality of service not available, SC gave up',
  0x65: 'error in SME, SC gave up',
};

/**
 * TP-ST by its range (§9.2.3.15): 0x00-0x1F transaction completed (delivered); 0x20-0x3F
 * temporary error, the SC is still trying (pending); 0x40-0x5F permanent error (failed, but
 * 0x46 "validity period expired" is expired); 0x60-0x7F temporary error the SC no longer
 * retries (failed). 0x80-0xFF are reserved; read as failed, as a report we cannot read cannot
 * claim delivery.
 */
export function classifyTpStatus(st: number): ReportStatus {
  const code = `TP-ST 0x${(st & 0xff).toString(16).padStart(2, '0').toUpperCase()}`;
  const range = st < 0x20 ? 'completed' : st < 0x40 ? 'temporary error, SC still trying' : st < 0x60 ? 'permanent error' : st < 0x80 ? 'temporary error, SC gave up' : 'reserved value';
  const detail = `${code} ${TP_ST_NAMES[st] ?? range}`;
  if (st < 0x20) return { state: 'delivered', detail };
  if (st < 0x40) return { state: 'pending', detail };
  if (st === 0x46) return { state: 'expired', detail };
  return { state: 'failed', detail };
}
