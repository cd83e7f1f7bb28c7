/*
 * backup.ts - `mail2sms backup FILE` and `mail2sms restore FILE`: the state directory's one
 * SQLite file (queue, accounts and users, received SMS all live in `mail2sms.db`; the lock and
 * PID files are not state) copied out while the gateway runs, and put back while it does not.
 *
 * Promise, backup: FILE is a single self-contained SQLite file (rollback journal, no -wal beside
 * it) holding one consistent snapshot of the database, even while the gateway writes (SQLite's
 * online backup API, all pages in one step, so one read transaction of the WAL). It appears
 * whole or not at all (written to FILE.tmp-<pid>, fsynced, renamed), mode 0600, and an existing
 * FILE is refused (M2S_BACKUP_EXISTS) unless `force`.
 * Promise, restore: takes the state directory's lock first and keeps it to the end, so a running
 * gateway makes it refuse (M2S_STATE_LOCKED naming the PID) and none can start half-way. FILE is
 * checked before anything is touched: a SQLite file whose integrity_check is ok and that has the
 * queue's tables and a schema version for each component (M2S_BACKUP_INVALID otherwise, naming
 * FILE and what is wrong). The old database (with its -wal and -shm, which hold commits not yet
 * checkpointed) is renamed aside as `mail2sms.db.before-restore-<UTC time>`, never deleted; the
 * backup is copied in as `mail2sms.db`, mode 0600; run as root, it and the lock file are given
 * to the state directory's owner (the gateway's user), whom the directory must belong to. Migrations are not run here: the next start upgrades an older backup as usual, and
 * refuses one from a newer release naming the component.
 */
import { chmodSync, chownSync, closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describeFsError, GatewayError } from '../errors.js';
import { describeDbError } from './database.js';
import { LOCK_FILE, lockHolder, lockStateDir } from './lock.js';
import { ensureStateDir, STATE_FILE_MODE } from './modes.js';

export const STATE_DB = 'mail2sms.db';

/** What makes a file a gateway state database: the queue's tables and these components' versions. */
const QUEUE_TABLES = ['messages', 'segments'];
const COMPONENTS = ['accounts', 'inbound'];
/**
 * Pages per backup step after the first: all of them, so the copy is made in one step (one read
 * transaction); a write by the gateway between steps would make SQLite start the copy again.
 */
const ALL_PAGES = 0x7fffffff;

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
}

/** Copies `<stateDir>/mail2sms.db` into `file`, consistent while a gateway writes it. */
export async function backupState(stateDir: string, file: string, options: { readonly force?: boolean } = {}): Promise<BackupResult> {
  const source = join(stateDir, STATE_DB);
  if (!existsSync(source)) throw new GatewayError('M2S_BACKUP_FAILED', `there is no state to back up: ${source} does not exist`);
  refuseExisting(file, options.force);
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  let db: Database.Database | undefined;
  try {
    db = new Database(source, { fileMustExist: true, timeout: 5_000 });
    await db.backup(tmp, { progress: () => ALL_PAGES });
    db.close();
    db = undefined;
    const copy = new Database(tmp);
    copy.pragma('journal_mode = DELETE'); // one self-contained file, no -wal to forget
    copy.close();
    makePrivate(tmp);
    refuseExisting(file, options.force);
    renameSync(tmp, file);
    syncDir(dirname(file));
    return { file, bytes: statSync(file).size };
  } catch (err) {
    db?.close();
    rmSync(tmp, { force: true });
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('M2S_BACKUP_FAILED', `cannot back up ${source} into ${file}: ${describeDbError(err, tmp)}`, { cause: err });
  }
}

export interface RestoreResult {
  readonly database: string;
  /** Where the previous database was moved; absent when the state directory had none. */
  readonly keptAs?: string;
}

