/*
 * device.ts - a simulated GSM modem that speaks the AT command set byte for byte (SPEC 9), so the
 * real modem driver can run against it.
 *
 * Promise: pure. Bytes go in through write(); bytes come out through onOutput listeners, each
 * chunk with the delay the carrier should wait before delivering it (the device has no timers
 * and no clock; `now` is injected for the times it records). Verbose result codes framed by
 * \r\n (V.250 §5.7.1), echo on until ATE0 and again after AT+CFUN=1,1.
 *
 * Send (TS 27.005 §3.5.1): AT+CMGS=<n> → "\r\n> "; hex until Ctrl-Z (0x1A); checks the hex and
 * that the TPDU after the SMSC field is <n> octets and an SMS-SUBMIT, else +CMS ERROR: 304;
 * answers "\r\n+CMGS: <mr>\r\n\r\nOK\r\n" with TP-MR counting 0..255. ESC (0x1B) while PDU text is
 * being typed aborts the send and answers OK, as Quectel and SIMCom modems do; ESC in command
 * mode is ignored.
 *
 * Named faults (STYLE 3; the list and the pure rules are in faults.ts): `cms-error:N`,
 * `hang-after-prompt`, `no-prompt`, `no-answer`, `drop-reply`, `slow:<ms>`,
 * `status-report` (after each send with TP-SRR set and AT+CNMI <ds>=1, a +CDS URC follows),
 * `status-report-stored` (after each send with TP-SRR set, the report is stored in "SM" and
 * announced with +CDSI: "SM",<index>, as python-gsmmodem's capture shows; AT+CMGR=<index> reads
 * it, AT+CMGD=<index> deletes it, AT+CMGL lists it with the received SMS: one store for both, as
 * such modems keep them); both carry TP-ST `statusReportStatus` (default 0x00),
 * `interleave-urcs` (the ZTE K3565-Z capture in python-gsmmodem's tests: +ZDONR/+ZPASR before
 * the prompt and before +CMGS, and a +CMTI in the same chunk as the OK).
 *
 * Received SMS (SPEC 10): deliverMo() is a phone sending the modem a text; the network hands it
 * over by AT+CNMI <mt> (+CMTI after storing it in the SIM store, or +CMT), holds it while the
 * store is full, and waits for AT+CNMA where the device needs it (mt-delivery.ts). The SIM store
 * (sim-store.ts, `storeCapacity` places, default 30) is read with AT+CMGR/AT+CMGL, emptied with
 * AT+CMGD, counted by AT+CPMS (message-commands.ts); it outlives a power cycle and an unplug.
 *
 * Model quirks (STYLE 3; quirks.ts): `quirks` makes the device act out a modem family's profile
 * flags (needsCscs, noCds, slowPrompt, cmgsCountsSmsc, noCmms, cpinWithoutOk, cnma) and its final
 * error line, CNMI setting and own commands; with `identity` (families.ts simQuirksOf) it passes
 * for one of the shipped profiles.
 *
 * Limits: one command per line (no `;` chaining, no A/ repeat); PDU mode only for sending and
 * reading; "SM" is the only store; no message classes (class 0 is marked in TP-DCS and stored
 * like any other).
 */
import { buildDeliverTpdus, buildStatusReport, destinationField, isSubmit, splitSmsc, wantsStatusReport, encodeSmscField, type MoSms } from './sim-pdu.js';
import { initialState, runCommand, type DeviceState } from './device-commands.js';
import { runMessageCommand } from './message-commands.js';
import { MtDelivery, type HeldSms } from './mt-delivery.js';
import { SimStore, type StoredSms } from './sim-store.js';
import { dropFinal, endsWithFinal, slowness, type SimFault } from './faults.js';
import { lengthMatches, promptDelay, type SimQuirks } from './quirks.js';

export type { SimFault } from './faults.js';
export type { MoSms } from './sim-pdu.js';
export type { StoredSms } from './sim-store.js';

export interface SimIdentity {
  readonly manufacturer: string;
  readonly model: string;
  readonly revision: string;
  readonly imei: string;
  readonly imsi: string;
  readonly iccid: string;
}

