/*
 * probe-values.ts - turns the replies of a modem bench test (`mail2sms modem probe`) into
 * values a technician reads: identity strings, SIM state, registration words, operator, signal
 * in dBm and bars, SMSC address, PDU-mode support and the TP-Status of a status report.
 *
 * Promise: pure; every function takes the information lines of one command and returns a value
 * or undefined when the reply does not parse. Never throws on modem output.
 */
import { decodeStatusReport } from '../../encode/index.js';
import { lineFields } from './at-lines.js';

/** The text of an identity reply (AT+CGMI/CGMM/CGMR/CGSN): `+CGMI: x`, `x`, quotes and padding removed. */
export function parseIdentity(lines: readonly string[]): string | undefined {
  const text = lines
    .map((l) => l.replace(/^\+(CGMI|CGMM|CGMR|CGSN|GMI|GMM|GMR|GSN):\s*/i, '').trim().replace(/^"(.*)"$/, '$1').trim())
    .filter((l) => l !== '');
  return text.length === 0 ? undefined : text.join(' ');
}

/** IMEI of AT+CGSN: the first run of 14 to 17 digits (some modems add `IMEI:` or the SV). */
export function parseImei(lines: readonly string[]): string | undefined {
  return lines.map((l) => /\b(\d{14,17})\b/.exec(l)?.[1]).find((x) => x !== undefined);
}

/** IMSI of AT+CIMI (TS 27.007 §5.6): 6 to 15 digits. */
export function parseImsi(lines: readonly string[]): string | undefined {
  return lines.map((l) => /^(?:\+CIMI:\s*)?"?(\d{6,15})"?$/i.exec(l.trim())?.[1]).find((x) => x !== undefined);
}

/**
 * ICCID of AT+CCID / AT+ICCID / AT^ICCID? / AT+QCCID (no TS 27.007 command; vendors differ):
 * 18 to 22 digits, where some SIMs pad with a trailing F (ITU-T E.118). Huawei swaps nibbles
 * (`^ICCID: 98...`) but the value is shown as the modem gives it.
 */
export function parseIccid(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const m = /^(?:[+^$%]?[A-Z]*CCID:\s*)?"?([0-9]{18,22})[Ff]?"?$/i.exec(line.trim());
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/** What a +CPIN state word asks of the technician (TS 27.007 §8.3). */
export function describePinState(state: string): string {
  const words: Readonly<Record<string, string>> = {
    READY: 'SIM ready (no PIN needed)',
    'SIM PIN': 'SIM PIN required',
    'SIM PUK': 'SIM PUK required (the SIM is locked after wrong PINs)',
    'SIM PIN2': 'SIM PIN2 required',
    'SIM PUK2': 'SIM PUK2 required',
    'PH-SIM PIN': 'phone-to-SIM password required (SIM lock)',
    'PH-NET PIN': 'network personalisation password required (network lock)',
  };
  return words[state] ?? `SIM state ${state}`;
}

/** <stat> words live with the driver's registration reading; the probe report shows them. */
export { REGISTRATION_WORDS, registrationWord } from './registration.js';

export interface Operator {
  /** <mode>: 0 automatic, 1 manual, 2 deregistered, 3 format only, 4 manual/automatic. */
  readonly mode: number;
  readonly name?: string;
  /** <AcT> (TS 27.007 §7.3): 0 GSM, 2 UTRAN, 7 E-UTRAN… */
  readonly act?: number;
}

const ACT_WORDS: Readonly<Record<number, string>> = {
  0: 'GSM', 1: 'GSM Compact', 2: 'UTRAN', 3: 'GSM w/EGPRS', 4: 'UTRAN w/HSDPA', 5: 'UTRAN w/HSUPA',
  6: 'UTRAN w/HSDPA and HSUPA', 7: 'E-UTRAN', 8: 'EC-GSM-IoT', 9: 'E-UTRAN (NB-S1)', 10: 'E-UTRA-5GCN', 11: 'NR-5GCN', 12: 'NG-RAN', 13: 'E-UTRA-NR',
};

export function accessTechnologyWord(act: number): string {
  return ACT_WORDS[act] ?? `AcT ${act}`;
}

/** `+COPS: <mode>[,<format>,<oper>[,<AcT>]]` (TS 27.007 §7.3); <oper> may hold commas. */
export function parseCops(lines: readonly string[]): Operator | undefined {
  const line = lines.find((l) => /^\+COPS:/i.test(l));
  if (line === undefined) return undefined;
  const m = /^\+COPS:\s*(\d+)(?:\s*,\s*(\d+)\s*,\s*"([^"]*)"(?:\s*,\s*(\d+))?)?/i.exec(line);
  if (!m) return undefined;
  return {
    mode: Number(m[1]),
    ...(m[3] !== undefined && m[3] !== '' ? { name: m[3] } : {}),
    ...(m[4] !== undefined ? { act: Number(m[4]) } : {}),
  };
}

export interface Csq {
  readonly rssi: number;
  readonly ber: number;
  /** Undefined when rssi is 99 (not known or not detectable). */
  readonly dbm?: number;
  readonly bars: number;
}

/**
 * <rssi> of +CSQ as dBm (TS 27.007 §8.5): 0 → -113 or less, 1 → -111, 2..30 → -109..-53 in
 * 2 dB steps, 31 → -51 or more, 99 → not known (undefined).
 */
