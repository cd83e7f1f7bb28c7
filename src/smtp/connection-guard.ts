/*
 * connection-guard.ts - runs a function on each new smtp-server connection object, right after
 * smtp-server has made it, so a guard can replace one of that connection's command handlers.
 *
 * smtp-server 3.21.6 has no hook between "connection made" and "first command": its
 * `connect()` builds the SMTPConnection and starts it. This wraps whichever `connect()` is
 * installed (early-talker.ts installs one too) and finds the new connection by its socket.
 * Promise: only members the pinned version declares in its .d.ts are used (`connect`,
 * `connections`, `_socket`).
 */
import type net from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

export function onEachConnection(server: SMTPServer, guard: (connection: SMTPConnection) => void): void {
  const connect = server.connect.bind(server);
  server.connect = (socket, socketOptions) => {
    connect(socket, socketOptions);
    const connection = findConnection(server, socket);
    if (connection !== undefined) guard(connection);
  };
}

function findConnection(server: SMTPServer, socket: net.Socket): SMTPConnection | undefined {
  for (const connection of server.connections) {
    if (connection._socket === socket) return connection;
  }
  return undefined;
}
