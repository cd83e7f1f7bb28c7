/*
 * smsc.ts - an SMSC for tests, on the `smpp` package's server side, on 127.0.0.1 port 0.
 *
 * Promise: every PDU of every bind is recorded (in and out, in order); faults have names, as in
 * Jasmin's tests/protocols/smpp/smsc_simulator.py (BlackHoleSMSC, ErrorOnSubmitSMSC …), and can
 * be switched at run time through `faults`:
 * - `delayMs`: submit_sm answered after that long (0: at once);
 * - `blackHole`: submit_sm never answered;
 * - `throttlePerSecond`: submits above N in the last second answered ESME_RTHROTTLED;
 * - `statusByDestination`: a command_status for a destination_addr;
 * - `dropAfterSubmits`: the connection is dropped (`dropHow`: FIN or RST) when the k-th
 *   submit_sm of a bind arrives, unanswered (with `delayMs` or `blackHole`: a full window);
 * - `password` / `refuseBind`: a bind with another password gets ESME_RINVPASWD; every bind gets
 *   `refuseBind` (e.g. ESME_RALYBND);
 * - `hangUpOnBind`: the connection is closed when a bind arrives, unanswered;
 * - `nackSubmits`: submit_sm answered generic_nack with this command_status;
 * - `answerEnquireLink: false`: enquire_link unanswered;
 * - `receipts`: deliver_sm esm_class 0x04 after each submit_sm_resp asking for one
 *   (registered_delivery 1; 2 when the stat is a failure): text only or with TLVs (receipted_message_id, message_state),
 *   the id hex, upper-case hex or decimal, on the same bind or another bind of the system_id.
 * submit_sm_resp message ids are a counter, hex or decimal (`messageIds`). The SMSC's own
 * enquire_link, unbind, MO deliver_sm and raw bytes (a malformed PDU) are sent on demand.
 * Limit: one SMSC per test; nothing here is meant to be fast beyond the bench's needs.
 */
import smpp, { type PDU, type Server, type Session } from 'smpp';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { WAIT_MS } from './wait.js';

export type ReceiptFormat = 'text' | 'tlv';
export type IdFormat = 'hex' | 'HEX' | 'dec';

export interface ReceiptFault {
  readonly format: ReceiptFormat;
  /** How the receipt writes the message id (the submit_sm_resp uses `messageIds`). */
  readonly id: IdFormat;
  readonly where: 'same' | 'other';
  /** DELIVRD (default), EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD. */
  readonly stat?: string;
}

export interface SmscFaults {
  delayMs?: number;
  blackHole?: boolean;
  throttlePerSecond?: number;
  statusByDestination?: Record<string, number>;
  dropAfterSubmits?: number;
  dropHow?: 'close' | 'reset';
  password?: string;
  refuseBind?: number;
  hangUpOnBind?: boolean;
  nackSubmits?: number;
  answerEnquireLink?: boolean;
  receipts?: ReceiptFault;
  messageIds?: 'hex' | 'dec';
}

export interface RecordedPdu {
  readonly dir: 'in' | 'out';
  readonly pdu: PDU;
}

export interface SmscBind {
  readonly session: Session;
  systemId: string | undefined;
  mode: string | undefined;
  bound: boolean;
  closed: boolean;
  readonly pdus: RecordedPdu[];
  /** submit_sm received and not yet answered on this bind. */
  outstanding: number;
  submits: number;
}

/** SMPP 3.4 §5.2.28 message_state values for the receipt TLV. */
const MESSAGE_STATE: Readonly<Record<string, number>> = { DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8 };