export function csqToDbm(rssi: number): number | undefined {
  if (!Number.isInteger(rssi) || rssi < 0 || rssi > 31) return undefined;
  return -113 + 2 * rssi;
}

/**
 * Bars 0-5 from dBm. Thresholds (GSM/UMTS RSSI, the bands most phone UIs use): no reading or
 * below -107 dBm: 0; -107..-100: 1; -99..-90: 2; -89..-80: 3; -79..-70: 4; -69 or more: 5.
 * SMS needs very little: 1 bar usually sends, 0 usually does not.
 */
export function dbmToBars(dbm: number | undefined): number {
  if (dbm === undefined || dbm < -107) return 0;
  if (dbm < -99) return 1;
  if (dbm < -89) return 2;
  if (dbm < -79) return 3;
  if (dbm < -69) return 4;
  return 5;
}

/** `+CSQ: <rssi>,<ber>` with dBm and bars. */
export function parseCsqReply(lines: readonly string[]): Csq | undefined {
  const m = lines.map((l) => /^\+CSQ:\s*(\d+)\s*,\s*(\d+)/i.exec(l)).find((x) => x !== null);
  if (!m) return undefined;
  const rssi = Number(m[1]);
  const dbm = csqToDbm(rssi);
  return { rssi, ber: Number(m[2]), ...(dbm !== undefined ? { dbm } : {}), bars: dbmToBars(dbm) };
}

export interface Smsc {
  readonly address: string;
  /** <tosca>: 145 international, 129 unknown/national (TS 24.008 §10.5.4.7). */
  readonly type?: number;
}

/**
 * `+CSCA: <sca>,<tosca>` (TS 27.005 §3.3.1). With AT+CSCS="UCS2" some modems give <sca> as
 * UTF-16BE hex (`002B0037…` is "+7…", gammu tests/at-smsc/01.dump); that is decoded.
 */
export function parseCsca(lines: readonly string[]): Smsc | undefined {
  const line = lines.find((l) => /^\+CSCA:/i.test(l));
  if (line === undefined) return undefined;
  const fields = lineFields(line);
  const raw = (fields[0] ?? '').replace(/^"|"$/g, '');
  const type = fields[1] !== undefined && /^\d+$/.test(fields[1]) ? Number(fields[1]) : undefined;
  const address = /^(?:00[0-9A-F]{2}){2,}$/i.test(raw) && raw.length % 4 === 0 ? fromUcs2(raw) : raw;
  return { address, ...(type !== undefined ? { type } : {}) };
}

function fromUcs2(hex: string): string {
  let text = '';
  for (let i = 0; i < hex.length; i += 4) text += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
  return text;
}

/** The <mode> values of `+CMGF: (0,1)` / `+CMGF: (0-1)` (TS 27.005 §3.2.3); 0 is PDU mode. */
export function parseCmgfModes(lines: readonly string[]): number[] | undefined {
  const line = lines.find((l) => /^\+CMGF:/i.test(l));
  const m = line === undefined ? null : /\(([^)]*)\)/.exec(line);
  if (!m) return undefined;
  const modes = new Set<number>();
  for (const part of (m[1] ?? '').split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!range) continue;
    const from = Number(range[1]);
    // Only 0 (PDU) and 1 (text) exist (TS 27.005 §3.2.3): a range such as (0-99999999) adds no more.
    for (let v = from; v <= Math.min(Number(range[2] ?? from), 1); v++) modes.add(v);
  }
  return [...modes].sort((a, b) => a - b);
}

export interface StatusReportInfo {
  readonly mr: number;
  readonly recipient: string;
  /** TP-ST (TS 23.040 §9.2.3.15). */
  readonly status: number;
  readonly meaning: string;
  /** TP-ST 0x00-0x1F: the SMSC is done and the message was delivered (or replaced). */
  readonly delivered: boolean;
}

/**
 * An SMS-STATUS-REPORT (TS 23.040 §9.2.2.3) as +CDS gives it: SMSC field, then the TPDU
 * (first octet with TP-MTI 10, TP-MR, TP-RA, TP-SCTS, TP-DT, TP-ST). A PDU without the SMSC
 * field is also read.
 */
export function parseStatusReport(pduHex: string): StatusReportInfo | undefined {
  // The encode stage's decoder; a +CDS PDU line carries the SMSC field first, a stored one may not.
  for (const withSmsc of [true, false]) {
    const decoded = decodeStatusReport(pduHex, { withSmsc });
    if (decoded.ok) {
      const { messageRef, recipient, status } = decoded.report;
      return { mr: messageRef, recipient, status, meaning: statusMeaning(status), delivered: status < 0x20 };
    }
  }
  return undefined;
}

/** TP-ST classes (TS 23.040 §9.2.3.15). */
export function statusMeaning(st: number): string {
  if (st === 0x00) return 'received by the recipient';
  if (st === 0x01) return 'forwarded, delivery not confirmed';
  if (st === 0x02) return 'replaced by the SMSC';
  if (st < 0x20) return 'completed';
  if (st < 0x40) return 'temporary error, the SMSC is still trying';
  if (st < 0x60) return 'permanent error, the SMSC gave up';
  if (st < 0x80) return 'temporary error, the SMSC is no longer trying';
  return `status ${st}`;
}
