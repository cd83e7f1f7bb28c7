/*
 * connection-limits.ts - connections over smtp.max_connections (all clients) or
 * smtp.max_connections_per_client (one client address, client-key.ts) are answered
 * `421 4.7.0` and closed before smtp-server makes a session for them; one `smtp.connection.refused`
 * line and one count each.
 *
 * smtp-server 3.21.6 has `maxClients`, but it counts only after the SMTPConnection is built, has
 * no per-client limit, answers without an RFC 3463 status and logs nothing we see. So this wraps
 * `connect()` (outermost: early-talker.ts and connection-guard.ts wrap it too) and counts sockets,
 * not sessions: a socket counts from accept until its 'close', which includes the seconds a
 * closed session waits for the client's FIN, since that socket still holds a file descriptor.
 * A refused socket gets the reply, its input is read and dropped, and it is destroyed once the
 * client closed or after REFUSED_LINGER_MS, whichever is first, so refusals cannot pile up
 * descriptors either. Promise: only `connect` (declared in the .d.ts) is replaced.
 *
 * Every refusal is counted, but one client address hammering the port must not fill the journal:
 * its first refusal is logged, the next ones within REFUSAL_LOG_QUIET_MS are not, and the first
 * line after that quiet time says how many were left out (`suppressed`).
 */
import type net from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import { clientKey } from './client-key.js';
import type { SmtpLimits } from './limits.js';
import { tooManyConnections } from './replies.js';

const REFUSED_LINGER_MS = 1000;
const REFUSAL_LOG_QUIET_MS = 60_000;
/** At most this many client addresses remembered for the quiet time; past it the table starts again. */
const REFUSAL_LOG_CLIENTS = 10_000;

export function limitConnections(server: SMTPServer, limits: SmtpLimits, log: Logger, counters: GatewayCounters): void {
  const perClient = new Map<string, number>();
  const quiet = quietTime(REFUSAL_LOG_QUIET_MS, REFUSAL_LOG_CLIENTS);
  let total = 0;
  const connect = server.connect.bind(server);
  server.connect = (socket, socketOptions) => {
    const client = unmapped(socketOptions?.remoteAddress ?? socket.remoteAddress ?? '');
    const key = clientKey(client);
    const mine = perClient.get(key) ?? 0;
    const reason = total >= limits.maxConnections ? 'total' : mine >= limits.maxConnectionsPerClient ? 'per-client' : undefined;
    if (reason !== undefined) {
      counters.connectionRefused(reason);
      const suppressed = quiet.pass(`${reason} ${key}`, Date.now());
      if (suppressed !== undefined) {
        log.warn(
          { event: 'smtp.connection.refused', reason, client, open: reason === 'total' ? total : mine, limit: reason === 'total' ? limits.maxConnections : limits.maxConnectionsPerClient, ...(suppressed > 0 ? { suppressed } : {}) },
          reason === 'total' ? 'SMTP connection refused: smtp.max_connections reached' : 'SMTP connection refused: smtp.max_connections_per_client reached for this client',
        );
      }
      refuse(socket, reason);
      return;
    }
    total += 1;
    perClient.set(key, mine + 1);
    socket.once('close', () => {
      total -= 1;
      const left = (perClient.get(key) ?? 1) - 1;
      if (left > 0) perClient.set(key, left);
      else perClient.delete(key);
    });
    connect(socket, socketOptions);
  };
}

/** pass(key, now): the number of lines left out since the last one when a line may be logged now, else undefined. */
function quietTime(quietMs: number, maxKeys: number) {
  const seen = new Map<string, { until: number; suppressed: number }>();
  return {
    pass(key: string, now: number): number | undefined {
      const entry = seen.get(key);
      if (entry !== undefined && now < entry.until) {
        entry.suppressed += 1;
        return undefined;
      }
      if (entry === undefined && seen.size >= maxKeys) seen.clear();
      seen.set(key, { until: now + quietMs, suppressed: 0 });
      return entry?.suppressed ?? 0;
    },
  };
}

function refuse(socket: net.Socket, reason: 'total' | 'per-client'): void {
  const reply = tooManyConnections(reason);
  socket.on('error', () => undefined);
  const timer = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
  socket.end(`${reply.responseCode} ${reply.message}\r\n`);
}

/** smtp-server's own form of the client address: IPv4-mapped IPv6 unwrapped. */
function unmapped(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}
