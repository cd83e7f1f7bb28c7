/*
 * link.ts - one connection to an SMSC: TCP or TLS, one bind, the PDUs exchanged on it.
 *
 * Promise: open() resolves once (bound, refused, or failed within `connectTimeoutMs`); every
 * request() resolves once (`resp`, `timeout`, `not-sent`, `lost`); onClose is called once, after
 * every request still waiting has been told `lost`. The link never throws out of an event
 * handler and always listens on 'error' (the `smpp` package lets an unheard ECONNRESET kill the
 * process). A link is used for one connection only: the package's Session is unreliable after
 * a drop (its open issues), so the owner makes a new link, and with it a new Session, each time.
 *
 * What the SMSC sends (SMPP 3.4 §4): enquire_link is answered; unbind is answered with
 * unbind_resp and the link closes; deliver_sm goes to the owner's handler and deliver_sm_resp
 * follows only when the handler resolved (ESME_RX_T_APPN when it threw, so the SMSC delivers it
 * again); generic_nack settles the request with its sequence_number; any other request gets its
 * `_resp` (or generic_nack) with ESME_RINVCMDID. A PDU the package cannot decode stops its reader
 * for good (it leaves `_busy` set), so the link answers generic_nack ESME_RINVCMDLEN (§4.3) and
 * closes. Limits: a command_length below 16 is skipped by the package without an error.
 */
import smpp, { type PDU, type Session } from 'smpp';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { reasonOf, type Logger } from '../../log/index.js';
import { statusName } from './status-names.js';

export type SubmitResult =
  | { readonly kind: 'resp'; readonly commandStatus: number; readonly messageId: string | undefined }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'not-sent'; readonly reason: string }
  | { readonly kind: 'lost'; readonly reason: string };

export type BindResult =
  | { readonly kind: 'bound'; readonly systemId: string }
  | { readonly kind: 'refused'; readonly commandStatus: number }
  | { readonly kind: 'failed'; readonly reason: string };

/** receiver: a bind that only takes deliver_sm (SMS from phones, receipts); nothing is submitted on it. */
export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

/**
 * TLS to an SMSC as a route (`tls: true` or `{ ca, servername }`) and the probe connect: the
 * system's CAs unless `ca` is given, the certificate checked against `servername`, else the host;
 * SNI is sent only for a name, never an address (RFC 6066 §3; Node warns otherwise).
 */
export function tlsConnection(host: string, options: { readonly servername?: string; readonly ca?: string } = {}): ConnectionOptions {
  const name = options.servername ?? host;
  return { ...(isIP(name) === 0 ? { servername: name } : {}), ...(options.ca === undefined ? {} : { ca: options.ca }) };
}

export interface LinkOptions {
  readonly host: string;
  readonly port: number;
  /** TLS options (ca, servername, rejectUnauthorized …); plain TCP when absent. */
  readonly tls?: ConnectionOptions | undefined;
  readonly mode: BindMode;
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  readonly connectTimeoutMs: number;
  readonly enquireLinkMs: number;
  readonly maxMissedEnquireLinks: number;
  readonly log: Logger;
  readonly onDeliver: (pdu: PDU) => Promise<void>;
  /** The TCP (or TLS) connection is up and the bind is being sent. */
  readonly onConnected?: () => void;
  /** Called once when the connection is gone, with why and how many requests it left unanswered. */
  readonly onClose: (reason: string, unanswered: number) => void;
}

interface Pending {
  readonly settle: (result: SubmitResult) => void;
}

const ESME_ROK = 0;
const ESME_RINVCMDLEN = smpp.errors['ESME_RINVCMDLEN'] ?? 0x02;
const ESME_RINVCMDID = smpp.errors['ESME_RINVCMDID'] ?? 0x03;
const ESME_RX_T_APPN = smpp.errors['ESME_RX_T_APPN'] ?? 0x64;
const INTERFACE_VERSION = 0x34;

export class Link {
  private readonly session: Session;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private closeReason: string | undefined;
  private bindSeq = 0;
  private onBound: ((result: BindResult) => void) | undefined;
  private unbindSeq = 0;
  private onUnbound: (() => void) | undefined;
  private enquireTimer: NodeJS.Timeout | undefined;
  private enquireOutstanding = false;
  private missedEnquireLinks = 0;
  private lastHeard = Date.now();
  private deliveries = 0;
  private readonly debug: boolean;

