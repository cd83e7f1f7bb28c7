/*
 * auth-handler.ts - smtp-server's onAuth: AUTH PLAIN / LOGIN checked through the authenticate
 * hook, with what a failed login costs (auth-throttle.ts).
 *
 * Promise: every AUTH gets exactly one reply and one log line naming the user name tried,
 * never the password (smtp-server runs the SASL exchange and redacts it from the wire log):
 * - success: the user name, lower-cased, becomes `session.user` (`smtp.auth`); the address's
 *   failures are forgotten;
 * - a wrong user name or password: `smtp.auth.failed`, then, after the address's delay (1 s,
 *   2 s, 4 s … by default), `535 5.7.8`; the failure that reaches smtp.auth_failures_per_connection
 *   is answered `421 4.7.0` instead and closes the connection; the one that reaches
 *   smtp.auth_failures_per_client blocks the address (`421 4.7.0`, `smtp.auth.blocked`);
 * - an address that is blocked: `421 4.7.0` at once, no password checked (`smtp.auth.blocked`);
 * - a hook that throws is a bug: `smtp.hook.failed`, `454 4.7.0`.
 * The check itself (scrypt, accounts/password.ts) runs on libuv's thread pool, never on the
 * event loop, and the delay is a timer: other sessions go on meanwhile.
 */
import type { SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerSession } from 'smtp-server';
import { SmtpError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import type { AuthThrottle } from './auth-throttle.js';
import { clientKey } from './client-key.js';
import type { SmtpLimits } from './limits.js';
import { authBlocked, authInvalid, authTooManyFailures, authUnavailable } from './replies.js';
import type { SmtpHooks, SmtpSession } from './types.js';

type AuthCallback = (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void;

export interface AuthContext {
  readonly authenticate: SmtpHooks['authenticate'];
  readonly counters: GatewayCounters;
  readonly limits: Pick<SmtpLimits, 'authFailuresPerConnection' | 'authBlockMs'>;
  readonly throttle: AuthThrottle;
  readonly now?: () => number;
}

/** Per connection: the logger and the failed logins so far. */
export interface AuthConnection {
  readonly log: Logger;
  authFailures: number;
}

export function handleAuth(ctx: AuthContext, auth: SMTPServerAuthentication, session: SMTPServerSession, conn: AuthConnection, view: SmtpSession, callback: AuthCallback): void {
  const now = ctx.now ?? Date.now;
  const username = auth.username ?? '';
  const client = session.remoteAddress;
  const key = clientKey(client);
  const blockedUntil = ctx.throttle.blockedUntil(key, now());
  if (blockedUntil !== undefined) return block(ctx, conn, 'client', { user: username, client, until: new Date(blockedUntil).toISOString() }, authBlocked(ctx.limits.authBlockMs), callback);
  const check = ctx.authenticate;
  const password = auth.password;
  if (check === undefined || typeof password !== 'string' || !samePlainIdentity(auth)) return fail(ctx, conn, auth, client, callback);
  attempt(() => check(username, password, view)).then(
    (ok) => {
      if (!ok) return fail(ctx, conn, auth, client, callback);
      ctx.throttle.succeeded(key);
      conn.log.info({ event: 'smtp.auth', user: username.toLowerCase(), method: auth.method }, 'SMTP AUTH succeeded');
      callback(null, { user: username.toLowerCase() });
    },
    (err: unknown) => {
      if (err instanceof SmtpError) return callback(err);
      conn.log.error({ event: 'smtp.hook.failed', stage: 'auth', user: username, err }, 'SMTP AUTH check failed unexpectedly');
      callback(authUnavailable(err));
    },
  );
}

function fail(ctx: AuthContext, conn: AuthConnection, auth: SMTPServerAuthentication, client: string, callback: AuthCallback): void {
  const verdict = ctx.throttle.failed(clientKey(client), (ctx.now ?? Date.now)());
  conn.authFailures += 1;
  ctx.counters.authFailed();
  const user = auth.username ?? '';
  conn.log.warn(
    { event: 'smtp.auth.failed', user, method: auth.method, client, failures: conn.authFailures, clientFailures: verdict.failures, delayMs: verdict.delayMs },
    'SMTP AUTH failed',
  );
  const answer = (): void => {
    if (verdict.blockedUntil !== undefined) {
      return block(ctx, conn, 'client', { user, client, failures: verdict.failures, until: new Date(verdict.blockedUntil).toISOString() }, authBlocked(ctx.limits.authBlockMs), callback);
    }
    if (conn.authFailures >= ctx.limits.authFailuresPerConnection) {
      return block(ctx, conn, 'connection', { user, client, failures: conn.authFailures }, authTooManyFailures(conn.authFailures), callback);
    }
    callback(authInvalid());
  };
  setTimeout(answer, verdict.delayMs).unref();
}

function block(ctx: AuthContext, conn: AuthConnection, reason: 'connection' | 'client', fields: object, reply: SmtpError, callback: AuthCallback): void {
  ctx.counters.authBlocked(reason);
  conn.log.warn(
    { event: 'smtp.auth.blocked', reason, ...fields, code: reply.responseCode, enhanced: reply.enhanced, errorCode: reply.code },
    reason === 'client' ? 'SMTP AUTH refused: too many failed logins from this client address' : 'SMTP connection closed: too many failed logins on it',
  );
  callback(reply);
}

/**
 * RFC 4616 §2: a PLAIN authorization identity other than the authentication identity asks to act
 * as someone else, which this gateway never allows; an empty one (or the same name) is fine.
 */
function samePlainIdentity(auth: SMTPServerAuthentication): boolean {
  const authzid = auth.authzid ?? '';
  const authcid = auth.authcid ?? '';
  return auth.method !== 'PLAIN' || authzid === '' || authcid === '' || authzid.toLowerCase() === authcid.toLowerCase();
}

/** Calls a hook so that a synchronous throw becomes a rejection too. */
export function attempt<T>(hook: () => Promise<T>): Promise<T> {
  try {
    return hook();
  } catch (err) {
    return Promise.reject(err);
  }
}
