/*
 * session-timeout.ts - an absolute wall-time limit on a whole SMTP session (smtp.session_timeout).
 *
 * smtp-server 3.21.6 has only an idle timeout (socketTimeout), which any byte resets: a client
 * trickling one byte every 20 s keeps its connection, and its descriptor, for ever. This starts
 * a timer per connection at connect (connection-guard.ts); when it fires the session gets
 * `421 4.4.2` and is closed (cut.ts), unless the gateway owes the client a reply at that moment,
 * then the cut waits for that reply (checked again every second).
 */
import type { SMTPServer } from 'smtp-server';
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import { onEachConnection } from './connection-guard.js';
import { cutForTime, isOpen, waitsForUs, type CutSessions } from './cut.js';

const RECHECK_MS = 1000;

export function limitSessionTime(server: SMTPServer, limitMs: number, context: { readonly log: Logger; readonly counters: GatewayCounters; readonly cut: CutSessions }): void {
  onEachConnection(server, (connection) => {
    const socket = connection._socket;
    let timer: NodeJS.Timeout;
    const arm = (ms: number): void => {
      timer = setTimeout(fire, ms);
      timer.unref();
    };
    const fire = (): void => {
      if (!isOpen(connection)) return;
      if (waitsForUs(connection)) return arm(RECHECK_MS);
      cutForTime(connection, 'session', limitMs, context);
    };
    arm(limitMs);
    socket.once('close', () => clearTimeout(timer));
  });
}