  constructor(private readonly o: LinkOptions) {
    const tls = o.tls === undefined ? {} : { tls: true, ...o.tls };
    this.session = new smpp.Session({ host: o.host, port: o.port, ...tls });
    // Nagle's algorithm would hold each submit_sm behind the ACK of the one before (a delayed
    // ACK is 40 ms on Linux): a window of small PDUs needs them on the wire at once. Each
    // submit_sm is written when it is made, not corked with the others of its tick: a window
    // refilled by a burst of answers would otherwise leave only after the last of them is
    // encoded, and against an SMSC that answers a read's worth at once the whole window then
    // moves in lockstep (the SMSC idle while the client encodes, and back); docs/benchmarks.md.
    this.session.socket.setNoDelay(true);
    this.debug = o.log.isLevelEnabled('debug');
    this.session.on('error', (err: unknown) => this.onError(err));
    this.session.on('close', () => this.onSocketClose());
    this.session.on('pdu', (pdu: PDU) => this.onPdu(pdu));
  }

  /** Requests written and not yet answered. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** deliver_sm whose handler has not finished. */
  get deliveriesInProgress(): number {
    return this.deliveries;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Connects and binds; `failed` on a timeout, a refused connection or a close before the answer. */
  open(): Promise<BindResult> {
    return new Promise<BindResult>((resolve) => {
      const timer = setTimeout(() => this.destroy(`no bind answer within ${this.o.connectTimeoutMs} ms`), this.o.connectTimeoutMs);
      this.onBound = (result) => {
        clearTimeout(timer);
        this.onBound = undefined;
        resolve(result);
      };
      this.session.once(this.o.tls === undefined ? 'connect' : 'secureConnect', () => {
        this.o.onConnected?.();
        this.sendBind();
      });
    });
  }

  /** Writes `pdu` and waits for its answer; `not-sent` when the socket takes nothing. */
  /** A submit_sm from its fields (submit.ts), sent as request() sends it; fields the package cannot encode are not-sent. */
  submit(fields: Readonly<Record<string, unknown>>, timeoutMs: number, signal?: AbortSignal): Promise<SubmitResult> {
    let pdu: PDU;
    try {
      pdu = new smpp.PDU('submit_sm', { ...fields });
    } catch (err) {
      return Promise.resolve({ kind: 'not-sent', reason: `submit_sm cannot be built: ${reasonOf(err).reason}` });
    }
    return this.request(pdu, timeoutMs, signal);
  }

  request(pdu: PDU, timeoutMs: number, signal?: AbortSignal): Promise<SubmitResult> {
    if (this.closed) return Promise.resolve({ kind: 'not-sent', reason: `connection closed: ${this.closeReason ?? 'closed'}` });
    if (signal?.aborted) return Promise.resolve({ kind: 'not-sent', reason: 'aborted before it was sent' });
    try {
      if (!this.session.send(pdu)) return Promise.resolve({ kind: 'not-sent', reason: 'the socket is not writable' });
    } catch (err) {
      // The package encodes in send(): a field it cannot encode throws before anything is written.
      return Promise.resolve({ kind: 'not-sent', reason: `${pdu.command} cannot be encoded: ${reasonOf(err).reason}` });
    }
    const seq = pdu.sequence_number;
    if (this.debug) this.o.log.debug({ event: 'smpp.pdu', dir: 'out', command: pdu.command, seq }, `sent ${pdu.command} #${seq}`);
    return new Promise<SubmitResult>((resolve) => {
      const onAbort = (): void => settle({ kind: 'lost', reason: 'aborted after it was sent' });
      const timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
      const settle = (result: SubmitResult): void => {
        if (!this.pending.delete(seq)) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      this.pending.set(seq, { settle });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** One enquire_link now (SMPP 3.4 §4.11): `resp` when enquire_link_resp came within `timeoutMs`. */
  enquireLink(timeoutMs: number): Promise<SubmitResult> {
    return this.request(new smpp.PDU('enquire_link'), timeoutMs);
  }

  /** Sends unbind and waits for unbind_resp (or `timeoutMs`), then closes. */
  async unbind(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    const answered = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.onUnbound = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const pdu = new smpp.PDU('unbind');
    if (this.session.send(pdu)) {
      this.unbindSeq = pdu.sequence_number;
      await answered;
    }
    this.destroy('unbound');
  }

  /** Every request waiting is told `lost` with `reason` now; the connection stays up. */
  abandon(reason: string): void {
    for (const p of [...this.pending.values()]) p.settle({ kind: 'lost', reason });
  }

  /** Closes the connection now; requests waiting get `lost` with `reason`. */
  destroy(reason: string): void {
    this.closeReason ??= reason;
    this.stopEnquireLinks();
    this.session.destroy();
    // A socket that never connected may not emit 'close'; finish here so nothing waits for it.
    this.finish();
  }

  private sendBind(): void {
    const pdu = new smpp.PDU(`bind_${this.o.mode}`, {
      system_id: this.o.systemId,
      password: this.o.password,
      system_type: this.o.systemType,
      interface_version: INTERFACE_VERSION,
    });
    if (!this.session.send(pdu)) return;
    this.bindSeq = pdu.sequence_number;
    this.o.log.debug({ event: 'smpp.pdu', dir: 'out', command: pdu.command, seq: this.bindSeq, system_id: this.o.systemId }, `sent ${pdu.command}`);
  }

  private onPdu(pdu: PDU): void {
    try {
      this.lastHeard = Date.now();
      if (this.debug) this.o.log.debug({ event: 'smpp.pdu', dir: 'in', command: pdu.command, seq: pdu.sequence_number, status: pdu.command_status }, `received ${pdu.command} #${pdu.sequence_number}`);
      if (pdu.isResponse()) this.onResponse(pdu);
      else this.onRequest(pdu);
    } catch (err) {
      // A bug here must not escape into the socket's event loop; the link is dropped instead.
      this.o.log.error({ event: 'smpp.link.bug', err }, `handling ${pdu.command} failed`);
      this.destroy(`handling ${pdu.command} failed`);
    }
  }

  private onResponse(pdu: PDU): void {
    const seq = pdu.sequence_number;
    if (this.onBound && seq === this.bindSeq) return this.onBindResp(pdu);
    if (seq === this.unbindSeq && this.onUnbound) return this.onUnbound();
    if (pdu.command === 'enquire_link_resp') {
      this.enquireOutstanding = false;
      this.missedEnquireLinks = 0;
      if (!this.pending.has(seq)) return;
    }
    const waiting = this.pending.get(seq);
    if (waiting) {
      const messageId = typeof pdu['message_id'] === 'string' && pdu['message_id'] !== '' ? pdu['message_id'] : undefined;
      waiting.settle({ kind: 'resp', commandStatus: pdu.command_status, messageId });
      return;
    }
    this.o.log.info({ event: 'smpp.resp.unmatched', command: pdu.command, seq, status: statusName(pdu.command_status) }, `${pdu.command} #${seq} answers no request waiting (late after its timeout, or never sent)`);
  }

  private onBindResp(pdu: PDU): void {
    const settle = this.onBound;
    if (!settle) return;
    if (pdu.command_status !== ESME_ROK) {
      settle({ kind: 'refused', commandStatus: pdu.command_status });
      this.destroy(`bind refused: ${statusName(pdu.command_status)}`);
      return;
    }
    settle({ kind: 'bound', systemId: typeof pdu['system_id'] === 'string' ? pdu['system_id'] : '' });
    this.startEnquireLinks();
  }

  private onRequest(pdu: PDU): void {
    switch (pdu.command) {
      case 'enquire_link':
        this.session.send(pdu.response());
        return;
      case 'unbind':
        this.session.send(pdu.response());
        this.o.log.info({ event: 'smpp.unbind.received' }, 'the SMSC sent unbind; answered unbind_resp, binding again after the backoff');
        this.closeReason ??= 'the SMSC sent unbind';
        this.closeSoon();
        return;
      case 'deliver_sm':
        void this.deliver(pdu);
        return;
      default:
        this.refuseCommand(pdu);
    }
  }

  /** Commit before ack: deliver_sm_resp only once the owner's handler has taken the PDU. */
  private async deliver(pdu: PDU): Promise<void> {
    this.deliveries += 1;
    let status = ESME_ROK;
    try {
      await this.o.onDeliver(pdu);
    } catch (err) {
      status = ESME_RX_T_APPN;
      this.o.log.warn({ event: 'smpp.deliver.failed', seq: pdu.sequence_number, ...reasonOf(err) }, `deliver_sm #${pdu.sequence_number} not taken (answered ESME_RX_T_APPN, the SMSC sends it again): ${reasonOf(err).reason}`);
    } finally {
      this.deliveries -= 1;
    }
    if (this.closed || !this.session.send(pdu.response({ command_status: status }))) {
      this.o.log.warn({ event: 'smpp.deliver.unacked', seq: pdu.sequence_number }, `deliver_sm #${pdu.sequence_number} was handled but the connection closed before deliver_sm_resp; the SMSC will send it again`);
    }
  }

  /** A request this gateway does not serve: its own `_resp` with ESME_RINVCMDID, else generic_nack. */
  private refuseCommand(pdu: PDU): void {
    const respName = `${pdu.command}_resp`;
    const resp = pdu.command !== 'unknown' && respName in smpp.commands
      ? new smpp.PDU(respName, { sequence_number: pdu.sequence_number, command_status: ESME_RINVCMDID })
      : new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: ESME_RINVCMDID });
    if (pdu.command !== 'alert_notification' && pdu.command !== 'outbind') this.session.send(resp);
    this.o.log.warn({ event: 'smpp.pdu.refused', command: pdu.command, commandId: `0x${pdu.command_id.toString(16)}`, seq: pdu.sequence_number }, `the SMSC sent ${pdu.command} (command_id 0x${pdu.command_id.toString(16)}), which this gateway does not take; answered ESME_RINVCMDID`);
  }

  private onError(err: unknown): void {
    // A socket error destroys the socket before it is emitted; a decoder error leaves it open.
    if (!this.session.socket.destroyed && !this.closed) {
      // The package's decoder threw: the byte stream is out of step and its reader has stopped.
      this.o.log.warn({ event: 'smpp.pdu.malformed', ...reasonOf(err) }, `the SMSC sent a PDU that cannot be decoded (${reasonOf(err).reason}); answered generic_nack ESME_RINVCMDLEN, reconnecting`);
      this.closeReason ??= `malformed PDU from the SMSC: ${reasonOf(err).reason}`;
      this.session.send(new smpp.PDU('generic_nack', { command_status: ESME_RINVCMDLEN }));
      // The rest of the input is thrown away so the SMSC's FIN is seen (unread bytes would
      // also turn our close into an RST that can take the nack with it).
      const { socket } = this.session;
      socket.removeAllListeners('readable');
      socket.resume();
      this.closeSoon();
      return;
    }
    this.closeReason ??= reasonOf(err).reason;
  }

  /** Ends the connection after what was written; destroys it if the SMSC does not close its side. */
  private closeSoon(): void {
    this.stopEnquireLinks();
    this.session.close();
    setTimeout(() => this.destroy(this.closeReason ?? 'closed'), 1_000).unref();
  }

  private onSocketClose(): void {
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopEnquireLinks();
    const reason = this.closeReason ?? 'the SMSC closed the connection';
    this.onBound?.({ kind: 'failed', reason });
    this.onUnbound?.();
    const unanswered = this.pending.size;
    for (const p of [...this.pending.values()]) p.settle({ kind: 'lost', reason: `connection closed before the answer: ${reason}` });
    this.o.onClose(reason, unanswered);
  }

  /**
   * enquire_link after `enquireLinkMs` without a PDU from the SMSC; an enquire_link still
   * unanswered at the next tick is a miss, and `maxMissedEnquireLinks` misses close the link.
   */
  private startEnquireLinks(): void {
    this.enquireTimer = setInterval(() => this.tickEnquireLink(), this.o.enquireLinkMs);
    this.enquireTimer.unref();
  }

  private tickEnquireLink(): void {
    if (this.enquireOutstanding) {
      this.missedEnquireLinks += 1;
      if (this.missedEnquireLinks >= this.o.maxMissedEnquireLinks) {
        this.o.log.warn({ event: 'smpp.enquire_link.missed', missed: this.missedEnquireLinks }, `${this.missedEnquireLinks} enquire_link unanswered; reconnecting`);
        this.destroy(`${this.missedEnquireLinks} enquire_link unanswered`);
        return;
      }
    } else if (Date.now() - this.lastHeard < this.o.enquireLinkMs) {
      return;
    }
    this.enquireOutstanding = true;
    this.session.enquire_link();
  }

  private stopEnquireLinks(): void {
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.enquireTimer = undefined;
  }
}