export interface SimDeviceOptions {
  /** SIM PIN; absent: the SIM is unlocked. */
  readonly pin?: string;
  readonly smsc?: string;
  readonly operator?: string;
  /** TS 27.007 §7.2 <stat> once the SIM is unlocked: 1 home, 5 roaming, 0/2/3 not registered. */
  readonly registration?: number;
  /** EPS (LTE, +CEREG) <stat>; default the same as `registration`. */
  readonly epsRegistration?: number;
  /** The SIM starts blocked behind its PUK (three wrong PINs were entered before). */
  readonly pukLocked?: boolean;
  readonly rssi?: number;
  /** Delay before each answer; the carrier applies it. */
  readonly latencyMs?: number;
  /** Delay between a send's OK and its +CDS status report. */
  readonly statusReportDelayMs?: number;
  /** TP-ST of the reports (TS 23.040 §9.2.3.15); default 0x00, received by the SME. */
  readonly statusReportStatus?: number;
  readonly identity?: Partial<SimIdentity>;
  /** A modem family's quirks to act out (quirks.ts); default none, the standard TS 27.005 modem. */
  readonly quirks?: SimQuirks;
  readonly faults?: readonly SimFault[];
  /** Clock for received().at and the report timestamps; defaults to 0 (the carrier passes Date.now). */
  readonly now?: () => number;
  /** How many received SMS received() keeps, newest last (default 1000): the sim runs for weeks as the default route. */
  readonly keepReceived?: number;
  /** Places in the SIM store "SM" (default 30, 1..255). */
  readonly storeCapacity?: number;
  /** A `cnma` device: how long a +CMT waits for AT+CNMA (default 15 s, mt-delivery.ts). */
  readonly ackTimeoutMs?: number;
}

export interface SimOutput {
  readonly bytes: Uint8Array;
  readonly delayMs: number;
}

export interface ReceivedSubmit {
  readonly at: number;
  readonly smscHex: string;
  readonly tpduHex: string;
  /** The <length> given to AT+CMGS. */
  readonly length: number;
  readonly mr: number;
}

/** ZTE K3565-Z network-state URCs, as python-gsmmodem's test_modem.py recorded them. */
const ZTE_URCS = '\r\n+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"\r\n\r\n+ZPASR: "UMTS"\r\n';

const CTRL_Z = 0x1a;
const ESC = 0x1b;

export class SimDevice {
  readonly options: SimDeviceOptions;
  private readonly state: DeviceState;
  private readonly outputs = new Set<(out: SimOutput) => void>();
  private readonly submits = new Set<(submit: ReceivedSubmit) => void>();
  private readonly log: ReceivedSubmit[] = [];
  private active: SimFault[];
  private line = '';
  private pdu: { length: number; hex: string } | undefined;
  private nextMr = 0;
  /** The SIM's message store: received SMS and stored status reports (SMSC field + TPDU). */
  private readonly store: SimStore;
  /** What the network holds for the device and how it hands it over. */
  private readonly delivery: MtDelivery;
  private nextRef = 0;

  constructor(options: SimDeviceOptions = {}) {
    this.options = options;
    this.active = [...(options.faults ?? [])];
    this.state = initialState(options);
    this.store = new SimStore(options.storeCapacity);
    this.delivery = new MtDelivery(this.store, options.ackTimeoutMs);
  }

  onOutput(listener: (out: SimOutput) => void): () => void {
    this.outputs.add(listener);
    return () => this.outputs.delete(listener);
  }

  /** Called with every SMS-SUBMIT the device takes, so a decoder can be attached. */
  onSubmit(listener: (submit: ReceivedSubmit) => void): () => void {
    this.submits.add(listener);
    return () => this.submits.delete(listener);
  }

  received(): readonly ReceivedSubmit[] {
    return [...this.log];
  }

  faults(): readonly SimFault[] {
    return [...this.active];
  }

  setFault(fault: SimFault): void {
    this.active.push(fault);
  }

  clearFault(fault?: SimFault): void {
    this.active = fault === undefined ? [] : this.active.filter((f) => f !== fault);
  }

  /**
   * Changes the network registration of both domains, or of CS (+CREG) or EPS (+CEREG) alone (an
   * LTE-only modem: `+CREG: 0` with `+CEREG: 1`); each changed domain announces itself when its
   * URCs are on (AT+CREG=1/2, AT+CEREG=1/2; TS 27.007 §7.2, §10.1.22).
   */
  setRegistration(stat: number, domain: 'both' | 'cs' | 'eps' = 'both'): void {
    if (domain !== 'eps') this.state.registration = stat;
    if (domain !== 'cs') this.state.epsRegistration = stat;
    if (this.state.pinState !== 'ready') return;
    if (domain !== 'eps' && this.state.cregMode > 0) this.inject(`+CREG: ${stat}`);
    if (domain !== 'cs' && this.state.ceregMode > 0) this.inject(`+CEREG: ${stat}`);
  }

  /**
   * Power cycle (AT+CFUN=1,1, or USB power back on replug): settings and SIM state as at start;
   * the network is kept, so is the SIM store; a +CMT not acknowledged yet goes back to the network.
   */
  restart(): void {
    Object.assign(this.state, initialState(this.options), { registration: this.state.registration, epsRegistration: this.state.epsRegistration });
    this.line = '';
    this.pdu = undefined;
    this.delivery.restart();
  }

