/*
 * probe.ts - the bench test a technician runs on a new modem (`mail2sms modem probe`, SPEC 11):
 * finds the baud rate, then asks identity, SIM, registration, operator, signal, SMSC and PDU-mode
 * support, and optionally sends a test SMS and waits for its status report.
 *
 * Promise: probeModem() never rejects for anything the modem or port does: every query is a Step
 * that holds its value or its error, and one failed query never stops the others. Only "cannot
 * open the port" and "no answer at any baud" end the probe early. The PIN is never entered (the
 * probe reports the SIM state; a wrong PIN costs one of three tries). The port is always closed.
 */
import { buildSubmitTpdu } from '../../encode/index.js';
import { AtError } from '../../errors.js';
import type { Logger } from '../../log/index.js';
import { parseCpin, parseRegistration } from './at-replies.js';
import { ModemDriver } from './driver.js';
import { openPort, type BindingInterface, type SerialLink } from './port.js';
import { blockingBeforeSend, type ProbeReport, type Step, type TestSend } from './probe-report.js';
import { parseCmgfModes, parseCops, parseCsca, parseCsqReply, parseIccid, parseIdentity, parseImei, parseImsi, parseStatusReport, type StatusReportInfo } from './probe-values.js';

/** Tried in this order when no rate is given: the common default first, then the classic rates. */
export const PROBE_BAUDS: readonly number[] = [115200, 9600, 19200, 38400, 57600, 230400, 460800];

export interface ProbeOptions {
  readonly path: string;
  /** Only this rate; absent: PROBE_BAUDS in turn. */
  readonly baud?: number;
  /** Send a test SMS to this number (E.164, `+` and digits). */
  readonly sendTo?: string;
  /** Per AT command. */
  readonly timeoutMs?: number;
  /** How long to wait for the test SMS's status report; 0: do not wait. */
  readonly reportWaitMs?: number;
  readonly logger: Logger;
  readonly binding?: BindingInterface;
}

type Found = { readonly driver: ModemDriver; readonly baud: number };

export async function probeModem(options: ProbeOptions): Promise<ProbeReport> {
  const bauds = options.baud !== undefined ? [options.baud] : PROBE_BAUDS;
  const tried: number[] = [];
  let found: Found | undefined;
  for (const baud of bauds) {
    tried.push(baud);
    const attempt = await tryBaud(options, baud);
    if (typeof attempt === 'string') return { path: options.path, openError: attempt, baudsTried: tried };
    if (attempt) {
      found = { driver: attempt, baud };
      break;
    }
  }
  if (!found) return { path: options.path, baudsTried: tried };
  try {
    return await queryAll(found, options, tried);
  } finally {
    await found.driver.close().catch(() => undefined);
  }
}

/** A driver that answered AT with OK at this rate, undefined on silence, a string if the port will not open. */
async function tryBaud(options: ProbeOptions, baud: number): Promise<ModemDriver | string | undefined> {
  let link: SerialLink;
  try {
    link = await openPort({ path: options.path, baudRate: baud, ...(options.binding ? { binding: options.binding } : {}) });
  } catch (err) {
    return (err as Error).message;
  }
  const driver = new ModemDriver({ name: 'probe', link, logger: options.logger, timeouts: { command: options.timeoutMs ?? 5_000 } });
  const syncMs = Math.min(options.timeoutMs ?? 5_000, 1_000);
  // The first AT after opening may meet line noise or a half-typed command; a second one settles it.
  for (let i = 0; i < 2; i++) {
    if (await driver.command('AT', syncMs).then(() => true, () => false)) return driver;
  }
  await driver.close().catch(() => undefined);
  return undefined;
}

async function step<T>(driver: ModemDriver, command: string, read: (lines: string[]) => T | undefined): Promise<Step<T>> {
  try {
    const lines = await driver.command(command);
    const value = read(lines);
    if (value === undefined) return { command, ok: false, error: `unreadable reply: ${JSON.stringify(lines.join(' | '))}` };
    return { command, ok: true, value, lines };
  } catch (err) {
    const codes = err instanceof AtError ? { ...(err.cms === undefined ? {} : { cms: err.cms }), ...(err.cme === undefined ? {} : { cme: err.cme }) } : {};
    return { command, ok: false, error: (err as Error).message.replace(`${command} answered `, ''), ...codes };
  }
}

