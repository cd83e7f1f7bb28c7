/*
 * write-health.ts - whether the queue file can be written, as its last writes found (issue 12:
 * /healthz said ok while the disk was full).
 *
 * Promise: state() is cheap and synchronous (health() reads it at every /healthz and scrape).
 * A write that fails for a storage reason (SQLITE_FULL, SQLITE_READONLY*, SQLITE_IOERR*,
 * SQLITE_CANTOPEN, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_PERM)
 * makes the queue `writable: false` with the error and the time of the first such failure; the
 * next write that commits makes it writable again. Any other error (a constraint, a bug in the
 * caller's work) says nothing about the file and leaves the state as it was. The change is
 * logged once each way (queue.unwritable, queue.writable); each failure itself is logged where
 * it is handled (queue.commit_failed, dispatch.queue_error).
 *
 * Limit: no probe writes on its own. The state is that of the last write: a queue that failed
 * and has not been written since (no mail came, nothing to send) stays `writable: false` with
 * the time of that failure, until the next write (a client's retry after its 451, the
 * dispatcher's next pass) finds the file writable. A probe would have to grow the file to see a
 * full disk, and would cost an fsync on the SD card every time.
 */
import type { Logger } from '../log/index.js';

export type QueueWritable =
  | { readonly writable: true }
  | {
      readonly writable: false;
      /** The SQLite code and message of the last failure, e.g. "SQLITE_FULL: database or disk is full". */
      readonly error: string;
      /** When writes began to fail (ms since the epoch). */
      readonly since: number;
      /** Writes that failed since then. */
      readonly failures: number;
    };

const STORAGE_FAILURE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|PERM)/;

export interface WriteTracker {
  state(): QueueWritable;
  /** Wraps a function that writes (a transaction, a statement run outside one). */
  track<A extends unknown[], R>(write: (...args: A) => R): (...args: A) => R;
}

/** The SQLite code of an error as better-sqlite3 raises it (`SqliteError.code`), if it has one. */
export function storageFailure(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !STORAGE_FAILURE.test(code)) return undefined;
  const message = err instanceof Error ? err.message : '';
  return message === '' ? code : `${code}: ${message}`;
}

/**
 * `inTransaction` tells whether a transaction is still open after a write returned: a write
 * nested in a batch has not committed yet, so only the outermost one's success counts, and not
 * when a storage failure inside it was caught by the batch's own work.
 */
export function createWriteTracker(logger: Logger, now: () => number, inTransaction: () => boolean): WriteTracker {
  let state: QueueWritable = { writable: true };
  let lastError: unknown;
  let failedInside = false;
  const succeeded = (): void => {
    if (inTransaction()) return;
    const clean = !failedInside;
    failedInside = false;
    if (state.writable || !clean) return;
    logger.info({ event: 'queue.writable', failedSince: new Date(state.since).toISOString(), failures: state.failures }, `the queue can be written again, after ${state.failures} failed write(s)`);
    state = { writable: true };
  };
  const failed = (err: unknown): void => {
    if (!inTransaction()) failedInside = false;
    const error = storageFailure(err);
    // A nested write's error passes through each enclosing one: counted once.
    if (error === undefined || err === lastError) return;
    lastError = err;
    if (inTransaction()) failedInside = true;
    if (state.writable) {
      state = { writable: false, error, since: now(), failures: 1 };
      logger.warn({ event: 'queue.unwritable', error }, `the queue cannot be written (${error}); mail is refused with 451 until it can`);
      return;
    }
    state = { ...state, error, failures: state.failures + 1 };
  };
  return {
    state: () => state,
    track: (write) => (...args) => {
      let result;
      try {
        result = write(...args);
      } catch (err) {
        failed(err);
        throw err;
      }
      succeeded();
      return result;
    },
  };
}
