/*
 * cut.ts - the server ends a session itself (a time limit reached): one `smtp.timeout` line and
 * count, the 421 sent (smtp-server closes the connection on any 421), and the session id noted,
 * so handlers.ts does not log the DATA stream this destroys a second time as a client abort.
 *
 * Promise: `waitsForUs` is smtp-server's own test in `_onTimeout()` (a hook has not called back,
 * or the message is in and onData has not decided): a limit never cuts a session while the
 * gateway owes the client its reply, so a mail being committed is never answered 421 and sent
 * twice. Only .d.ts members are used (`session`, `remoteAddress`, `send`, `_handlerPending`,
 * `_dataStream`, `_parser._dataMode`, `_closing`, `_closed`).
 */
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import { timedOut } from './replies.js';

/** Session ids the server cut, until their onClose (handlers.ts). */
export type CutSessions = Set<string>;

export function waitsForUs(connection: SMTPConnection): boolean {
  const parser = connection._parser;
  return connection._handlerPending || Boolean(connection._dataStream && parser && !parser._dataMode);
}

export function isOpen(connection: SMTPConnection): boolean {
  return !connection._closing && !connection._closed;
}

export function cutForTime(
  connection: SMTPConnection,
  phase: 'session' | 'data',
  limitMs: number,
  context: { readonly log: Logger; readonly counters: GatewayCounters; readonly cut: CutSessions },
  fields: object = {},
): void {
  const reply = timedOut(phase, limitMs);
  context.cut.add(connection.session.id);
  context.counters.timeout(phase);
  context.log.info(
    { event: 'smtp.timeout', sid: connection.session.id, phase, client: connection.remoteAddress, limitMs, code: reply.responseCode, enhanced: reply.enhanced, errorCode: reply.code, ...fields },
    phase === 'session' ? 'SMTP session cut: smtp.session_timeout reached' : 'SMTP DATA cut: smtp.data_timeout reached before the final dot',
  );
  connection.send(reply.responseCode, reply.message);
}