  /**
   * A phone sends the modem `sms` (SPEC 10): its SMS-DELIVER TPDUs (one, or the parts of a long
   * text) are handed over as AT+CNMI <mt> says, or held by the network while the store is full
   * (mt-delivery.ts). Returns the TPDUs (hex, no SMSC field) in order.
   */
  deliverMo(sms: MoSms): readonly string[] {
    const ref = sms.ref ?? this.nextRef;
    this.nextRef = (ref + 1) % 256;
    const tpdus = buildDeliverTpdus(sms, sms.sentAt ?? this.now(), ref);
    for (const tpdu of tpdus) this.delivery.offer({ pdu: `${encodeSmscField(this.state.smsc)}${tpdu}`, kind: 'deliver' });
    this.deliverHeld(this.latency());
    return tpdus;
  }

  /**
   * The network hands the device an SMS-DELIVER TPDU as it is (hex, no SMSC field): a recorded
   * PDU, or a broken one; taken as deliverMo's are. Throws RangeError when it is not hex.
   */
  deliverTpdu(tpdu: string): void {
    if (!/^([0-9A-Fa-f]{2})+$/.test(tpdu)) throw new RangeError(`not a TPDU in hex: ${JSON.stringify(tpdu.slice(0, 40))}`);
    this.delivery.offer({ pdu: `${encodeSmscField(this.state.smsc)}${tpdu.toUpperCase()}`, kind: 'deliver' });
    this.deliverHeld(this.latency());
  }

  /** What the SIM store holds, by index, <stat> unchanged. */
  stored(): readonly StoredSms[] {
    return this.store.snapshot();
  }

  /** How many SMS the network holds for the device (store full, AT+CNMA outstanding). */
  heldByNetwork(): number {
    return this.delivery.heldCount;
  }

  /** Applies the time rules (the AT+CNMA deadline) now; writes and deliveries do it by themselves. */
  tick(): void {
    this.deliverHeld(this.latency());
  }

  /**
   * A +CMT past its AT+CNMA deadline turns routing off (TS 27.005 §3.4.4); then whatever the
   * network holds goes to the device as far as it can take it, each URC after `delayMs`.
   */
  private deliverHeld(delayMs: number): void {
    if (this.delivery.expire(this.now())) this.state.cnmi = [this.state.cnmi[0] ?? 0, 0, this.state.cnmi[2] ?? 0, 0, this.state.cnmi[4] ?? 0];
    for (const urc of this.delivery.pump(this.state.cnmi, this.state.quirks.cnma === true, this.now())) this.emit(`\r\n${urc}\r\n`, delayMs);
  }

  /** Sends an unsolicited line now ("+CMTI: \"SM\",1"), framed as the modem frames it. */
  inject(line: string): void {
    this.emit(`\r\n${line}\r\n`, 0);
  }

  write(input: Uint8Array | string): void {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
    if (this.active.includes('no-answer')) return;
    this.deliverHeld(this.latency());
    for (const byte of bytes) this.take(byte);
  }

  private take(byte: number): void {
    if (this.state.echo && byte !== CTRL_Z && byte !== ESC) this.emit(String.fromCharCode(byte), 0);
    if (this.pdu) return this.takePdu(byte);
    if (byte === ESC) return;
    if (byte === 0x0d) {
      const line = this.line.trim();
      this.line = '';
      if (/^AT/i.test(line)) this.command(line);
    } else if (byte === 0x08) {
      this.line = this.line.slice(0, -1);
    } else if (byte !== 0x0a) {
      this.line += String.fromCharCode(byte);
    }
  }

  private command(line: string): void {
    const cmgs = /^AT\+CMGS=(\d+)$/i.exec(line);
    if (cmgs) return this.startSend(Number(cmgs[1]));
    const message = runMessageCommand(this.state, this.store, this.delivery, line);
    const result = message ?? runCommand(this.state, line);
    this.respond(result.reply);
    if (result.restart) this.restart();
    for (const urc of result.urcs ?? []) this.emit(`\r\n${urc}\r\n`, this.latency() * 2);
    // A freed place or an acknowledgement lets the network hand over what it held; so may a new AT+CNMI.
    if (message?.deliverMore || /^AT\+CNMI=/i.test(line)) this.deliverHeld(this.latency() * 2);
  }

