/*
 * at-lines.ts - what one complete line from a modem is: a final result code, an information
 * line of the command in flight, or an unsolicited result code (URC).
 *
 * Promise: pure functions over one line and the command in flight; no state, no I/O.
 * The URC table is data: vendor codes are added here, each with the modem that sends it.
 */

export type FinalResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error' }
  /** +CME ERROR (TS 27.007 §9.2): `code` when numeric, else `text` (AT+CMEE=2). */
  | { readonly kind: 'cme'; readonly code?: number; readonly text: string }
  /** +CMS ERROR (TS 27.005 §3.2.5). */
  | { readonly kind: 'cms'; readonly code?: number; readonly text: string }
  /** MODEM ERROR, COMMAND NOT SUPPORT, NO CARRIER, BUSY, NO ANSWER, NO DIALTONE (V.250 §5.7.1). */
  | { readonly kind: 'other'; readonly text: string };

const OTHER_FINALS = ['COMMAND NOT SUPPORT', 'NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE'];

/**
 * A final result code, or undefined. Mirrors ModemManager's serial parser table
 * (src/tests/test-at-serial-port.c): `+CME ERROR: ` with any text is final, `+CME ERROR:` with
 * nothing after the colon is not; `MODEM ERROR:` is final only with a number.
 */
export function parseFinal(line: string): FinalResult | undefined {
  const bare = line.trimEnd();
  if (bare === 'OK') return { kind: 'ok' };
  if (bare === 'ERROR') return { kind: 'error' };
  const ext = /^\+(CME|CMS) ERROR:(.*)$/.exec(line);
  if (ext) {
    const rest = ext[2] ?? '';
    const numeric = /^\s*(\d+)\s*$/.exec(rest);
    if (!numeric && !rest.startsWith(' ')) return undefined;
    const kind = ext[1] === 'CME' ? 'cme' : 'cms';
    return numeric ? { kind, code: Number(numeric[1]), text: rest.trim() } : { kind, text: rest.trim() };
  }
  if (/^MODEM ERROR:\s*\d+$/.test(bare)) return { kind: 'other', text: bare };
  if (OTHER_FINALS.includes(bare)) return { kind: 'other', text: bare };
  return undefined;
}

/**
 * Result codes a modem sends on its own. Prefixed codes match up to the colon; bare words
 * match the whole line.
 */
export const URC_PREFIXES: ReadonlySet<string> = new Set([
  // TS 27.005 §3.4.1 new-message indications (AT+CNMI)
  '+CMTI', '+CMT', '+CDS', '+CDSI', '+CBM', '+CBMI',
  // TS 27.007 §7.2, §10.1.19, §10.1.22: registration changes (AT+CREG=1 and friends)
  '+CREG', '+CGREG', '+CEREG', '+C5GREG',
  // TS 27.007 §6.11, §7.6, §8.10, §7.15
  '+CRING', '+CLIP', '+CIEV', '+CUSD',
  // SIM state after a restart (Quectel EC25, SIMCom SIM800: "+CPIN: READY" after AT+CFUN=1,1)
  '+CPIN', '+QIND', '+CFUN',
  // ZTE K3565-Z: network and service-domain changes, also between AT+CMGS and `> `
  '+ZDONR', '+ZPASR', '+ZUSIMR', '+ZEND',
  // Huawei E1752/E3372: signal, boot, mode and SIM state reports
  '^RSSI', '^BOOT', '^MODE', '^SRVST', '^SIMST', '^HCSQ', '^RSSILVL', '^DSFLOWRPT', '^STIN',
]);

/** Unprefixed whole-line URCs: V.250 RING; SIMCom SIM800 start-up lines. */
export const URC_WORDS: ReadonlySet<string> = new Set(['RING', 'RDY', 'SMS Ready', 'Call Ready', 'PB DONE']);

/** URCs whose PDU follows on the next line in PDU mode (TS 27.005 §3.4.1). */
const TWO_LINE = new Set(['+CMT', '+CDS', '+CBM']);

const REGISTRATION = new Set(['+CREG', '+CGREG', '+CEREG', '+C5GREG']);

