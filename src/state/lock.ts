/*
 * lock.ts - one gateway per state directory (issue 12).
 *
 * Promise: lockStateDir() returns only when this process holds the directory's lock; a second
 * gateway on the same directory gets M2S_STATE_LOCKED naming the PID of the first. The lock is
 * SQLite's exclusive lock on `mail2sms.lock` (a POSIX record lock the kernel drops when its
 * process dies), so a gateway killed with SIGKILL never blocks its restart, and a PID reused by
 * another program after a reboot cannot either, as a bare PID file would. `mail2sms.pid` names
 * the holder for people and for the refusal message; it is written after the lock is taken and
 * removed at release. The CLI's commands do not take the lock: they share the database (WAL).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeFsError, GatewayError } from '../errors.js';
import { describeDbError } from './database.js';
import { ensureStateFile, STATE_FILE_MODE, type ModeChange } from './modes.js';

export const LOCK_FILE = 'mail2sms.lock';
export const PID_FILE = 'mail2sms.pid';

export interface StateLock {
  readonly pidFile: string;
  /** Mode changes made to the lock and PID files (looser than 0600 before). */
  readonly modeChanges: readonly ModeChange[];
  release(): void;
}

export function lockStateDir(dir: string): StateLock {
  const lockPath = join(dir, LOCK_FILE);
  const pidFile = join(dir, PID_FILE);
  let changes: ModeChange[];
  try {
    changes = ensureStateFile(lockPath);
  } catch (err) {
    throw new GatewayError('M2S_STATE_DIR_UNUSABLE', `cannot write in the state directory ${dir}: ${describeFsError(err)}`, { cause: err });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(lockPath, { timeout: 0 });
    db.pragma('journal_mode = MEMORY'); // no journal file beside the lock
    db.pragma('locking_mode = EXCLUSIVE'); // the first write takes the lock and keeps it until close
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (err) {
    db?.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      const pid = readPid(pidFile);
      throw new GatewayError('M2S_STATE_LOCKED', `the state directory ${dir} is in use by another mail2sms (PID ${pid ?? 'unknown'}); stop it first, or give this one another state_dir`);
    }
    throw new GatewayError('M2S_STATE_DIR_UNUSABLE', `cannot lock the state directory ${dir}: ${describeDbError(err, lockPath)}`, { cause: err });
  }
  try {
    writeFileSync(pidFile, `${process.pid}\n`, { mode: STATE_FILE_MODE });
    changes.push(...ensureStateFile(pidFile));
  } catch (err) {
    db.close();
    throw new GatewayError('M2S_STATE_DIR_UNUSABLE', `cannot write ${pidFile}: ${describeFsError(err)}`, { cause: err });
  }
  const held = db;
  let released = false;
  return {
    pidFile,
    modeChanges: changes,
    release() {
      if (released) return;
      released = true;
      if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
      held.close();
    },
  };
}

/** The PID `mail2sms.pid` names: the gateway that holds (or held) the directory's lock. */
export function lockHolder(dir: string): number | undefined {
  return readPid(join(dir, PID_FILE));
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
