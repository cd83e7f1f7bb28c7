/*
 * mt-delivery.ts - the network side of the simulated modem's received SMS: what the network
 * holds for the device (SMS-DELIVER PDUs sent to it, and the status reports a
 * `status-report-stored` device keeps) and how each reaches the device, by AT+CNMI <mt>
 * (TS 27.005 §3.4.1):
 *
 * - <mt> 0: stored in "SM", no indication; 1 (and 3, the sim has no message classes): stored
 *   and announced `+CMTI: "SM",<index>`; 2: routed to the TE as `+CMT: ,<length>` and the PDU
 *   (SMSC field first), not stored. Stored status reports are announced `+CDSI: "SM",<index>`.
 * - A device that needs AT+CNMA (the profile flag `cnma`, as a modem in TS 27.005 phase 2+
 *   service, AT+CSMS=1, does) waits for it after each +CMT; the network delivers nothing else to
 *   it meanwhile (its RP-ACK is outstanding, TS 24.011). No AT+CNMA within `ackTimeoutMs` (TR2M,
 *   12-20 s in TS 24.011 annex; default 15 s): as TS 27.005 §3.4.4 says, the ME turns routing
 *   off (<mt> and <ds> to 0) and the network keeps the SMS and delivers it again, which with
 *   <mt> 0 stores it without a word: a driver that forgets AT+CNMA finds it only by AT+CMGL.
 * - A full store: the network keeps the SMS (RP-ERROR cause 22, memory capacity exceeded) and
 *   every SMS after it, in order, and delivers them when a place frees up (the ME's RP-SMMA,
 *   TS 23.040 §10.3 operation 9): each is then stored and announced as above. The device says
 *   nothing while its store is full (no AT command answers +CMS ERROR: 322 here; on real modems
 *   that is AT+CMGW's answer, which the sim does not take) and loses nothing.
 *
 * Promise: pure; no clock (`now` is given), no timers: the ack deadline is checked when the
 * device is written to or handed an SMS, or asked to (SimDevice.tick()).
 */
import type { SimStore } from './sim-store.js';

export interface HeldSms {
  /** SMSC field + TPDU, uppercase hex. */
  readonly pdu: string;
  readonly kind: 'deliver' | 'report';
}

/** TS 24.011 TR2M lies between 12 and 20 s; the sim waits 15 s for AT+CNMA by default. */
export const DEFAULT_ACK_TIMEOUT_MS = 15_000;

export class MtDelivery {
  private readonly held: HeldSms[] = [];
  private awaiting: { readonly sms: HeldSms; readonly deadline: number } | undefined;

  constructor(private readonly store: SimStore, private readonly ackTimeoutMs = DEFAULT_ACK_TIMEOUT_MS) {}

  /** How many SMS the network still holds for the device (a full store, an ack outstanding). */
  get heldCount(): number {
    return this.held.length + (this.awaiting ? 1 : 0);
  }

  offer(sms: HeldSms): void {
    this.held.push(sms);
  }

  /**
   * Delivers what the network holds as far as the store and the settings allow, in order; the
   * URC lines to send (without framing). `needsAck`: a +CMT waits for AT+CNMA.
   */
  pump(cnmi: readonly number[], needsAck: boolean, now: number): string[] {
    const urcs: string[] = [];
    while (this.held.length > 0 && !this.awaiting) {
      const sms = this.held[0]!;
      if (sms.kind === 'deliver' && cnmi[1] === 2) {
        this.held.shift();
        urcs.push(`+CMT: ,${tpduLength(sms.pdu)}\r\n${sms.pdu}`);
        if (needsAck) this.awaiting = { sms, deadline: now + this.ackTimeoutMs };
        continue;
      }
      const index = this.store.put(sms.pdu);
      if (index === undefined) break;
      this.held.shift();
      if (sms.kind === 'report') urcs.push(`+CDSI: "SM",${index}`);
      else if (cnmi[1] === 1 || cnmi[1] === 3) urcs.push(`+CMTI: "SM",${index}`);
    }
    return urcs;
  }

  /** AT+CNMA: false when no +CMT waits for one (the caller answers +CMS ERROR: 340). */
  acknowledge(): boolean {
    if (!this.awaiting) return false;
    this.awaiting = undefined;
    return true;
  }

  /** True when the +CMT waiting for AT+CNMA timed out now: it is back with the network. */
  expire(now: number): boolean {
    if (!this.awaiting || now < this.awaiting.deadline) return false;
    this.held.unshift(this.awaiting.sms);
    this.awaiting = undefined;
    return true;
  }

  /** Power cycle: a +CMT not yet acknowledged was never acknowledged; the network has it again. */
  restart(): void {
    if (this.awaiting) this.held.unshift(this.awaiting.sms);
    this.awaiting = undefined;
  }
}

/** <length> of +CMT/+CMGR/+CMGL: the TPDU's octets, without the SMSC field (TS 27.005 §3.1). */
export function tpduLength(pdu: string): number {
  const smscOctets = 1 + parseInt(pdu.slice(0, 2), 16);
  return pdu.length / 2 - smscOctets;
}