/** The information-line prefix of a command: `AT+CREG?` → `+CREG`, `AT^SYSINFO` → `^SYSINFO`. */
export function commandPrefix(command: string): string | undefined {
  const m = /^AT([+^$%][A-Z0-9]+)/i.exec(command.trim());
  return m?.[1]?.toUpperCase();
}

/** The name a line is known by: `+CMTI` for `+CMTI: "SM",1`, `RING` for `RING`. */
export function lineName(line: string): string {
  const m = /^([+^$%][A-Za-z0-9]+):/.exec(line);
  if (m?.[1]) return m[1].toUpperCase();
  return URC_WORDS.has(line) ? line : '';
}

/** The comma-separated fields after the colon, trimmed, quotes kept. */
export function lineFields(line: string): string[] {
  const colon = line.indexOf(':');
  if (colon < 0) return [];
  return line.slice(colon + 1).split(',').map((f) => f.trim());
}

export type LineKind =
  | { readonly type: 'info'; readonly solicited: boolean }
  | { readonly type: 'urc'; readonly name: string; readonly twoLine: boolean };

/**
 * Information line or URC. `solicitedSeen` says the command already got its one read reply.
 * A registration line is the answer to AT+CREG? only in the read shape `<n>,<stat>[,...]`
 * with a bare numeric <stat> second (TS 27.007 §7.2); `+CREG: <stat>[,"lac",...]` is the URC.
 */
export function classifyLine(line: string, command: string | undefined, solicitedSeen: boolean): LineKind {
  const name = lineName(line);
  const own = command === undefined ? undefined : commandPrefix(command);
  if (own !== undefined && name === own) {
    if (!REGISTRATION.has(name)) return { type: 'info', solicited: true };
    if (!solicitedSeen && isRegistrationRead(line)) return { type: 'info', solicited: true };
    return { type: 'urc', name, twoLine: false };
  }
  if (URC_PREFIXES.has(name) || URC_WORDS.has(name)) {
    return { type: 'urc', name, twoLine: TWO_LINE.has(name) && isPduHeader(name, line) };
  }
  if (command !== undefined) return { type: 'info', solicited: false };
  return { type: 'urc', name, twoLine: false };
}

/**
 * Whether a registration line has the read shape `<n>,<stat>[,<lac>,<ci>[,…]]` (the answer to
 * AT+CREG?) rather than the URC shape `<stat>[,<lac>,<ci>[,<AcT>…]]` (TS 27.007 §7.2, §10.1.22).
 * One field is a URC, two are <n>,<stat>. From three on, the second field decides: quoted, hex or
 * empty is a LAC (URC); a number of up to three digits is a <stat> (read); a four-digit number is
 * a <stat> with leading zeros only when a quoted or long <ci> ends the line rather than a short
 * <AcT> (`+CGREG:002,0011,"0f0d","14c3"` against `+CREG: 1,0001,0010,0`, ModemManager
 * test_creg_match; `+CREG: 2,1,"5E25`, Gammu at-creg-corner, reads as <n>,<stat>).
 */
export function isRegistrationRead(line: string): boolean {
  const fields = lineFields(line);
  const second = fields[1] ?? '';
  if (fields.length < 2 || !/^\d+$/.test(second)) return false;
  if (fields.length === 2 || second.length <= 3) return true;
  const last = fields[fields.length - 1] ?? '';
  return fields.length >= 4 && (last.startsWith('"') || last.length >= 4);
}

/** <stat> of a +CREG/+CGREG/+CEREG/+C5GREG line of either shape, or undefined. */
export function registrationStat(line: string): number | undefined {
  const stat = lineFields(line)[isRegistrationRead(line) ? 1 : 0];
  return stat !== undefined && /^\d+$/.test(stat) ? Number(stat) : undefined;
}

/** PDU-mode headers: `+CDS: <length>`, `+CMT: [<alpha>],<length>`, `+CBM: <length>`. */
function isPduHeader(name: string, line: string): boolean {
  const fields = lineFields(line);
  const last = fields[fields.length - 1] ?? '';
  if (!/^\d+$/.test(last)) return name === '+CMT'; // text-mode +CMT still has a text line
  return name === '+CMT' ? fields.length === 2 : fields.length === 1;
}