/** The first of several vendor commands that answers (ICCID has no standard command). */
async function firstOk<T>(driver: ModemDriver, commands: readonly string[], read: (lines: string[]) => T | undefined): Promise<Step<T>> {
  let last: Step<T> | undefined;
  for (const command of commands) {
    last = await step(driver, command, read);
    if (last.ok) return last;
  }
  return last!;
}

async function queryAll({ driver, baud }: Found, options: ProbeOptions, tried: number[]): Promise<ProbeReport> {
  const d = driver;
  await d.command('ATE0').catch(() => undefined);
  await d.command('AT+CMEE=1').catch(() => undefined);
  const identity = {
    manufacturer: await step(d, 'AT+CGMI', parseIdentity),
    model: await step(d, 'AT+CGMM', parseIdentity),
    firmware: await step(d, 'AT+CGMR', parseIdentity),
    imei: await step(d, 'AT+CGSN', parseImei),
  };
  const sim = {
    pin: await step(d, 'AT+CPIN?', parseCpin),
    imsi: await step(d, 'AT+CIMI', parseImsi),
    iccid: await firstOk(d, ['AT+CCID', 'AT+ICCID', 'AT^ICCID?', 'AT+QCCID'], parseIccid),
  };
  const network = {
    creg: await step(d, 'AT+CREG?', parseRegistration),
    cereg: await step(d, 'AT+CEREG?', parseRegistration),
    operator: await step(d, 'AT+COPS?', parseCops),
  };
  const signal = await step(d, 'AT+CSQ', parseCsqReply);
  const smsc = await step(d, 'AT+CSCA?', parseCsca);
  const pdu = {
    modes: await step(d, 'AT+CMGF=?', parseCmgfModes),
    select: await step(d, 'AT+CMGF=0', () => true as const),
  };
  const report: ProbeReport = { path: options.path, baudsTried: tried, baud, identity, sim, network, signal, smsc, pdu };
  if (options.sendTo === undefined) return report;
  const blocked = blockingBeforeSend(report);
  const send: TestSend = blocked.length > 0
    ? { to: options.sendTo, outcome: 'skipped', diagnostic: `not sent: ${blocked[0]}` }
    : await testSend(d, options.sendTo, options.reportWaitMs ?? 60_000);
  return { ...report, send };
}

/** One SMS-SUBMIT with TP-SRR set, then up to waitMs for its +CDS (AT+CNMI <ds>=1, TS 27.005 §3.4.1). */
async function testSend(d: ModemDriver, to: string, waitMs: number): Promise<TestSend> {
  let tpdu: { hex: string; length: number };
  try {
    tpdu = buildSubmitTpdu({ destination: to, encoding: 'gsm7', text: 'mail2sms modem probe: test message', statusReport: true });
  } catch (err) {
    return { to, outcome: 'failed', diagnostic: `cannot build the test SMS: ${(err as Error).message}` };
  }
  if (waitMs > 0) await d.command('AT+CNMI=2,1,0,1,0').catch(() => undefined);
  const reports: StatusReportInfo[] = [];
  let wake: (() => void) | undefined;
  const off = d.onUnsolicited((urc) => {
    const sr = urc.name === '+CDS' && urc.pdu !== undefined ? parseStatusReport(urc.pdu) : undefined;
    if (sr) reports.push(sr), wake?.();
  });
  try {
    const result = await d.sendPdu(tpdu.hex, tpdu.length);
    if (result.kind === 'failed') return { to, outcome: 'failed', diagnostic: result.diagnostic };
    if (result.kind === 'unknown') return { to, outcome: 'unknown', diagnostic: result.diagnostic };
    if (waitMs <= 0) return { to, outcome: 'sent', mr: result.mr };
    const mine = (): StatusReportInfo | undefined => reports.find((r) => r.mr === result.mr);
    if (!mine()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        wake = () => mine() && (clearTimeout(timer), resolve());
      });
    }
    return { to, outcome: 'sent', mr: result.mr, statusReport: mine() ?? null, reportWaitMs: waitMs };
  } finally {
    off();
  }
}
