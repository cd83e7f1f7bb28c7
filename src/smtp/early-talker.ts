/*
 * early-talker.ts - makes smtp-server's pre-greeting wait configurable.
 *
 * smtp-server 3.21.6 holds every new connection for a fixed 100 ms before the 220 greeting
 * (`SMTPConnection.init()`, dist/esm/smtp-connection.js: `setTimeout(() =>
 * this.connectionReady(), 100)`) and answers any command that arrives in that window with
 * `421 <name> You talk too soon` (`_onCommand`, the `!this._ready` branch). RFC 5321 §3.1 says a
 * client must wait for the greeting, so a client that does not is usually a spam bot. The wait
 * has no option, so for any other value this replaces `connect()` on our one server instance
 * (not on the class: nothing else is affected) with the same steps as smtp-server's own
 * `connect()` + `init()`, the delay excepted.
 *
 * Promise: with the default delay the library runs untouched. The replacement uses members the
 * pinned version declares in its .d.ts (`connections`, `_onError`, `_onClientConnect`,
 * `_setListeners`, `connectionReady`); the integration test drives both paths, so an upgrade
 * that changes them fails a test instead of silently keeping 100 ms.
 */
import type { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** smtp-server's built-in wait before the greeting, in ms. */
export const SMTP_SERVER_GREETING_DELAY_MS = 100;

export function setEarlyTalkerDelay(server: SMTPServer, delayMs: number): void {
  if (delayMs === SMTP_SERVER_GREETING_DELAY_MS) return;
  server.connect = (socket, socketOptions) => {
    const connection = new SMTPConnection(server, socket, socketOptions);
    server.connections.add(connection);
    connection.on('error', (err: Error) => server._onError(err));
    connection.on('connect', (data) => server._onClientConnect(data));
    connection._setListeners(() => {
      const max = server.options.maxClients;
      if (max && server.connections.size > max) {
        connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      const timer = setTimeout(() => connection.connectionReady(), delayMs);
      timer.unref();
    });
  };
}
