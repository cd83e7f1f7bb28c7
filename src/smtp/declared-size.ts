/*
 * declared-size.ts - a mail declared too big with SIZE= on MAIL FROM (RFC 1870 §6.2) gets the
 * gateway's own `552 5.3.4` and a `smtp.rejected` line naming the sender.
 *
 * smtp-server 3.21.6 checks the declared size itself, before our MAIL hook runs
 * (`_validateMailParams`), and answers `552 Error: message exceeds fixed maximum message size N`:
 * no RFC 3463 status, not our wording, nothing logged. A real MTA declares SIZE whenever the
 * server advertises it, so that is how a 10 MB mail usually arrives. This replaces each
 * connection's `handler_MAIL`: a declared size over the limit is refused here; anything else
 * (syntax, sequence, other parameters, sizes within the limit) goes to smtp-server's handler.
 * Promise: only `.d.ts` members are used (`handler_MAIL`, `send`, `session`).
 */
import type { SMTPServer } from 'smtp-server';
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import { onEachConnection } from './connection-guard.js';
import { logRejected } from './handlers.js';
import { messageTooBig } from './replies.js';

/** RFC 5321 §4.1.1.2 MAIL FROM:<reverse-path> [params], RFC 1870 size-value ::= 1*20DIGIT. */
const MAIL_SIZE = /^MAIL\s+FROM:\s*<([^>]*)>.*?\sSIZE=(\d{1,20})(?:\s|$)/i;

export function refuseDeclaredOversize(server: SMTPServer, limit: number, log: Logger, counters: GatewayCounters): void {
  onEachConnection(server, (connection) => {
    const mail = connection.handler_MAIL;
    connection.handler_MAIL = (command, callback) => {
      const m = MAIL_SIZE.exec(command.toString('latin1'));
      if (m === null || Number(m[2]) <= limit) return mail.call(connection, command, callback);
      const reply = messageTooBig(limit);
      logRejected(log.child({ sid: connection.session.id }), counters, reply, 'mail', { from: m[1], declaredSize: Number(m[2]) });
      connection.send(reply.responseCode, reply.message);
      callback();
    };
  });
}
