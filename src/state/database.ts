/*
 * database.ts - opening the gateway's SQLite file, and SQLite failures said in a person's words.
 *
 * Promise: openDatabase() gives a connection in WAL, synchronous=FULL, with the busy timeout
 * asked for, on a file created 0600 (modes.ts), or throws M2S_DB_UNAVAILABLE naming the file
 * and the reason (unreadable, read-only, not a database or damaged, disk full), never
 * better-sqlite3's bare "unable to open database file". withDbErrors() gives any other work on
 * the file (the migrations, the recovery at start) the same translation. The queue and the
 * accounts store both open the file through here, each on a connection of its own.
 */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { describeFsError, GatewayError } from '../errors.js';
import { memoize } from '../memo.js';
import { ensureStateFile, tightenIfPresent, type ModeChange } from './modes.js';

export interface OpenDatabaseOptions {
  /** How long a writer waits for another connection's lock, ms. */
  readonly busyTimeoutMs: number;
  /** Told of a file whose mode was looser than 0600 (the caller logs it). */
  readonly onModeChange?: (change: ModeChange) => void;
}

export function openDatabase(path: string, options: OpenDatabaseOptions): Database.Database {
  return withDbErrors(path, () => {
    if (path !== ':memory:') {
      const changes = [...ensureStateFile(path), ...tightenIfPresent(`${path}-wal`), ...tightenIfPresent(`${path}-shm`)];
      changes.forEach((c) => options.onModeChange?.(c));
    }
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL'); // WAL + FULL: the WAL is fsynced at every commit
      db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
      db.pragma('foreign_keys = ON');
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  });
}

/** Runs `work`; a SQLite or file system failure comes out as M2S_DB_UNAVAILABLE naming `path`. */
export function withDbErrors<T>(path: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('M2S_DB_UNAVAILABLE', `cannot use the database ${path}: ${describeDbError(err, path)}`, { cause: err });
  }
}

/** Why the file cannot be used, from the SQLite code and, for an open failure, the file's access. */
export function describeDbError(err: unknown, path: string): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return (err as Error).message ?? String(err);
  if (!code.startsWith('SQLITE_')) return describeFsError(err);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return `${code === 'SQLITE_NOTADB' ? 'it is not a SQLite database' : 'the database is damaged'} (${code}); move it aside to start with an empty state, or restore a backup`;
  }
  if (code === 'SQLITE_FULL') return 'the disk is full (SQLITE_FULL)';
  if (code === 'SQLITE_BUSY') return 'another process holds its lock (SQLITE_BUSY)';
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_IOERR')) {
    return `${accessProblem(path) ?? (err as Error).message} (${code})`;
  }
  return `${(err as Error).message} (${code})`;
}

/** What this user may not do to the file or its directory (SQLite needs to read and write both). */
function accessProblem(path: string): string | undefined {
  const dir = dirname(path);
  const denied = (p: string, mode: number): boolean => {
    try {
      accessSync(p, mode);
      return false;
    } catch {
      return true;
    }
  };
  const who = typeof process.getuid === 'function' ? ` by uid ${process.getuid()}` : '';
  if (denied(path, constants.R_OK)) return `the file is not readable${who}`;
  if (denied(path, constants.W_OK)) return `the file is read-only${who}`;
  if (denied(dir, constants.W_OK)) return `its directory ${dir} is not writable${who}, and SQLite keeps its -wal and -shm files there`;
  return undefined;
}

const LIMIT_PARAMETER = 'LIMIT @limit';
/** Distinct limits kept prepared per statement; past that they are prepared afresh. */
const LIMITS_KEPT = 64;

/**
 * A statement whose `LIMIT @limit` is written into its text as a number, one prepared statement
 * per number used. SQLite 3.53 plans with the value of a bound LIMIT, so binding one marks the
 * statement expired and every run prepares it again: measured, one re-prepare per run, and
 * 50-70 µs per run of the dispatcher's ready query instead of a few. `prepare` is the caller's
 * typed `db.prepare`; the limit must be a count (a non-negative integer).
 */
export function perLimit<S>(sql: string, prepare: (sql: string) => S): (limit: number) => S {
  if (!sql.includes(LIMIT_PARAMETER)) throw new Error(`no "${LIMIT_PARAMETER}" in: ${sql}`);
  const prepared = memoize((limit: number) => prepare(sql.replace(LIMIT_PARAMETER, `LIMIT ${limit}`)), LIMITS_KEPT);
  return (limit: number): S => {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`LIMIT ${limit} is not a count`);
    return prepared(limit);
  };
}
