/*
 * session.ts - keeps one bind to an SMSC up: connect, bind, reconnect with backoff, the window.
 *
 * Promise:
 * - submit() resolves exactly once per call to `resp` (the SMSC answered: submit_sm_resp or a
 *   generic_nack with its sequence_number), `timeout` (written, no answer within timeoutMs: the
 *   caller treats it as unknown), `not-sent` (nothing was written: not bound, stopped, aborted
 *   or a field that cannot be encoded; safe to try elsewhere) or `lost` (written, then the
 *   connection closed, the signal aborted or stop({ drain: false }) came before an answer).
 *   It never rejects for an expected failure.
 * - At most `window` submit_sm are outstanding. A submit beyond the window WAITS for a slot, in
 *   arrival order (the time waiting does not count against timeoutMs); it is refused `not-sent`
 *   when the bind goes away or its signal aborts while it waits. A dispatcher with
 *   concurrency = window never waits; freeSlots() says how many may go now (0 unless bound).
 *   A submit that timed out gives its slot back: the SMSC may still hold it, which is the price
 *   of not stalling the route on a black hole.
 * - Each connection gets a new Link and with it a new `smpp` Session (the package's Session is
 *   unreliable after a drop). Reconnects wait 1 s doubling to 60 s (injectable), reset by a
 *   successful bind. A bind the SMSC refuses (any command_status, e.g. ESME_RINVPASWD,
 *   ESME_RALYBND) leaves state `bind-refused` and is tried again only after the longest wait,
 *   the password read again each time; never a tight loop.
 * - start() resolves after the first try ends (bound, bind-refused or backoff) and never
 *   rejects: a route that cannot bind says so in health(), it does not stop the gateway.
 * - stop({ drain: true }) refuses new submits, lets those under way (and those waiting for a
 *   slot) finish, sends unbind and closes; stop({ drain: false }) settles everything at once
 *   (waiting ones `not-sent`, written ones `lost`), then unbinds. Both end in state `stopped`.
 * - health() is synchronous and cheap.
 */
import type { PDU } from 'smpp';
import type { ConnectionOptions } from 'node:tls';
import { SmppError, type ErrorCode } from '../../errors.js';
import { reasonOf, type Logger } from '../../log/index.js';
import { Link, type BindMode, type SubmitResult } from './link.js';
import { statusName } from './status-names.js';
import { SubmitWindow } from './window.js';

export type { BindMode, SubmitResult } from './link.js';

export type SessionState = 'connecting' | 'binding' | 'bound' | 'bind-refused' | 'backoff' | 'stopped';

export interface SessionHealth {
  readonly state: SessionState;
  /** Why, in words: the host being dialled, the refusal, the drop and when the next try is. */
  readonly detail: string;
  readonly windowInUse: number;
  readonly window: number;
  /** In `bind-refused`: the bind_resp command_status, e.g. 0x0E (ESME_RINVPASWD). */
  readonly commandStatus?: number;
  /** In `backoff` and `bind-refused`: the error code of the last failure (docs/errors.md). */
  readonly code?: ErrorCode;
}

export interface SmppSessionOptions {
  /** Route name, for logs. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** TLS options (ca, servername, rejectUnauthorized …); plain TCP when absent. */
  readonly tls?: ConnectionOptions;
  /** Default transceiver. */
  readonly mode?: BindMode;
  readonly systemId: string;
  /** Called before each bind, so a changed password_file is read again. */
  readonly password: () => string | Promise<string>;
  readonly systemType?: string;
  /** Most submit_sm outstanding; default 10. */
  readonly window?: number;
  /** enquire_link after this long without a PDU from the SMSC; default 30 s. */
  readonly enquireLinkMs?: number;
  /** Unanswered enquire_link before the connection is dropped; default 3. */
  readonly maxMissedEnquireLinks?: number;
  /** Connect plus bind; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** First reconnect wait, doubled per failed try; default 1 s. */
  readonly backoffBaseMs?: number;
  /** Longest reconnect wait, and the wait after a refused bind; default 60 s. */
  readonly backoffCapMs?: number;
  /** How long stop() waits for unbind_resp; default 2 s. */
  readonly unbindTimeoutMs?: number;
  readonly logger: Logger;
}

export interface SubmitOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

type Attempt =
  | { readonly kind: 'dropped'; readonly reason: string; readonly unanswered: number }
  | { readonly kind: 'refused'; readonly error: SmppError }
  | { readonly kind: 'failed'; readonly error: SmppError };

