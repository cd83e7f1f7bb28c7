/*
 * data-limits.ts - the memory and time a DATA phase may take: at most smtp.max_concurrent_data
 * phases at once (smtp.max_concurrent_data_per_client from one client address), and each cut
 * at smtp.data_timeout from its 354 if the final dot has not come.
 *
 * handlers.ts holds a message in memory, up to max_message_size, from the 354 until its reply:
 * the slots bound that memory at max_concurrent_data × max_message_size (config/schema.ts keeps
 * the product under 256 MB). A DATA command finding no free slot is answered `421 4.3.2` and the
 * connection closed (the client retries later; closing also keeps a message body it may send
 * anyway from being read as commands), logged `smtp.rejected` and counted like any refusal.
 * A slot is taken before smtp-server's handler_DATA runs and given back by handlers.ts when the
 * reply is decided or the connection closes (release is idempotent).
 * Promise: only `.d.ts` members are used (`handler_DATA`, `send`, `session`, `remoteAddress`,
 * `_dataStream`, `_socket`; cut.ts for the cut).
 */
import type { SMTPServer } from 'smtp-server';
import type { Logger } from '../log/index.js';
import type { GatewayCounters } from '../metrics/index.js';
import { clientKey } from './client-key.js';
import { onEachConnection } from './connection-guard.js';
import { cutForTime, isOpen, type CutSessions } from './cut.js';
import { logRejected } from './handlers.js';
import type { SmtpLimits } from './limits.js';
import { dataBusy } from './replies.js';

export interface DataSlots {
  /** A slot for the session, or why there is none. */
  take(sid: string, client: string): 'total' | 'per-client' | undefined;
  release(sid: string): void;
  readonly inUse: number;
}

export function createDataSlots(limits: Pick<SmtpLimits, 'maxConcurrentData' | 'maxConcurrentDataPerClient'>): DataSlots {
  const holders = new Map<string, string>();
  const perClient = new Map<string, number>();
  return {
    take(sid, client) {
      if (holders.has(sid)) return undefined;
      const key = clientKey(client);
      const mine = perClient.get(key) ?? 0;
      if (holders.size >= limits.maxConcurrentData) return 'total';
      if (mine >= limits.maxConcurrentDataPerClient) return 'per-client';
      holders.set(sid, key);
      perClient.set(key, mine + 1);
      return undefined;
    },
    release(sid) {
      const key = holders.get(sid);
      if (key === undefined) return;
      holders.delete(sid);
      const left = (perClient.get(key) ?? 1) - 1;
      if (left > 0) perClient.set(key, left);
      else perClient.delete(key);
    },
    get inUse() {
      return holders.size;
    },
  };
}

interface Context {
  readonly log: Logger;
  readonly counters: GatewayCounters;
  readonly cut: CutSessions;
}

export function limitData(server: SMTPServer, slots: DataSlots, dataTimeoutMs: number, context: Context): void {
  onEachConnection(server, (connection) => {
    const data = connection.handler_DATA;
    connection.handler_DATA = (command, callback) => {
      const session = connection.session;
      // no recipient yet: smtp-server answers its 503 and starts nothing
      if (session.envelope.rcptTo.length === 0) return data.call(connection, command, callback);
      const busy = slots.take(session.id, connection.remoteAddress);
      if (busy !== undefined) {
        const reply = dataBusy(busy);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined;
        logRejected(context.log.child({ sid: session.id }), context.counters, reply, 'data', { from, client: connection.remoteAddress, reason: busy, inFlight: slots.inUse });
        connection.send(reply.responseCode, reply.message);
        return callback();
      }
      data.call(connection, command, callback);
      const stream = connection._dataStream;
      if (!stream) return slots.release(session.id);
      const timer = setTimeout(() => {
        if (isOpen(connection) && connection._dataStream === stream) cutForTime(connection, 'data', dataTimeoutMs, context, { bytes: stream.byteLength });
      }, dataTimeoutMs);
      timer.unref();
      // The socket outlives this DATA on a kept connection: its listener goes with the timer.
      const stop = () => {
        clearTimeout(timer);
        connection._socket.off('close', stop);
      };
      stream.once('end', stop);
      stream.once('close', stop);
      connection._socket.once('close', stop);
    };
  });
}
