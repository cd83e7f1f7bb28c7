/*
 * store.ts - the inbound SMS tables on the gateway's SQLite file (SPEC 10): opened on a
 * connection of their own, migrated, and the receiving side (store-receive.ts) and the mail-out
 * side (store-mail.ts) over them.
 *
 * Promise: a part is committed (one transaction, synchronous=FULL) before receive() returns, so
 * a transport that lets go of a part after it (AT+CMGD, AT+CNMA, deliver_sm_resp) never loses
 * one; SQLite failures are said naming the file (M2S_DB_UNAVAILABLE).
 */
import { createQueueIdGenerator } from '../queue/index.js';
import { openDatabase, withDbErrors } from '../state/index.js';
import type { Logger } from '../log/index.js';
import type { ReceivedPart } from '../transports/transport.js';
import type { ForwarderStore } from './forwarder.js';
import { migrate } from './migrations.js';
import { createMailSide } from './store-mail.js';
import { createReceiver, type ReceiveResult } from './store-receive.js';

export interface InboundStore extends ForwarderStore {
  /** Commits one received part; `complete` names the SMS it completed. */
  receive(part: ReceivedPart, route: string, now: number): ReceiveResult;
  close(): void;
}

export interface OpenInboundStoreOptions {
  readonly path: string;
  readonly logger?: Logger;
  readonly busyTimeoutMs?: number;
}

export function openInboundStore(options: OpenInboundStoreOptions): InboundStore {
  const db = openDatabase(options.path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
  withDbErrors(options.path, () => migrate(db));
  const newId = createQueueIdGenerator();
  const receiver = createReceiver(db, { newId });
  const mail = createMailSide(db);
  const guarded = <A extends unknown[], R>(work: (...args: A) => R) => (...args: A): R => withDbErrors(options.path, () => work(...args));
  return {
    receive: guarded((part: ReceivedPart, route: string, now: number) => receiver.receive(part, route, now)),
    flushPartials: guarded((now: number, waitMs: number) => receiver.flushPartials(now, waitMs)),
    due: guarded(mail.due),
    nextDueAt: guarded(mail.nextDueAt),
    markMailed: guarded(mail.markMailed),
    markRetry: guarded(mail.markRetry),
    markHeld: guarded(mail.markHeld),
    markFailed: guarded(mail.markFailed),
    releaseHeld: guarded(mail.releaseHeld),
    get: guarded(mail.get),
    list: guarded(mail.list),
    counts: guarded(mail.counts),
    close: () => db.close(),
  };
}