  private startSend(length: number): void {
    if (this.state.pinState !== 'ready') return this.respond(`\r\n+CMS ERROR: ${this.state.pinState === 'pin' ? 311 : 316}\r\n`);
    if (this.state.cmgf !== 0) return this.respond('\r\n+CMS ERROR: 303\r\n');
    if (length < 1 || length > 255) return this.respond('\r\n+CMS ERROR: 304\r\n');
    if (this.takeFault('no-prompt')) return;
    this.pdu = { length, hex: '' };
    const prompt = this.active.includes('interleave-urcs') ? `${ZTE_URCS}\r\n> ` : '\r\n> ';
    this.emit(prompt, this.latency() + promptDelay(this.state.quirks));
  }

  private takePdu(byte: number): void {
    const pdu = this.pdu!;
    if (byte === ESC) {
      this.pdu = undefined;
      return this.respond('\r\nOK\r\n');
    }
    if (byte !== CTRL_Z) {
      if (byte !== 0x0d && byte !== 0x0a && byte !== 0x20) pdu.hex += String.fromCharCode(byte);
      return;
    }
    this.pdu = undefined;
    this.submit(pdu.hex, pdu.length);
  }

  private submit(hex: string, length: number): void {
    const cms = this.active.find((f) => f.startsWith('cms-error:'));
    if (cms) {
      this.takeFault(cms);
      return this.respond(`\r\n+CMS ERROR: ${cms.slice('cms-error:'.length)}\r\n`);
    }
    const split = splitSmsc(hex);
    if (!split || !lengthMatches(this.state.quirks, length, split.smscHex, split.tpduHex) || !isSubmit(split.tpduHex)) return this.respond('\r\n+CMS ERROR: 304\r\n');
    if (!registered(this.state.registration) && !registered(this.state.epsRegistration)) return this.respond('\r\n+CMS ERROR: 331\r\n');
    const mr = this.nextMr;
    this.nextMr = (mr + 1) % 256;
    const record: ReceivedSubmit = { at: this.now(), smscHex: split.smscHex, tpduHex: split.tpduHex, length, mr };
    this.log.push(record);
    if (this.log.length > (this.options.keepReceived ?? 1000)) this.log.shift();
    for (const listener of this.submits) listener(record);
    if (this.takeFault('hang-after-prompt')) return;
    if (this.active.includes('interleave-urcs')) {
      this.respond(`${ZTE_URCS}\r\n+CMGS: ${mr}\r\n\r\nOK\r\n\r\n+CMTI: "SM",${mr + 1}\r\n`);
    } else {
      this.respond(`\r\n+CMGS: ${mr}\r\n\r\nOK\r\n`);
    }
    // A noCds firmware never reports, whatever TP-SRR and AT+CNMI <ds> say.
    if (!wantsStatusReport(split.tpduHex) || this.state.quirks.noCds) return;
    if (this.active.includes('status-report') && this.state.cnmi[3] === 1) this.reportStatus(record, false);
    if (this.active.includes('status-report-stored')) this.reportStatus(record, true);
  }

  /**
   * +CDS: <length>\r\n<pdu> (TS 27.005 §3.4.1, AT+CNMI <ds>=1), SMSC field first; or, stored in
   * the SIM store, +CDSI: "SM",<index> (held by the network while the store is full).
   */
  private reportStatus(record: ReceivedSubmit, store: boolean): void {
    const recipient = destinationField(record.tpduHex);
    if (!recipient) return;
    const tpdu = buildStatusReport(record.mr, recipient, record.at, this.now(), this.options.statusReportStatus ?? 0);
    const delay = this.latency() + (this.options.statusReportDelayMs ?? 50);
    const pdu = `${encodeSmscField(this.state.smsc)}${tpdu}`;
    if (!store) return this.emit(`\r\n+CDS: ${tpdu.length / 2}\r\n${pdu}\r\n`, delay);
    const held: HeldSms = { pdu, kind: 'report' };
    this.delivery.offer(held);
    this.deliverHeld(delay);
  }

  private takeFault(fault: SimFault): boolean {
    const at = this.active.indexOf(fault);
    if (at < 0) return false;
    this.active.splice(at, 1);
    return true;
  }

  private respond(text: string): void {
    const dropped = endsWithFinal(text) && this.takeFault('drop-reply') ? dropFinal(text) : text;
    if (dropped !== '') this.emit(dropped, this.latency());
  }

  private emit(text: string, delayMs: number): void {
    const out: SimOutput = { bytes: Buffer.from(text, 'latin1'), delayMs };
    for (const listener of this.outputs) listener(out);
  }

  private latency(): number {
    return (this.options.latencyMs ?? 0) + slowness(this.active);
  }

  private now(): number {
    return this.options.now?.() ?? 0;
  }
}

/** TS 27.007 §7.2 <stat> 1 (home) or 5 (roaming). */
function registered(stat: number): boolean {
  return stat === 1 || stat === 5;
}
