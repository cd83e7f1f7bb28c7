/*
 * at-replies.ts - reads the information lines the driver asks for: +CPIN, +CREG/+CEREG, +CSQ,
 * +CMGS, +CMGL, +CPMS, and the store indications +CMTI/+CDSI; and redacts secrets from AT lines
 * before they are logged.
 *
 * Promise: pure; a reply that does not parse gives undefined, never a throw.
 */
import { lineFields, registrationStat } from './at-lines.js';

/** TS 27.007 §8.3 <code>: READY, SIM PIN, SIM PUK, PH-SIM PIN… */
export function parseCpin(lines: readonly string[]): string | undefined {
  const line = lines.find((l) => /^\+CPIN:/i.test(l));
  return line?.slice(line.indexOf(':') + 1).trim().replace(/^"|"$/g, '').toUpperCase();
}

/** <stat> of a read reply `+CREG: <n>,<stat>[,…]` (TS 27.007 §7.2); also +CEREG / +CGREG. */
export function parseRegistration(lines: readonly string[]): number | undefined {
  const line = lines.find((l) => /^\+C(E|G)?REG:/i.test(l));
  const stat = line === undefined ? undefined : lineFields(line)[1];
  return stat !== undefined && /^\d+$/.test(stat) ? Number(stat) : undefined;
}

/**
 * <stat> of a registration URC `+CREG: <stat>[,<lac>,<ci>…]`; a URC some modems send in the read
 * shape (Samsung S8500 `+CREG: 2,1,000B,…`) gives its second field (at-lines.ts).
 */
export function parseRegistrationUrc(line: string): number | undefined {
  return registrationStat(line);
}

/** Registered: 1 home, 5 roaming; 6/7 and 9/10 are the SMS-only / CSFB variants (TS 27.007 §7.2). */
export function isRegistered(stat: number | undefined): boolean {
  return stat === 1 || stat === 5 || stat === 6 || stat === 7 || stat === 9 || stat === 10;
}

/** <rssi> of `+CSQ: <rssi>,<ber>` (TS 27.007 §8.5); 99 (not known) gives undefined. */
export function parseCsq(lines: readonly string[]): number | undefined {
  const m = lines.map((l) => /^\+CSQ:\s*(\d+)\s*,/i.exec(l)).find((x) => x !== null);
  const rssi = m ? Number(m[1]) : undefined;
  return rssi === undefined || rssi === 99 ? undefined : rssi;
}

/** TP-MR of `+CMGS: <mr>[,<scts>]` (TS 27.005 §3.5.1). */
export function parseCmgs(lines: readonly string[]): number | undefined {
  const m = lines.map((l) => /^\+CMGS:\s*(\d+)/i.exec(l)).find((x) => x !== null);
  const mr = m ? Number(m[1]) : undefined;
  // TP-MR is one octet (TS 23.040 §9.2.3.6): a larger number is a garbled line, not a reference.
  return mr !== undefined && mr <= 255 ? mr : undefined;
}

/** `+CMTI: "SM",3` or `+CDSI: "SR",0` → the store and the index (TS 27.005 §3.4.1). */
export function parseStoreIndication(line: string): { readonly mem: string; readonly index: number } | undefined {
  const m = /^\+C(?:MT|DS)I:\s*"([A-Z]{2})"\s*,\s*(\d+)\s*$/i.exec(line.trim());
  return m ? { mem: (m[1] ?? '').toUpperCase(), index: Number(m[2]) } : undefined;
}

/** One message of an AT+CMGL answer in PDU mode. */
export interface ListedPdu {
  readonly index: number;
  /** TS 27.005 §3.1 <stat>: 0/1 received unread/read, 2/3 stored unsent/sent. */
  readonly stat: number;
  /** The PDU line: SMSC field, then the TPDU. */
  readonly pdu: string;
}

/**
 * The messages of an AT+CMGL answer in PDU mode: `+CMGL: <index>,<stat>,[<alpha>],<length>`,
 * each followed by its PDU line (TS 27.005 §3.4.2); blank lines between entries are allowed. The
 * PDU line is taken as it is, also when cut short or not hex (ModemManager returns a truncated
 * one as-is, test_cmgl_response_pantech_multiple): the decoder refuses it and the caller decides;
 * a header with no line after it gives no message.
 */
export function parseCmgl(lines: readonly string[]): ListedPdu[] {
  const listed: ListedPdu[] = [];
  const rows = lines.map((l) => l.trim()).filter((l) => l !== '');
  for (const [i, line] of rows.entries()) {
    const m = /^\+CMGL:\s*(\d+)\s*,\s*(\d+)\s*,/i.exec(line);
    const pdu = rows[i + 1];
    if (m && pdu !== undefined && !/^\+CMGL:/i.test(pdu)) listed.push({ index: Number(m[1]), stat: Number(m[2]), pdu: pdu.toUpperCase() });
  }
  return listed;
}

/** The stores an AT+CPMS? answer names, <mem1>, <mem2>, <mem3> in order (TS 27.005 §3.2.2). */
export function parseCpmsStores(lines: readonly string[]): string[] {
  const line = lines.find((l) => /^\+CPMS:/i.test(l.trim()));
  return line === undefined ? [] : [...line.matchAll(/"([A-Z]{2})"/gi)].map((m) => (m[1] ?? '').toUpperCase());
}

/** An AT line safe to log: the PIN of AT+CPIN="…" becomes ****. */
export function redactAt(line: string): string {
  return line.replace(/(\+CPIN=)(.*)$/i, '$1"****"');
}