/** Puts the backup `file` in place as `<stateDir>/mail2sms.db`; refuses while a gateway runs there. */
export async function restoreState(stateDir: string, file: string, now: Date = new Date()): Promise<RestoreResult> {
  ensureStateDir(stateDir);
  const lock = lockForRestore(stateDir, file);
  try {
    giveToDirOwner(join(stateDir, LOCK_FILE), stateDir); // a lock file made now by root would lock the gateway out
    checkBackup(file);
    const target = join(stateDir, STATE_DB);
    const tmp = join(stateDir, `.${STATE_DB}.restore-${process.pid}`);
    try {
      const source = new Database(file, { readonly: true, fileMustExist: true });
      try {
        await source.backup(tmp, { progress: () => ALL_PAGES });
      } finally {
        source.close();
      }
      makePrivate(tmp);
      giveToDirOwner(tmp, stateDir);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new GatewayError('M2S_BACKUP_FAILED', `cannot copy ${file} into ${stateDir}: ${describeDbError(err, tmp)}`, { cause: err });
    }
    const keptAs = existsSync(target) ? `${target}.before-restore-${now.toISOString().replace(/[-:]|\.\d+/g, '')}` : undefined;
    try {
      if (keptAs !== undefined) {
        for (const suffix of ['-wal', '-shm', '']) if (existsSync(target + suffix)) renameSync(target + suffix, keptAs + suffix);
      }
      renameSync(tmp, target);
      syncDir(stateDir);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new GatewayError('M2S_BACKUP_FAILED', `cannot put ${file} in place as ${target}: ${describeFsError(err)}${keptAs ? ` (the previous state is at ${keptAs})` : ''}`, { cause: err });
    }
    return { database: target, ...(keptAs === undefined ? {} : { keptAs }) };
  } finally {
    lock.release();
  }
}

/** The state lock, or M2S_STATE_LOCKED naming the running gateway's PID and what to do. */
function lockForRestore(stateDir: string, file: string) {
  try {
    return lockStateDir(stateDir);
  } catch (err) {
    if (!(err instanceof GatewayError) || err.code !== 'M2S_STATE_LOCKED') throw err;
    const pid = lockHolder(stateDir) ?? 'unknown';
    throw new GatewayError('M2S_STATE_LOCKED', `cannot restore ${file}: the state directory ${stateDir} is in use by a running mail2sms (PID ${pid}); stop it first (systemctl stop mail2sms), nothing was changed`, { cause: err });
  }
}

/**
 * Throws M2S_BACKUP_INVALID naming `file` unless it is a sound gateway state database: the
 * queue's tables or a component's schema version (a box provisioned and never started has only
 * the accounts), and nothing SQLite finds damaged.
 */
export function checkBackup(file: string): void {
  const invalid = (why: string, cause?: unknown) => new GatewayError('M2S_BACKUP_INVALID', `${file} is not a mail2sms backup: ${why}`, cause === undefined ? undefined : { cause });
  if (!existsSync(file)) throw invalid('the file does not exist');
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw invalid(`SQLite's integrity_check says: ${String(integrity)}`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    const queue = QUEUE_TABLES.every((t) => tables.has(t)) && Number(db.pragma('user_version', { simple: true })) >= 1;
    const versions = tables.has('schema_versions') ? (db.prepare('SELECT component FROM schema_versions').all() as Array<{ component: string }>).map((r) => r.component) : [];
    if (!queue && !COMPONENTS.some((c) => versions.includes(c))) throw invalid(`it has neither the queue's tables (${QUEUE_TABLES.join(', ')}) nor the ${COMPONENTS.join(' or ')} tables`);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw invalid(notUsable(err, file), err);
  } finally {
    db?.close();
  }
}

/** Why SQLite cannot read `file`, without the advice for a live state file (move it aside …). */
function notUsable(err: unknown, file: string): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB') return 'it is not a SQLite database (SQLITE_NOTADB)';
  if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) return `the database is damaged (${code})`;
  return describeDbError(err, file);
}

function refuseExisting(file: string, force: boolean | undefined): void {
  if (!force && existsSync(file)) throw new GatewayError('M2S_BACKUP_EXISTS', `${file} exists; give another FILE, or --force to replace it`);
}

/** 0600 whatever the umask (SQLite created it with the umask's mode), and on disk before it is renamed into place. */
function makePrivate(path: string): void {
  chmodSync(path, STATE_FILE_MODE);
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Run as root (sudo), the restored file belongs to the state directory's owner, the gateway's user. */
function giveToDirOwner(path: string, dir: string): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  const { uid, gid } = statSync(dir);
  chownSync(path, uid, gid);
}

/** A rename is durable once its directory is fsynced. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
