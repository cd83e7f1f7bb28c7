/*
 * main.ts - the composition root: config in, a running gateway out.
 *
 * Opens the queue (and recovers what a crash left in flight) and the accounts store (the same
 * SQLite file), builds the verifier of the configured verdict mode and the smarthost sender,
 * starts the transports of every route, the dispatcher, the delivery status notifier (when a
 * smarthost is configured), the SMTP listeners with the pipeline's hooks, the control socket
 * (`<state_dir>/control.sock`, the admin API without a token: control/), and /metrics, /healthz
 * and the token-protected admin API under /api/ when `http:` is configured. Nothing else builds
 * these parts. stop() closes the listeners first (no new mail), lets the dispatcher finish the
 * sends under way, stops the transports and closes the queue: nothing accepted is lost.
 *
 * What can refuse the start is checked before anything starts: the smtp.tls files, the state
 * directory (0700, locked to this gateway: state/), the database. A failure there throws a
 * GatewayError naming the file or path, with nothing left running.
 *
 * A route whose transport cannot start (modem path missing) does not stop the gateway: mail is
 * still accepted and queued, the failure is logged with the route and the path, and the start
 * is tried again every `transportRetryMs` until it works.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_USER, openAccountStore, SENDER_ID_UNUSED, type AccountStore } from './accounts/index.js';
import { readTlsFiles, type Config } from './config/index.js';
import { createApiHandler, localSmtpTarget, readTokenFile, startControlSocket, type Access, type ControlContext, type ControlSocket } from './control/index.js';
import { createDispatcher, type Dispatcher } from './dispatch/index.js';
import { GatewayError } from './errors.js';
import { logModeChange, reasonOf, type Logger } from './log/index.js';
import { createPipeline, type ReplyMail, type VerdictSettings } from './pipeline.js';
import { logDsnDisabled, startDsnNotifier, submitMail, type DsnNotifier, type OutgoingMail, type SubmitResult } from './dsn/index.js';
import { startHttpServer, type HttpServer } from './http/index.js';
import { openInboundStore, startInboundForwarder, type InboundStore } from './inbound/index.js';
import { createGatewayCounters, gatewayHealth, Metrics, NO_COUNTERS, observeGateway, type GatewayCounters } from './metrics/index.js';
import { createVerifier } from './verdict/index.js';
import { openQueue, type Queue } from './queue/index.js';
import { createSmtpServer, smtpLimits } from './smtp/index.js';
import { ensureStateDir, lockStateDir, withDbErrors } from './state/index.js';
import { createTransport, type TransportOverrides } from './transports/index.js';
import type { ReceivedPart, Transport } from './transports/transport.js';

export interface Gateway {
  /** Where SMTP listens, after binding (port 0 resolved). */
  readonly listening: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  /** Where /metrics and /healthz answer, when `http:` is configured. */
  readonly http: { readonly host: string; readonly port: number } | undefined;
  readonly queue: Queue;
  readonly accounts: AccountStore;
  /** Received SMS (SPEC 10). */
  readonly inbound: InboundStore;
  readonly transports: readonly Transport[];
  readonly dispatcher: Dispatcher;
  /** The control socket (`<state_dir>/control.sock`): the admin API without a token, for the CLI. */
  readonly controlSocket: string;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly transportOverrides?: TransportOverrides;
  readonly transportRetryMs?: number;
  /** How often the delivery status notifier looks for ended mail (default 5 s); tests shorten it. */
  readonly dsnPollMs?: number;
  /** A send unanswered for longer makes /healthz degraded (default 30 s, metrics DEFAULT_SEND_EXPECTED_MS); tests shorten it. */
  readonly sendExpectedMs?: number;
  /** How often the inbound forwarder looks for SMS to mail (default 5 s) and how the smarthost is retried; tests shorten them. */
  readonly inboundPollMs?: number;
  readonly inboundRetryMs?: number;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  const startedAt = Date.now();
  const metrics = config.http ? new Metrics() : undefined;
  const counters: GatewayCounters = metrics ? createGatewayCounters(metrics, config.routes.map((r) => r.name)) : NO_COUNTERS;
  // Everything that can refuse to start is checked before anything starts (issue 12).
  const tls = config.smtp.tls ? readTlsFiles(config.smtp.tls) : undefined;
  const apiAccess = config.http ? httpAccess(config.http) : undefined;
  const { lock, queue, accounts, inbound, resendUnknown, recovered } = openState(config, logger);
  if (recovered.unknown > 0) {
    logger.warn({ event: 'queue.recovered', ...recovered }, `${recovered.unknown} segment(s) were in flight at the last stop; ${recovered.resent} will be sent again`);
  }
  const verdict = verdictSettings(config);

  const transports = config.routes.map((route) => createTransport(route, logger, options.transportOverrides));
  // Received SMS (SPEC 10) are committed before the transport lets go of them; listened to before
  // the transports start, so what a modem stored while the gateway was down is taken at start.
  let wakeForwarder = (): void => undefined;
  for (const t of transports) t.onReceived((part) => receivePart(inbound, t.name, part, logger, counters, () => wakeForwarder()));
  const retry = startTransports(transports, logger, options.transportRetryMs ?? 10_000);
  // Alert storms (SPEC 7): the account is read at each decision, so `account set` needs no restart.
  const rates = Object.fromEntries(config.routes.flatMap((r) => (r.rate === undefined ? [] : [[r.name, r.rate]])));
  const dispatcher = createDispatcher({ queue, transports, logger, resendUnknown, counters, rates, accountOf: (name) => accounts.getAccount(name) });
  dispatcher.start();

  const submit = smarthostSubmit(config);
  const sendMail = submit && (async (mail: ReplyMail): Promise<void> => void (await submit({ from: ownSender(config), to: [mail.to], subject: mail.subject, text: mail.text, headers: mail.headers })));
  const dsn: DsnNotifier | undefined = submit
    ? startDsnNotifier({ queue, logger, hostname: config.hostname, domains: config.domain, from: ownSender(config), ...(options.dsnPollMs === undefined ? {} : { pollMs: options.dsnPollMs }), send: async (mail) => void (await submit({ from: mail.from, to: [mail.to], raw: mail.raw })) })
    : (logDsnDisabled(logger), undefined);
  const forwarder = startInboundForwarder({
    store: inbound,
    // The newest alert to the number, any age: the plan applies its account's reply window.
    alertTo: (number) => queue.lastAlertTo(number, 0),
    settingsOf: (name) => accounts.getAccount(name),
    ...(config.inbound === undefined ? {} : { boxInbound: config.inbound }),
    domain: config.domain[0] as string,
    ownDomains: config.domain,
    hostname: config.hostname,
    ...(submit ? { send: (mail) => submit({ ...mail, to: [...mail.to] }) } : {}),
    logger,
    count: (outcome) => counters.inboundMail(outcome === 'received' ? 'retry' : outcome),
    partWaitMs: config.inbound_part_wait,
    ...(options.inboundPollMs === undefined ? {} : { pollMs: options.inboundPollMs }),
    ...(options.inboundRetryMs === undefined ? {} : { retry: { baseMs: options.inboundRetryMs, maxMs: options.inboundRetryMs * 4 } }),
  });
  wakeForwarder = () => forwarder.wake();
  const hooks = createPipeline({
    domains: config.domain,
    hostname: config.hostname,
    accounts,
    queue,
    verdict,
    ...(sendMail ? { sendMail } : {}),
    notices: dsn !== undefined,
    setsSender: transports.some((t) => t.kind === 'smpp'),
    wake: () => dispatcher.wake(),
    counters,
  });
  const servers = config.smtp.listen.map((listen) =>
    createSmtpServer({
      hostname: config.hostname,
      listen,
      maxMessageSize: config.smtp.max_message_size,
      limits: smtpLimits(config.smtp),
      logger,
      hooks,
      counters,
      ...(tls ? { tls } : {}),
      ...(config.smtp.greeting_delay_ms !== undefined ? { earlyTalkerDelayMs: config.smtp.greeting_delay_ms } : {}),
    }),
  );
  const listening: Array<{ host: string; port: number }> = [];
  const observed = { transports, queue, inbound: () => inbound.counts(), inFlight: () => dispatcher.inFlight(), outstanding: () => dispatcher.outstanding(), throttled: () => dispatcher.throttled(), startedAt, ...(options.sendExpectedMs === undefined ? {} : { sendExpectedMs: options.sendExpectedMs }) };
  // The control layer (SPEC 11): one context for the unix socket and the admin API on http.listen.
  let accepting = true;
  const control: ControlContext = {
    queue, accounts, inbound, logger, counters, now: Date.now, notices: dsn !== undefined,
    daemon: {
      wake: () => dispatcher.wake(),
      health: () => gatewayHealth(observed),
      send: (mail) => submitMail(localSmtpTarget(listening[0] ?? config.smtp.listen[0]!), { from: mail.from ?? DEFAULT_USER.email, to: [`${mail.to}@${config.domain[0] as string}`], subject: mail.subject ?? '', text: mail.text }),
    },
  };
  const api = (access: Access) => createApiHandler({ context: () => control, ready: () => accepting, access });
  let http: HttpServer | undefined;
  let socket: ControlSocket | undefined;
  try {
    for (const server of servers) listening.push(await server.listen());
    socket = await startControlSocket(config.state_dir, api({ kind: 'socket' }));
    if (config.http && metrics && apiAccess) {
      observeGateway(metrics, observed);
      http = await startHttpServer({
        listen: config.http.listen, logger, metrics, health: () => gatewayHealth(observed), api: api(apiAccess),
        ...(config.http.protect_metrics ? { protectMetrics: apiAccess } : {}),
      });
    }
  } catch (err) {
    await socket?.close();
    await Promise.allSettled(servers.map((s) => s.close()));
    retry.cancel();
    await dispatcher.stop({ drain: false });
    await dsn?.stop();
    await forwarder.stop();
    await Promise.allSettled(transports.map((t) => t.stop({ drain: false })));
    await queue.close();
    accounts.close();
    inbound.close();
    lock.release();
    if (err instanceof GatewayError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new GatewayError('M2S_LISTEN_FAILED', `cannot listen for SMTP on ${describeListen(config)}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`, { cause: err });
  }
  logger.info(
    {
      event: 'gateway.started',
      smtp: listening.map((l) => `${l.host}:${l.port}`),
      ...(http ? { http: `${http.address.host}:${http.address.port}` } : {}),
      domains: config.domain,
      state: join(config.state_dir, 'mail2sms.db'),
      routes: transports.map((t) => `${t.name} (${t.kind})`),
      verdict: config.verdict,
      config: config.source,
    },
    `mail2sms listening for SMTP on ${listening.map((l) => `${l.host}:${l.port}`).join(', ')}; sending through ${transports.map((t) => `${t.name} (${t.kind})`).join(', ')}`,
  );
  logVerdictMode(logger, config, verdict, accounts);
  logSenderIds(logger, transports, accounts);
  if (config.http && apiAccess?.kind === 'disabled') {
    logger.info({ event: 'api.disabled' }, `the admin API is off on http.listen (no http.token_file); it answers on ${socket.path}`);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ event: 'gateway.stopping' }, 'stopping: no new mail; finishing sends under way');
      retry.cancel();
      accepting = false;
      await Promise.allSettled(servers.map((s) => s.close()));
      await socket?.close();
      await dispatcher.stop({ drain: true });
      await dsn?.stop();
      await forwarder.stop();
      await http?.close();
      await Promise.allSettled(transports.map((t) => t.stop({ drain: true })));
      await queue.close();
      accounts.close();
      inbound.close();
      lock.release();
      logger.info({ event: 'gateway.stopped' }, 'stopped');
    })());
  return { listening, http: http?.address, queue, accounts, inbound, transports, dispatcher, controlSocket: socket.path, stop };
}

