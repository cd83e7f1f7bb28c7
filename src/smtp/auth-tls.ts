/*
 * auth-tls.ts - SMTP AUTH offered only once the connection is encrypted.
 *
 * RFC 4954 §4 lets a server take a mechanism only over TLS, and answer AUTH before that with
 * "538 5.7.11 Encryption required for requested authentication mechanism"; RFC 3207 §4.2 and
 * RFC 4954 §4 say not to advertise what cannot be used. smtp-server 3.21.6 does neither by
 * itself: with AUTH enabled it lists `AUTH PLAIN LOGIN` in the EHLO reply before STARTTLS too
 * (`handler_EHLO`), and refuses AUTH before STARTTLS with `538 Error: Must issue a STARTTLS
 * command first` (`handler_AUTH`, no RFC 3463 status: ENHANCEDSTATUSCODES is off here). Its only
 * per-session switch, `session.disabledCommands`, would hide AUTH but also turn it into
 * `500 command not recognized`. So for each new connection this replaces two of its handlers,
 * on that connection object only:
 * - EHLO before STARTTLS runs with AUTH disabled for the session, so it is not listed;
 * - AUTH before STARTTLS gets replies.authNeedsTls() and never reads credentials.
 * After STARTTLS both run untouched. The credentials a client put on the AUTH line before
 * STARTTLS have already crossed in clear: nothing can be done but refuse them.
 *
 * Promise: only members the pinned version declares in its .d.ts are used (`secure`, `session`,
 * `send`, `handler_EHLO`, `handler_AUTH`, `options.disabledCommands`; connection-guard.ts for
 * the rest); the integration tests drive every path, so an upgrade that changes
 * them fails a test instead of silently advertising AUTH in clear.
 */
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Logger } from '../log/index.js';
import { onEachConnection } from './connection-guard.js';
import { authNeedsTls } from './replies.js';

/** Guards each new connection of the server (connection-guard.ts). */
export function offerAuthOnlyOverTls(server: SMTPServer, log: Logger): void {
  onEachConnection(server, (connection) => guardConnection(server, connection, log));
}

function guardConnection(server: SMTPServer, connection: SMTPConnection, log: Logger): void {
  const ehlo = connection.handler_EHLO;
  const auth = connection.handler_AUTH;
  connection.handler_EHLO = (command, callback) => {
    if (connection.secure) return ehlo.call(connection, command, callback);
    const session = connection.session;
    const own = session.disabledCommands;
    // handler_EHLO builds and sends its reply synchronously, so the switch covers exactly it
    session.disabledCommands = [...(own ?? server.options.disabledCommands ?? []), 'AUTH'];
    try {
      ehlo.call(connection, command, callback);
    } finally {
      session.disabledCommands = own;
    }
  };
  connection.handler_AUTH = (command, callback) => {
    if (connection.secure) return auth.call(connection, command, callback);
    const reply = authNeedsTls();
    log.info(
      { event: 'smtp.auth.refused', sid: connection.session.id, code: reply.responseCode, enhanced: reply.enhanced, errorCode: reply.code },
      'SMTP AUTH before STARTTLS refused',
    );
    connection.send(reply.responseCode, reply.message, false);
    callback();
  };
}
