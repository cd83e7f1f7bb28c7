/*
 * store.ts - the durable queue: one SQLite file, WAL, synchronous=FULL.
 *
 * Promise: enqueue() resolves only after the messages and all their segments are committed, so
 * the SMTP `250` that follows never names a message a crash could lose (SPEC 7; Postfix's
 * "queued as" after fsync). Group commit: enqueue() calls made within two event-loop turns (from many
 * SMTP sessions) are committed in ONE transaction, flushed from a second setImmediate; while a commit's
 * fsync blocks the loop, new calls pile up and form the next batch, so commits per mail fall as
 * concurrency rises. If a batch fails, each call is retried alone so one bad call fails alone.
 *
 * batch() lets the dispatcher commit the outcomes of finished sends and the `sending` marks of
 * the next ones in one transaction (dispatcher.ts says why that is safe). The delivery status
 * notifier reads ended mails and records its decisions through store-dsn.ts; the alert-storm
 * rules of the dispatcher read and mark through store-storm.ts; an operator's retry, cancel and
 * purge go through store-action.ts.
 *
 * Every write (the group commit, batch(), each mark) goes through a write tracker
 * (write-health.ts): writable() says whether the file could be written at the last write, for
 * /healthz.
 *
 * Opening does not recover: the CLI opens the same file while the daemon runs, and must not
 * touch segments in flight. The daemon calls recover() once at start.
 */
import type Database from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import { logModeChange, type Logger } from '../log/index.js';
import { openDatabase, withDbErrors } from '../state/index.js';
import { migrate } from './migrations.js';
import { createQueueIdGenerator } from './queue-id.js';
import { prepareDsnStore } from './store-dsn.js';
import { prepareActions } from './store-action.js';
import { prepareMarks, prepareRefresh } from './store-mark.js';
import { prepareReader } from './store-read.js';
import { prepareStormStore } from './store-storm.js';
import { prepareInsert, prepareRefAllocator, type InsertMessages } from './store-write.js';
import type { NewMessage, Queue } from './types.js';
import { createWriteTracker, type WriteTracker } from './write-health.js';

export interface OpenQueueOptions {
  /** The SQLite file (SPEC 12: `<state_dir>/mail2sms.db`); created with its schema if missing. */
  readonly path: string;
  readonly logger: Logger;
  readonly now?: () => number;
  /** For repeatable queue ids in tests. */
  readonly random?: () => number;
  /** How long a writer waits for another connection's lock, ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

interface PendingCall {
  readonly messages: readonly NewMessage[];
  readonly resolve: (ids: string[]) => void;
  readonly reject: (err: Error) => void;
}

export function openQueue(options: OpenQueueOptions): Queue {
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'queue' });
  // state/ opens the file (0600, WAL, synchronous=FULL: the WAL is fsynced at every commit) and
  // names the file and the reason when it cannot (M2S_DB_UNAVAILABLE).
  const db = openDatabase(options.path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000, onModeChange: (c) => logModeChange(logger, c) });
  withDbErrors(options.path, () => migrate(db));

  const writes = createWriteTracker(logger, now, () => db.inTransaction);
  const insert = prepareInsert(db, createQueueIdGenerator(options.random), logger);
  const reader = prepareReader(db);
  const marks = trackWrites(writes, prepareMarks(db), 'markReport', 'markSending', 'markSent', 'markFailed', 'markThrottled', 'markUnknown', 'expire', 'recover');
  const dsn = trackWrites(writes, prepareDsnStore(db), 'markDsn', 'noteDsnAttempt');
  const storms = trackWrites(writes, prepareStormStore(db, insert, prepareRefAllocator(db, logger)), 'markStarted', 'markHeld', 'markCoalesced', 'rewriteParts', 'insertSummary');
  const actions = trackWrites(writes, prepareActions(db, prepareRefresh(db)), 'retry', 'cancel', 'purge');
  const batch = createGroupCommit(db, insert, now, logger, writes);
  const inOneTransaction = writes.track(db.transaction((work: () => unknown) => work()));

  return {
    enqueue: batch.enqueue,
    ...reader,
    ...marks,
    ...dsn,
    ...storms,
    ...actions,
    batch: <T>(work: () => T): T => inOneTransaction(work) as T,
    stats: batch.stats,
    writable: writes.state,
    async close() {
      await batch.drain();
      db.close();
    },
  };
}

/** The same store with the named functions, which write, going through the tracker. */
function trackWrites<T extends object, K extends keyof T>(writes: WriteTracker, store: T, ...names: K[]): T {
  const tracked: Partial<T> = {};
  for (const name of names) {
    const write = store[name];
    if (typeof write === 'function') tracked[name] = writes.track(write as (...args: unknown[]) => unknown) as T[K];
  }
  return { ...store, ...tracked };
}

function createGroupCommit(db: Database.Database, insert: InsertMessages, now: () => number, logger: Logger, writes: WriteTracker) {
  let pending: PendingCall[] = [];
  let scheduled = false;
  let drained: (() => void)[] = [];
  const counters = { commits: 0, calls: 0, enqueued: 0 };
  const commit = writes.track(db.transaction((calls: readonly PendingCall[], at: number) =>
    calls.map((call) => insert(call.messages, at)),
  ));

  const commitAlone = (call: PendingCall): void => {
    try {
      const [ids] = commit([call], now());
      counters.commits += 1;
      counters.calls += 1;
      counters.enqueued += call.messages.length;
      call.resolve(ids ?? []);
    } catch (err) {
      logger.error({ event: 'queue.commit_failed', err }, 'queue commit failed; the mail is not accepted');
      call.reject(new GatewayError('M2S_QUEUE_UNAVAILABLE', 'the queue could not commit the message', { temporary: true, cause: err }));
    }
  };

  const flush = (): void => {
    scheduled = false;
    const calls = pending;
    pending = [];
    if (calls.length > 0) {
      let results: string[][] | undefined;
      try {
        results = commit(calls, now());
      } catch {
        results = undefined; // retried alone below, each logged there
      }
      if (results === undefined) calls.forEach(commitAlone);
      else {
        counters.commits += 1;
        counters.calls += calls.length;
        counters.enqueued += calls.reduce((n, c) => n + c.messages.length, 0);
        calls.forEach((call, i) => call.resolve(results[i] ?? []));
      }
    }
    const waiting = drained;
    drained = [];
    waiting.forEach((done) => done());
  };

  return {
    enqueue(messages: readonly NewMessage[]): Promise<string[]> {
      if (messages.length === 0) return Promise.resolve([]);
      return new Promise<string[]>((resolve, reject) => {
        pending.push({ messages, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // Two turns, not one: the sessions whose DATA arrived in this turn are still in
          // mailparser's stream callbacks; one more turn lets them reach enqueue() and share the
          // commit. At 32 clients this halves the commits per mail (0.20 to 0.09); one client
          // waits a few microseconds more.
          setImmediate(() => setImmediate(flush));
        }
      });
    },
    stats: () => ({ ...counters }),
    drain(): Promise<void> {
      return scheduled ? new Promise((done) => drained.push(done)) : Promise.resolve();
    },
  };
}