export class TestSmsc {
  readonly faults: SmscFaults = {};
  readonly binds: SmscBind[] = [];
  /** bind_* PDUs received, refused ones included. */
  bindAttempts = 0;
  /** Date.now() of each bind attempt. */
  readonly bindTimes: number[] = [];
  /** Date.now() of each submit_sm's arrival, over all binds. */
  readonly submitTimes: number[] = [];
  /** Most submit_sm outstanding on one bind at any moment. */
  maxOutstanding = 0;
  private nextId = 0x1000;
  private readonly accepted: number[] = [];
  private readonly heldReceipts: { systemId: string; fields: Record<string, unknown> }[] = [];

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(options: { readonly tls?: { readonly key: Buffer; readonly cert: Buffer } } = {}): Promise<TestSmsc> {
    const server = smpp.createServer({ ...(options.tls ?? {}) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const smsc = new TestSmsc(server, (server.address() as AddressInfo).port);
    server.on('session', (session: Session) => smsc.accept(session));
    server.on('error', () => undefined);
    return smsc;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** Binds that are bound and open now. */
  live(): SmscBind[] {
    return this.binds.filter((b) => b.bound && !b.closed);
  }

  /** Every PDU of `command` received, over all binds. */
  received(command: string): PDU[] {
    return this.binds.flatMap((b) => b.pdus.filter((p) => p.dir === 'in' && p.pdu.command === command).map((p) => p.pdu));
  }

  /** Waits until exactly `count` submit_sm to `number` arrived (over all binds), and gives their fields. */
  async submitsTo(number: string, count: number, timeoutMs = WAIT_MS): Promise<Record<string, unknown>[]> {
    const to = (): Record<string, unknown>[] => this.received('submit_sm').filter((p) => p['destination_addr'] === number) as unknown as Record<string, unknown>[];
    await expect.poll(() => to().length, { timeout: timeoutMs }).toBe(count);
    return to();
  }

  /** The SMSC's own enquire_link; resolves with the answer (or undefined when the bind closes first). */
  enquireLink(bind = this.lastLive()): Promise<PDU | undefined> {
    return this.request(bind, new smpp.PDU('enquire_link'));
  }

  /** The SMSC's own unbind. */
  unbind(bind = this.lastLive()): Promise<PDU | undefined> {
    return this.request(bind, new smpp.PDU('unbind'));
  }

  /** An MO deliver_sm (or any deliver_sm fields); resolves with the deliver_sm_resp. */
  deliver(fields: Record<string, unknown>, bind = this.lastLive()): Promise<PDU | undefined> {
    return this.request(bind, new smpp.PDU('deliver_sm', fields));
  }

  /** Bytes as they are, for a malformed or unknown PDU. */
  sendRaw(bytes: Buffer, bind = this.lastLive()): void {
    bind.session.socket.write(bytes);
  }

  /** Drops every connection: a FIN, or an RST (the client sees ECONNRESET). */
  dropAll(how: 'close' | 'reset' = 'close'): void {
    for (const b of this.binds) if (!b.closed) drop(b.session, how);
  }

  async close(): Promise<void> {
    this.dropAll('close');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private lastLive(): SmscBind {
    const bind = this.live().at(-1);
    if (!bind) throw new Error('the test SMSC has no bound session');
    return bind;
  }

  private request(bind: SmscBind, pdu: PDU): Promise<PDU | undefined> {
    return new Promise((resolve) => {
      bind.session.once('close', () => resolve(undefined));
      if (!bind.session.send(pdu, (resp) => resolve(resp))) resolve(undefined);
    });
  }

  private accept(session: Session): void {
    const bind: SmscBind = { session, systemId: undefined, mode: undefined, bound: false, closed: false, pdus: [], outstanding: 0, submits: 0 };
    this.binds.push(bind);
    session.socket.setNoDelay(true);
    session.on('error', () => undefined);
    session.on('close', () => (bind.closed = true));
    session.on('send', (pdu: PDU) => bind.pdus.push({ dir: 'out', pdu }));
    session.on('pdu', (pdu: PDU) => {
      bind.pdus.push({ dir: 'in', pdu });
      this.onPdu(bind, pdu);
    });
  }

  private onPdu(bind: SmscBind, pdu: PDU): void {
    const { session } = bind;
    if (pdu.command.startsWith('bind_')) return this.onBind(bind, pdu);
    if (pdu.command === 'enquire_link') {
      if (this.faults.answerEnquireLink !== false) session.send(pdu.response());
      return;
    }
    if (pdu.command === 'unbind') {
      session.send(pdu.response());
      session.close();
      return;
    }
    if (pdu.command === 'submit_sm') return this.onSubmit(bind, pdu);
  }

  private onBind(bind: SmscBind, pdu: PDU): void {
    this.bindAttempts += 1;
    this.bindTimes.push(Date.now());
    const f = this.faults;
    if (f.hangUpOnBind) {
      drop(bind.session, 'close');
      return;
    }
    const status = f.refuseBind ?? (f.password !== undefined && pdu['password'] !== f.password ? smpp.errors['ESME_RINVPASWD'] : 0);
    if (status) {
      bind.session.send(pdu.response({ command_status: status }));
      return;
    }
    bind.systemId = String(pdu['system_id']);
    bind.mode = pdu.command.slice('bind_'.length);
    bind.bound = true;
    bind.session.send(pdu.response({ system_id: 'test-smsc' }));
    this.flushHeldReceipts(bind);
  }

  private onSubmit(bind: SmscBind, pdu: PDU): void {
    const f = this.faults;
    this.submitTimes.push(Date.now());
    bind.submits += 1;
    bind.outstanding += 1;
    this.maxOutstanding = Math.max(this.maxOutstanding, bind.outstanding);
    if (f.dropAfterSubmits !== undefined && bind.submits >= f.dropAfterSubmits) {
      drop(bind.session, f.dropHow ?? 'close');
      return;
    }
    if (f.blackHole) return;
    const answer = (): void => {
      bind.outstanding -= 1;
      if (bind.closed) return;
      if (f.nackSubmits !== undefined) {
        bind.session.send(new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: f.nackSubmits }));
        return;
      }
      const status = this.statusFor(pdu);
      if (status) {
        bind.session.send(pdu.response({ command_status: status }));
        return;
      }
      const id = (this.nextId += 1);
      bind.session.send(pdu.response({ message_id: f.messageIds === 'dec' ? String(id) : id.toString(16) }));
      if (f.receipts && wantsReceipt(Number(pdu['registered_delivery']), f.receipts.stat ?? 'DELIVRD')) this.sendReceipt(bind, pdu, id, f.receipts);
    };
    if (f.delayMs) setTimeout(answer, f.delayMs);
    else answer();
  }

  private statusFor(pdu: PDU): number {
    const f = this.faults;
    const byDestination = f.statusByDestination?.[String(pdu['destination_addr'])];
    if (byDestination !== undefined) return byDestination;
    if (f.throttlePerSecond !== undefined) {
      const now = Date.now();
      while (this.accepted.length > 0 && (this.accepted[0] ?? now) <= now - 1_000) this.accepted.shift();
      if (this.accepted.length >= f.throttlePerSecond) return smpp.errors['ESME_RTHROTTLED'] ?? 0x58;
      this.accepted.push(now);
    }
    return 0;
  }

  private sendReceipt(bind: SmscBind, submit: PDU, id: number, r: ReceiptFault): void {
    const idText = r.id === 'dec' ? String(id) : r.id === 'HEX' ? id.toString(16).toUpperCase() : id.toString(16);
    const stat = r.stat ?? 'DELIVRD';
    const text = `id:${idText} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:2612031200 done date:2612031201 stat:${stat} err:000 text:`;
    const fields: Record<string, unknown> = {
      source_addr: submit['destination_addr'], source_addr_ton: 1, source_addr_npi: 1,
      destination_addr: submit['source_addr'], esm_class: 0x04, short_message: text,
      ...(r.format === 'tlv' ? { receipted_message_id: idText, message_state: MESSAGE_STATE[stat] ?? 7 } : {}),
    };
    const systemId = bind.systemId ?? '';
    const target = r.where === 'same' ? bind : this.live().find((b) => b !== bind && b.systemId === systemId && b.mode !== 'transmitter');
    if (target) target.session.deliver_sm(fields);
    else this.heldReceipts.push({ systemId, fields });
  }

  /** Receipts meant for another bind of a system_id that had none yet go to the next one. */
  private flushHeldReceipts(bind: SmscBind): void {
    if (bind.mode === 'transmitter') return;
    for (const held of this.heldReceipts.filter((h) => h.systemId === bind.systemId)) {
      this.heldReceipts.splice(this.heldReceipts.indexOf(held), 1);
      bind.session.deliver_sm(held.fields);
    }
  }
}

/** registered_delivery bits 1-0 (SMPP 3.4 §5.2.17): 1 a receipt on success and failure, 2 on failure only. */
function wantsReceipt(registeredDelivery: number, stat: string): boolean {
  const asked = registeredDelivery & 0x03;
  return asked === 1 || (asked === 2 && stat !== 'DELIVRD' && stat !== 'ACCEPTD' && stat !== 'ENROUTE');
}

function drop(session: Session, how: 'close' | 'reset'): void {
  if (how === 'reset') session.socket.resetAndDestroy();
  else session.socket.destroy();
}