/** Who may use the admin API on http.listen: the token of http.token_file, or nobody (403) without one. */
function httpAccess(http: NonNullable<Config['http']>): Access {
  if (http.token_file !== undefined) return readTokenFile(http.token_file);
  if (http.protect_metrics) throw new GatewayError('M2S_HTTP_TOKEN_UNUSABLE', 'http.protect_metrics is true, but no http.token_file gives the token that /metrics and /healthz would ask for');
  return { kind: 'disabled' };
}

/** The state directory (0700, locked to this gateway) and its stores; on a failure nothing stays open. */
function openState(config: Config, logger: Logger) {
  const dirModes = ensureStateDir(config.state_dir);
  const lock = lockStateDir(config.state_dir);
  // Logged once the lock is held: a directory we cannot use gets one error, not a warning too.
  [...dirModes, ...lock.modeChanges].forEach((c) => logModeChange(logger, c));
  const dbPath = join(config.state_dir, 'mail2sms.db');
  let queue: Queue | undefined;
  let accounts: AccountStore | undefined;
  let inbound: InboundStore | undefined;
  try {
    const q = (queue = openQueue({ path: dbPath, logger }));
    const a = (accounts = openAccountStore({ path: dbPath, logger }));
    const i = (inbound = openInboundStore({ path: dbPath, logger }));
    const resendUnknown = (name: string): boolean => a.getAccount(name)?.resendUnknown ?? true;
    const recovered = withDbErrors(dbPath, () => q.recover({ resendUnknown }, Date.now()));
    return { lock, queue: q, accounts: a, inbound: i, resendUnknown, recovered };
  } catch (err) {
    inbound?.close();
    accounts?.close();
    void queue?.close();
    lock.release();
    throw err;
  }
}

