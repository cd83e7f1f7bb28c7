/*
 * probe-report.ts - the result of a modem bench test (`mail2sms modem probe`, SPEC 11): its
 * shape, the verdict drawn from it and the report a technician reads.
 *
 * Promise: pure. judgeProbe() lists what blocks sending (first reason first: port, baud, SIM,
 * registration, PDU mode, SMSC, test send) and what only deserves a look (weak signal, no status
 * report); ready means nothing blocks. formatProbeReport() gives the readable report whose last
 * line is the verdict: `VERDICT: OK — ready to send SMS` or `VERDICT: NOT READY — <reason>`.
 */
import {
  accessTechnologyWord,
  describePinState,
  registrationWord,
  type Csq,
  type Operator,
  type Smsc,
  type StatusReportInfo,
} from './probe-values.js';
import { isRegistered } from './at-replies.js';

/** One AT query: its value, or why there is none. The raw lines are kept for the JSON report. */
export type Step<T> =
  | { readonly command: string; readonly ok: true; readonly value: T; readonly lines: readonly string[] }
  | { readonly command: string; readonly ok: false; readonly error: string; readonly cms?: number; readonly cme?: number };

/** +CMS (TS 27.005 §3.2.5) and +CME (TS 27.007 §9.2) codes that mean the SIM wants a PIN or PUK first, by what it wants. */
const SIM_LOCKED: ReadonlyArray<readonly [string, readonly number[], readonly number[]]> = [
  ['PIN', [311, 312, 317], [5, 11, 17]],
  ['PUK', [316, 318], [12, 18]],
];

/** 'PIN' or 'PUK' when the step failed because the SIM is locked; the command was never tried. */
function lockedBy(step: Step<unknown>): string | undefined {
  if (step.ok) return undefined;
  return SIM_LOCKED.find(([, cms, cme]) => (step.cms !== undefined && cms.includes(step.cms)) || (step.cme !== undefined && cme.includes(step.cme)))?.[0];
}

export interface TestSend {
  readonly to: string;
  readonly outcome: 'sent' | 'failed' | 'unknown' | 'skipped';
  readonly mr?: number;
  readonly diagnostic?: string;
  /** The +CDS that came back for the test SMS; null: none within reportWaitMs. */
  readonly statusReport?: StatusReportInfo | null;
  readonly reportWaitMs?: number;
}

export interface ProbeReport {
  readonly path: string;
  /** Set when the port could not be opened at all. */
  readonly openError?: string;
  readonly baudsTried: readonly number[];
  /** The rate at which the modem answered AT with OK. */
  readonly baud?: number;
  readonly identity?: {
    readonly manufacturer: Step<string>;
    readonly model: Step<string>;
    readonly firmware: Step<string>;
    readonly imei: Step<string>;
  };
  readonly sim?: { readonly pin: Step<string>; readonly imsi: Step<string>; readonly iccid: Step<string> };
  readonly network?: { readonly creg: Step<number>; readonly cereg: Step<number>; readonly operator: Step<Operator> };
  readonly signal?: Step<Csq>;
  readonly smsc?: Step<Smsc>;
  readonly pdu?: { readonly modes: Step<readonly number[]>; readonly select: Step<true> };
  readonly send?: TestSend;
}

export interface Judgment {
  readonly ready: boolean;
  readonly blocking: readonly string[];
  readonly warnings: readonly string[];
  readonly verdict: string;
}

/** The reasons that keep the modem from sending, before the test send (which needs none). */
export function blockingBeforeSend(r: ProbeReport): string[] {
  if (r.openError !== undefined) return [r.openError];
  if (r.baud === undefined) return [`no answer to AT at any baud rate tried (${r.baudsTried.join(', ')})`];
  const out: string[] = [];
  const pin = r.sim?.pin;
  if (pin && !pin.ok) out.push(`SIM state unknown (${pin.error})`);
  else if (pin && pin.value !== 'READY') out.push(describePinState(pin.value));
  const net = r.network;
  if (net && !registeredBy(net.creg) && !registeredBy(net.cereg)) {
    const stat = net.creg.ok ? net.creg.value : net.cereg.ok ? net.cereg.value : undefined;
    out.push(`not registered on a network (${stat === undefined ? 'no +CREG/+CEREG answer' : registrationWord(stat)})`);
  }
  const pdu = r.pdu;
  if (pdu && !pdu.select.ok) {
    // A locked SIM is not a modem without PDU mode: said once, by the SIM state when it gave it.
    const lock = lockedBy(pdu.select);
    const pinSaid = pin?.ok === true && pin.value !== 'READY';
    if (lock !== undefined) {
      if (!pinSaid) out.push(`the SIM needs its ${lock} (AT+CMGF=0: ${pdu.select.error})`);
    } else if (!(pdu.modes.ok && pdu.modes.value.includes(0))) out.push(`PDU mode not supported (AT+CMGF=0: ${pdu.select.error})`);
  }
  const smsc = r.smsc;
  if (smsc?.ok && smsc.value.address === '') out.push('no SMSC address on the SIM (set it with AT+CSCA)');
  return out;
}

function registeredBy(step: Step<number>): boolean {
  return step.ok && isRegistered(step.value);
}