const noHandler = (): Promise<void> => Promise.reject(new Error('no deliver_sm handler is registered'));

export class SmppSession {
  private readonly o: Required<Omit<SmppSessionOptions, 'tls'>> & Pick<SmppSessionOptions, 'tls'>;
  private readonly log: Logger;
  private readonly window: SubmitWindow;
  private current: Omit<SessionHealth, 'windowInUse' | 'window'> = { state: 'stopped', detail: 'not started' };
  private link: Link | undefined;
  private loop: Promise<void> | undefined;
  private firstTry: Promise<void> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private idle: (() => void) | undefined;
  private deliverHandler: (pdu: PDU) => Promise<void> = noHandler;
  private readonly stateListeners = new Set<(health: SessionHealth) => void>();

  constructor(options: SmppSessionOptions) {
    this.o = {
      mode: 'transceiver', systemType: '', window: 10, enquireLinkMs: 30_000, maxMissedEnquireLinks: 3,
      connectTimeoutMs: 10_000, backoffBaseMs: 1_000, backoffCapMs: 60_000, unbindTimeoutMs: 2_000,
      ...options,
    };
    this.window = new SubmitWindow(this.o.window);
    this.log = options.logger.child({ transport: `smpp:${options.name}`, route: options.name });
  }

  health(): SessionHealth {
    return { ...this.current, windowInUse: this.window.inUse, window: this.window.size };
  }

  /** Submits that may start now without waiting: 0 unless bound and not stopping. */
  freeSlots(): number {
    return this.current.state === 'bound' && !this.stopping ? this.window.free : 0;
  }

  /** Each state change; returns a function that removes the listener. */
  onState(listener: (health: SessionHealth) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The owner's deliver_sm handler; deliver_sm_resp follows its promise (ESME_RX_T_APPN when it rejects). */
  onDeliver(handler: (pdu: PDU) => Promise<void>): void {
    this.deliverHandler = handler;
  }

  start(): Promise<void> {
    if (this.loop) return this.firstTry ?? Promise.resolve();
    this.stopping = false;
    this.firstTry = new Promise<void>((resolve) => {
      const off = this.onState((h) => {
        if (h.state === 'bound' || h.state === 'backoff' || h.state === 'bind-refused' || h.state === 'stopped') {
          off();
          resolve();
        }
      });
    });
    this.loop = this.run();
    return this.firstTry;
  }

  async submit(fields: Readonly<Record<string, unknown>>, options: SubmitOptions): Promise<SubmitResult> {
    if (this.stopping) return { kind: 'not-sent', reason: 'the route is stopping' };
    if (this.current.state !== 'bound') return { kind: 'not-sent', reason: `not bound (${this.current.state}: ${this.current.detail})` };
    const slot = await this.window.acquire(options.signal);
    if (!slot.ok) return { kind: 'not-sent', reason: slot.reason };
    try {
      const link = this.link;
      if (!link?.isOpen || this.current.state !== 'bound') return { kind: 'not-sent', reason: `not bound (${this.current.state}: ${this.current.detail})` };
      return await link.submit(fields, options.timeoutMs, options.signal);
    } finally {
      this.window.release();
      if (this.window.inUse === 0) this.idle?.();
    }
  }

  /** A second call while stopping waits for the first. */
  stop(options: { readonly drain: boolean }): Promise<void> {
    if (!this.loop) return Promise.resolve();
    this.stopped ??= this.finish(options).finally(() => (this.stopped = undefined));
    return this.stopped;
  }

  private async finish(options: { readonly drain: boolean }): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (options.drain) {
      if (this.window.inUse > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      this.idle = undefined;
    } else {
      this.window.refuseAll('the route stopped before it was sent');
      this.link?.abandon('the route stopped before the answer');
    }
    const link = this.link;
    if (link?.isOpen) {
      if (this.current.state === 'bound') await link.unbind(this.o.unbindTimeoutMs);
      else link.destroy('stopped');
    }
    await this.loop;
    this.loop = undefined;
    this.setState({ state: 'stopped', detail: 'stopped' });
    this.log.info({ event: 'smpp.stopped', drain: options.drain }, 'SMPP route stopped');
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const attempt = await this.attempt();
      if (this.stopping) break;
      if (attempt.kind === 'dropped') failures = 0;
      const waitMs = attempt.kind === 'refused' ? this.o.backoffCapMs : Math.min(this.o.backoffCapMs, this.o.backoffBaseMs * 2 ** failures);
      if (attempt.kind !== 'refused') failures += 1;
      this.reportFailure(attempt, waitMs);
      await this.sleep(waitMs);
    }
  }