/** SPEC 3: the verifier of the configured mode; `trusted-ip` needs none. */
function verdictSettings(config: Config): VerdictSettings {
  if (config.verdict === 'trusted-ip') return { mode: 'trusted-ip' };
  const verifier = createVerifier({
    mode: config.verdict,
    hostname: config.hostname,
    ...(config.dns ? { dnsServers: config.dns.servers } : {}),
    ...(config.records ? { records: config.records } : {}),
    ...(config.relay ? { relay: { hosts: config.relay.hosts, authservId: config.relay.authserv_id } } : {}),
  });
  return { mode: config.verdict, verifier };
}

/** Mail the box sends itself (verdict replies, delivery status notifications) goes through `smarthost:`; none configured, none sent. */
function smarthostSubmit(config: Config): ((mail: OutgoingMail) => Promise<SubmitResult>) | undefined {
  const smarthost = config.smarthost;
  if (!smarthost) return undefined;
  return async (mail) => {
    // Read at each send, so a rotated password needs no restart.
    const pass = smarthost.auth ? readFileSync(smarthost.auth.pass_file, 'utf8').trim() : undefined;
    return submitMail({ host: smarthost.host, port: smarthost.port, secure: smarthost.secure, ...(smarthost.auth && pass !== undefined ? { auth: { user: smarthost.auth.user, pass } } : {}) }, mail);
  };
}

