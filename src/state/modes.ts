/*
 * modes.ts - the state directory and its files are private to the gateway's user (issue 12).
 *
 * Promise: a directory this creates is 0700 and a file 0600, whatever the umask (modes given at
 * creation only ever lose bits to the umask, never gain them); an existing directory or file
 * with group or other bits is tightened to those modes and reported, so the caller can log it.
 * The database holds password hashes. SQLite gives its -wal and -shm files the mode of the
 * database file, so a 0600 database has 0600 companions.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { describeFsError, GatewayError } from '../errors.js';

export const STATE_DIR_MODE = 0o700;
export const STATE_FILE_MODE = 0o600;

/** A mode that was looser than ours: tightened, or left (`error`) when chmod was refused. */
export interface ModeChange {
  readonly path: string;
  readonly was: string;
  readonly now: string;
  readonly error?: string;
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/** Creates the directory (and missing parents) 0700, or tightens an existing one. */
export function ensureStateDir(dir: string): ModeChange[] {
  try {
    mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
  } catch (err) {
    throw new GatewayError('M2S_STATE_DIR_UNUSABLE', `cannot create the state directory ${dir}: ${describeFsError(err)}`, { cause: err });
  }
  let mode: number;
  try {
    const stat = statSync(dir);
    if (!stat.isDirectory()) throw new GatewayError('M2S_STATE_DIR_UNUSABLE', `the state directory ${dir} is not a directory`);
    mode = stat.mode;
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('M2S_STATE_DIR_UNUSABLE', `cannot use the state directory ${dir}: ${describeFsError(err)}`, { cause: err });
  }
  return tighten(dir, mode, STATE_DIR_MODE);
}

/** Creates the file empty with 0600 if it is missing, or tightens it. Throws the fs error as is. */
export function ensureStateFile(path: string): ModeChange[] {
  closeSync(openSync(path, 'a', STATE_FILE_MODE));
  return tighten(path, statSync(path).mode, STATE_FILE_MODE);
}

/** Tightens an existing file (a -wal or -shm left by an older release); none there, nothing done. */
export function tightenIfPresent(path: string): ModeChange[] {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return [];
  }
  return tighten(path, mode, STATE_FILE_MODE);
}

function tighten(path: string, mode: number, wanted: number): ModeChange[] {
  if ((mode & 0o777 & ~wanted) === 0) return [];
  const now = mode & wanted;
  try {
    chmodSync(path, now);
    return [{ path, was: octal(mode), now: octal(now) }];
  } catch (err) {
    return [{ path, was: octal(mode), now: octal(mode), error: describeFsError(err) }];
  }
}