  /** One connection: connect, bind, and while bound wait for it to close. */
  private async attempt(): Promise<Attempt> {
    const where = `${this.o.host}:${this.o.port}`;
    this.setState({ state: 'connecting', detail: `connecting to ${where}` });
    let password: string;
    try {
      password = await this.o.password();
    } catch (err) {
      return { kind: 'refused', error: new SmppError('M2S_SMPP_PASSWORD_UNREADABLE', `the password cannot be read: ${reasonOf(err).reason}`, { cause: err }) };
    }
    if (this.stopping) return { kind: 'failed', error: new SmppError('M2S_SMPP_UNREACHABLE', 'stopped before connecting') };
    let closed: (how: { reason: string; unanswered: number }) => void = () => undefined;
    const gone = new Promise<{ reason: string; unanswered: number }>((resolve) => (closed = resolve));
    const link = new Link({
      host: this.o.host, port: this.o.port, tls: this.o.tls, mode: this.o.mode,
      systemId: this.o.systemId, password, systemType: this.o.systemType,
      connectTimeoutMs: this.o.connectTimeoutMs, enquireLinkMs: this.o.enquireLinkMs,
      maxMissedEnquireLinks: this.o.maxMissedEnquireLinks, log: this.log,
      onDeliver: (pdu) => this.deliverHandler(pdu),
      onConnected: () => this.setState({ state: 'binding', detail: `bind_${this.o.mode} sent to ${where} as ${this.o.systemId}` }),
      onClose: (reason, unanswered) => {
        this.window.refuseAll(`connection closed before it was sent: ${reason}`);
        closed({ reason, unanswered });
      },
    });
    this.link = link;
    const bind = await link.open();
    if (bind.kind === 'refused') {
      const name = statusName(bind.commandStatus);
      return { kind: 'refused', error: new SmppError('M2S_SMPP_BIND_REFUSED', `the SMSC refused bind_${this.o.mode} as ${this.o.systemId}: ${name}`, { commandStatus: bind.commandStatus, statusName: name }) };
    }
    if (bind.kind === 'failed') return { kind: 'failed', error: new SmppError('M2S_SMPP_UNREACHABLE', `cannot bind to ${where}: ${bind.reason}`, { temporary: true }) };
    this.setState({ state: 'bound', detail: `bound to ${where} as ${this.o.systemId} (${this.o.mode})` });
    this.log.info({ event: 'smpp.bound', host: this.o.host, port: this.o.port, systemId: this.o.systemId, mode: this.o.mode, window: this.window.size, tls: this.o.tls !== undefined }, `bound to ${where} as ${this.o.systemId} (${this.o.mode})`);
    return { kind: 'dropped', ...(await gone) };
  }

  private reportFailure(attempt: Attempt, waitMs: number): void {
    if (attempt.kind === 'dropped') {
      const error = new SmppError('M2S_SMPP_LINK_LOST', `connection to the SMSC lost: ${attempt.reason}`, { temporary: true });
      this.setState({ state: 'backoff', detail: `${error.message}; binding again in ${waitMs} ms`, code: error.code });
      this.log.warn({ event: 'smpp.link.closed', ...reasonOf(error), inFlight: attempt.unanswered, waitMs }, `${error.message}; written submit_sm unanswered are unknown; binding again in ${waitMs} ms`);
      return;
    }
    const { error } = attempt;
    if (attempt.kind === 'refused') {
      this.setState({ state: 'bind-refused', detail: `${error.message}; trying again in ${waitMs} ms`, code: error.code, ...(error.commandStatus === undefined ? {} : { commandStatus: error.commandStatus }) });
      this.log.error({ event: 'smpp.bind.refused', ...reasonOf(error), commandStatus: error.commandStatus, statusName: error.statusName, waitMs }, `${error.message}; trying again in ${waitMs} ms`);
      return;
    }
    this.setState({ state: 'backoff', detail: `${error.message}; trying again in ${waitMs} ms`, code: error.code });
    this.log.warn({ event: 'smpp.connect.failed', ...reasonOf(error), waitMs }, `${error.message}; trying again in ${waitMs} ms`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
  }

  private setState(next: Omit<SessionHealth, 'windowInUse' | 'window'>): void {
    this.current = next;
    const health = this.health();
    for (const listener of [...this.stateListeners]) {
      try {
        listener(health);
      } catch (err) {
        this.log.error({ event: 'smpp.listener.failed', err }, 'a state listener threw');
      }
    }
  }
}