/**
 * One received part into the inbound store (SPEC 10). Resolves once committed, so the transport
 * may let go of it; rejects (the transport keeps it and it comes again) when it cannot be.
 */
async function receivePart(inbound: InboundStore, route: string, part: ReceivedPart, logger: Logger, counters: GatewayCounters, wake: () => void): Promise<void> {
  let result;
  try {
    result = inbound.receive(part, route, Date.now());
  } catch (err) {
    logger.error({ event: 'inbound.store_failed', route, ...reasonOf(err) }, `a received SMS could not be committed; the ${route} route keeps it and it comes again: ${reasonOf(err).reason}`);
    throw err;
  }
  counters.inboundPart(route, result.kind === 'duplicate' ? 'duplicate' : 'new');
  const seq = part.concat ? `${part.concat.seq}/${part.concat.total}` : '1/1';
  logger.info({ event: 'inbound.part', route, from: part.from, part: seq, result: result.kind, ...(result.kind === 'complete' ? { inboundId: result.id } : {}) },
    result.kind === 'duplicate' ? `SMS part ${seq} from ${part.from} received again; kept once` : `SMS part ${seq} from ${part.from} received${result.kind === 'complete' ? ` (inbox ${result.id})` : ', waiting for the other parts'}`);
  if (result.kind === 'complete') wake();
}

