/*
 * server.ts - the SMTP listener: smtp-server configured for the gateway, our hooks behind it.
 *
 * Promise: smtp-server owns the protocol (RFC 5321) and calls handlers.ts; this file only sets
 * it up and runs its lifecycle. What is offered:
 * - ESMTP with PIPELINING, 8BITMIME, SMTPUTF8, SIZE <maxMessageSize> (RFC 1870; a larger
 *   declared SIZE= is refused at MAIL with our 552 5.3.4, declared-size.ts) and DSN
 *   (RFC 3461: NOTIFY/ORCPT on RCPT, RET/ENVID on MAIL, passed on in the Envelope).
 * - STARTTLS only when `tls` gives a key and certificate (never smtp-server's built-in test
 *   certificate, whose private key is public).
 * - SMTP AUTH PLAIN and LOGIN (RFC 4954) only when `tls` is given AND the hooks have
 *   `authenticate`, and then only after STARTTLS (auth-tls.ts: not listed before it, and AUTH
 *   before it is answered 538 5.7.11). Never required by the protocol layer (authOptional): who
 *   must authenticate is a per-user decision the accept path takes at MAIL from `session.user`.
 *   Without tls, AUTH is neither advertised nor accepted.
 * - No reverse DNS of clients: the box may have no DNS at all, and smtp-server would otherwise
 *   hold every greeting up to 1.5 s waiting for a PTR answer.
 * - Limits against hostile clients (limits.ts, defaults in config/smtp-limits.ts): connections in
 *   total and per client address (connection-limits.ts, 421 4.7.0 before any session exists),
 *   an absolute time for the session and for DATA (session-timeout.ts, data-limits.ts, 421 4.4.2),
 *   DATA phases in flight (data-limits.ts, 421 4.3.2), smtp-server's idle timeout (socketTimeout),
 *   and the cost of failed logins (auth-throttle.ts). Counts and tables are per listener.
 * Enhanced status codes: smtp-server does not advertise ENHANCEDSTATUSCODES by default and does
 * not prefix them itself; our replies carry theirs in the text (replies.ts), smtp-server's own
 * protocol replies (503 bad sequence, 421 too soon) carry none.
 *
 * Logging: our events (`smtp.connect`, `smtp.auth`, `smtp.rcpt.rejected`, `smtp.accepted`,
 * `smtp.rejected`, `smtp.data.aborted`, `smtp.timeout`, `smtp.close`) at info,
 * `smtp.auth.failed`, `smtp.auth.blocked` and `smtp.connection.refused` at warn; everything smtp-server logs (wire `C:`/`S:` lines,
 * its connection notes) goes to debug as `smtp.wire` under the same `sid` (STYLE 5). Below debug
 * smtp-server gets no logger at all: it would otherwise build (and we format) some 15 wire lines
 * per mail only for pino to drop them, about 0.5 ms of CPU per mail on one connection per mail.
 * The level is the one the logger has when the server is made (it does not change at run time).
 */
import { format } from 'node:util';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { reasonOf, type Logger } from '../log/index.js';
import { NO_COUNTERS } from '../metrics/index.js';
import { offerAuthOnlyOverTls } from './auth-tls.js';
import { createAuthThrottle } from './auth-throttle.js';
import { limitConnections } from './connection-limits.js';
import type { CutSessions } from './cut.js';
import { createDataSlots, limitData } from './data-limits.js';
import { refuseDeclaredOversize } from './declared-size.js';
import { SMTP_SERVER_GREETING_DELAY_MS, setEarlyTalkerDelay } from './early-talker.js';
import { createHandlers } from './handlers.js';
import { smtpLimits } from './limits.js';
import { limitSessionTime } from './session-timeout.js';
import type { SmtpServerHandle, SmtpServerOptions } from './types.js';

const DEFAULT_MAX_RECIPIENTS = 100;
const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export function createSmtpServer(options: SmtpServerOptions): SmtpServerHandle {
  const log = options.logger;
  const counters = options.counters ?? NO_COUNTERS;
  const limits = options.limits ?? smtpLimits();
  const cut: CutSessions = new Set();
  const slots = createDataSlots(limits);
  const throttle = createAuthThrottle({ baseDelayMs: limits.authFailureDelayMs, failuresPerClient: limits.authFailuresPerClient, blockMs: limits.authBlockMs });
  const handlers = createHandlers({
    hooks: options.hooks,
    logger: log,
    counters,
    maxMessageSize: options.maxMessageSize,
    maxRecipients: options.maxRecipients ?? DEFAULT_MAX_RECIPIENTS,
    limits,
    throttle,
    slots,
    cut,
  });
  const server = new SMTPServer({ ...libraryOptions(options, limits.idleTimeoutMs), ...handlers });
  setEarlyTalkerDelay(server, options.earlyTalkerDelayMs ?? SMTP_SERVER_GREETING_DELAY_MS);
  // after setEarlyTalkerDelay: each wraps whichever connect() is installed
  if (offersAuth(options)) offerAuthOnlyOverTls(server, log);
  refuseDeclaredOversize(server, options.maxMessageSize, log, counters);
  limitSessionTime(server, limits.sessionTimeoutMs, { log, counters, cut });
  limitData(server, slots, limits.dataTimeoutMs, { log, counters, cut });
  // last, so it runs first: a refused socket never becomes a session
  limitConnections(server, limits, log, counters);
  // A listener must exist or an 'error' event (a client's socket error) would crash the process.
  server.on('error', (err: Error) => log.warn({ event: 'smtp.error', ...reasonOf(err) }, 'SMTP connection error'));

  return {
    listen: () => listen(server, options.listen.host, options.listen.port, log),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function offersAuth(options: SmtpServerOptions): boolean {
  return options.tls !== undefined && options.hooks.authenticate !== undefined;
}

function libraryOptions(options: SmtpServerOptions, idleTimeoutMs: number): SMTPServerOptions {
  const tls = options.tls;
  return {
    name: options.hostname,
    banner: 'mail2sms',
    size: options.maxMessageSize,
    authOptional: true,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    disabledCommands: offersAuth(options) ? [] : tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    hideSTARTTLS: !tls,
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    hideDSN: false,
    disableReverseLookup: true,
    closeTimeout: options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    socketTimeout: idleTimeoutMs,
    logger: options.logger.isLevelEnabled('debug') ? wireLogger(options.logger) : false,
  };
}

/** smtp-server's bunyan-style logger, every level sent to our debug with the session id. */
function wireLogger(log: Logger) {
  const write = (entry: Record<string, unknown> | undefined, message: string, ...args: unknown[]) => {
    const sid = typeof entry?.['cid'] === 'string' ? entry['cid'] : undefined;
    log.debug({ event: 'smtp.wire', ...(sid ? { sid } : {}), tnx: entry?.['tnx'] }, format(message, ...args));
  };
  const levels = Object.fromEntries(LOG_LEVELS.map((level) => [level, write]));
  return { ...levels, level: () => undefined } as unknown as SMTPServerOptions['logger'];
}

function listen(server: SMTPServer, host: string, port: number, log: Logger): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.server.listen(port, host, () => {
      server.server.off('error', onError);
      const address = server.server.address();
      const bound = typeof address === 'object' && address !== null ? { host: address.address, port: address.port } : { host, port };
      log.info({ event: 'smtp.listening', ...bound }, 'SMTP listening');
      resolve(bound);
    });
  });
}