export function judgeProbe(r: ProbeReport): Judgment {
  const blocking = blockingBeforeSend(r);
  const warnings: string[] = [];
  const send = r.send;
  if (send && send.outcome !== 'sent' && send.outcome !== 'skipped') blocking.push(`test SMS to ${send.to} ${send.outcome}: ${send.diagnostic ?? ''}`.trim());
  if (send?.outcome === 'sent' && send.statusReport === null) warnings.push(`no status report within ${(send.reportWaitMs ?? 0) / 1000} s`);
  if (send?.statusReport && !send.statusReport.delivered) warnings.push(`status report: ${send.statusReport.meaning}`);
  if (r.signal?.ok && r.signal.value.bars <= 1 && blocking.length === 0) warnings.push(`weak signal (${signalText(r.signal.value)})`);
  if (r.smsc && !r.smsc.ok && blocking.length === 0) warnings.push(`SMSC address not readable (${r.smsc.error})`);
  const ready = blocking.length === 0;
  return { ready, blocking, warnings, verdict: ready ? 'OK — ready to send SMS' : `NOT READY — ${blocking[0]}` };
}

export function signalText(csq: Csq): string {
  if (csq.dbm === undefined) return `no signal reading (+CSQ: ${csq.rssi},${csq.ber})`;
  const edge = csq.rssi === 0 ? ' or less' : csq.rssi === 31 ? ' or more' : '';
  return `${csq.dbm} dBm${edge}, ${csq.bars}/5 bars (+CSQ: ${csq.rssi},${csq.ber})`;
}

function show<T>(step: Step<T> | undefined, text: (v: T) => string): string {
  if (step === undefined) return '-';
  return step.ok ? text(step.value) : `? (${step.command}: ${step.error})`;
}

const same = (v: string): string => v;

/** The readable report: one line per fact, the verdict last. */
export function formatProbeReport(r: ProbeReport, j: Judgment = judgeProbe(r)): string {
  const rows: Array<[string, string]> = [['Port', r.path]];
  rows.push(['Baud', r.baud !== undefined ? `${r.baud} (answered AT)` : r.openError ? '-' : `no answer at ${r.baudsTried.join(', ')}`]);
  if (r.identity) {
    rows.push(['Manufacturer', show(r.identity.manufacturer, same)], ['Model', show(r.identity.model, same)]);
    rows.push(['Firmware', show(r.identity.firmware, same)], ['IMEI', show(r.identity.imei, same)]);
  }
  if (r.sim) {
    rows.push(['SIM', show(r.sim.pin, (v) => `${v} — ${describePinState(v)}`)]);
    rows.push(['IMSI', show(r.sim.imsi, same)], ['ICCID', show(r.sim.iccid, same)]);
  }
  if (r.network) {
    rows.push(['Registration', show(r.network.creg, (v) => `${registrationWord(v)} (+CREG stat ${v})`)]);
    rows.push(['LTE registration', show(r.network.cereg, (v) => `${registrationWord(v)} (+CEREG stat ${v})`)]);
    rows.push(['Operator', show(r.network.operator, operatorText)]);
  }
  if (r.signal) rows.push(['Signal', show(r.signal, signalText)]);
  if (r.smsc) rows.push(['SMSC', show(r.smsc, (s) => (s.address === '' ? '(empty)' : `${s.address}${s.type !== undefined ? ` (type ${s.type})` : ''}`))]);
  if (r.pdu) rows.push(['PDU mode', pduText(r.pdu)]);
  if (r.send) rows.push(['Test SMS', sendText(r.send)]);
  if (r.send?.outcome === 'sent') rows.push(['Status report', reportText(r.send)]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  const lines = rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`);
  for (const w of j.warnings) lines.push(`WARNING: ${w}`);
  lines.push(`VERDICT: ${j.verdict}`);
  return `${lines.join('\n')}\n`;
}

function operatorText(o: Operator): string {
  const mode = ['automatic', 'manual', 'deregistered', 'format only', 'manual/automatic'][o.mode] ?? `mode ${o.mode}`;
  if (o.name === undefined) return `none (${mode})`;
  return `${o.name}${o.act !== undefined ? `, ${accessTechnologyWord(o.act)}` : ''} (${mode})`;
}

function pduText(pdu: NonNullable<ProbeReport['pdu']>): string {
  const modes = pdu.modes.ok ? `AT+CMGF=? lists (${pdu.modes.value.join(',')})` : `AT+CMGF=? ${pdu.modes.error}`;
  if (!pdu.select.ok && lockedBy(pdu.select) !== undefined) return `not known: the SIM needs its ${lockedBy(pdu.select)} first (AT+CMGF=0 ${pdu.select.error}; ${modes})`;
  return `${pdu.select.ok ? 'supported' : 'NOT supported'} (AT+CMGF=0 ${pdu.select.ok ? 'OK' : pdu.select.error}; ${modes})`;
}

function sendText(s: TestSend): string {
  if (s.outcome === 'sent') return `sent to ${s.to}, message reference ${s.mr ?? '?'}`;
  return `${s.outcome} (${s.to}): ${s.diagnostic ?? ''}`;
}

function reportText(s: TestSend): string {
  if (s.statusReport === undefined) return 'not waited for';
  if (s.statusReport === null) return `none within ${(s.reportWaitMs ?? 0) / 1000} s`;
  const st = s.statusReport;
  return `${st.meaning} (TP-ST ${st.status}, reference ${st.mr}, recipient ${st.recipient})`;
}