/** The From of the box's own mail: `smarthost.from`, or postmaster@<first domain>. */
function ownSender(config: Config): string {
  return config.smarthost?.from ?? `postmaster@${config.domain[0]}`;
}

/** One start line saying what is checked and what is not (SPEC 3: each mode says so). */
/** A sender ID reaches the phone only through an SMPP route: a modem sends from its SIM's own number. */
function logSenderIds(logger: Logger, transports: readonly Transport[], accounts: AccountStore): void {
  if (transports.some((t) => t.kind === 'smpp')) return;
  const users = accounts.listUsers().filter((u) => u.senderId !== undefined).map((u) => `${u.email} (${u.senderId})`);
  if (users.length === 0) return;
  logger.warn({ event: 'sender_id.unused', users }, `${users.length} user(s) have a sender ID ${SENDER_ID_UNUSED}: ${users.slice(0, 5).join(', ')}${users.length > 5 ? ', …' : ''}`);
}

function logVerdictMode(logger: Logger, config: Config, verdict: VerdictSettings, accounts: AccountStore): void {
  const allowIps = accounts.allowedNetworks();
  if (verdict.mode === 'trusted-ip') {
    logger.info({ event: 'verdict.mode', verdict: verdict.mode, allowIps }, 'verdict trusted-ip: the client address and the sender are the whole gate; DKIM, SPF and DMARC are not checked');
  } else {
    logger.info({ event: 'verdict.mode', verdict: verdict.mode, allowIps }, verdict.verifier.describe());
  }
  if (!config.smtp.tls && accounts.listUsers().some((u) => u.passwordHash !== undefined)) {
    logger.warn({ event: 'smtp.auth.unavailable' }, 'some users have a password but smtp.tls is not configured: AUTH is offered only after STARTTLS, so those users cannot send');
  }
}

function describeListen(config: Config): string {
  return config.smtp.listen.map((l) => `${l.host}:${l.port}`).join(', ');
}

/** Starts every transport; one that fails is logged and tried again later, never fatal. */
function startTransports(transports: readonly Transport[], logger: Logger, retryMs: number): { cancel(): void } {
  const pending = new Set<Transport>();
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const attempt = (t: Transport): void => {
    t.start().then(
      () => {
        pending.delete(t);
        // Started is not always ready: a modem may wait for the network by itself (no-network).
        const h = t.health();
        const state = h.ready ? 'ready' : `started, ${h.state}${h.detail ? ` (${h.detail})` : ''}`;
        logger.info({ event: 'transport.ready', route: t.name, kind: t.kind, state: h.state }, `route ${t.name} ${state}`);
      },
      (err: unknown) => {
        pending.add(t);
        // Expected (a modem not plugged in yet): the reason, not a stack.
        const { reason, code } = reasonOf(err);
        logger.error({ event: 'transport.start.failed', route: t.name, kind: t.kind, reason, code }, `route ${t.name} cannot start: ${reason}; retrying in ${retryMs / 1000}s`);
        if (!timer && !cancelled) {
          timer = setTimeout(() => {
            timer = undefined;
            for (const p of [...pending]) attempt(p);
          }, retryMs);
        }
      },
    );
  };
  transports.forEach(attempt);
  return {
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
    },
  };
}
