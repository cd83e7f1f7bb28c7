/*
 * state/ - the state directory: its private modes, the one-gateway lock, and opening the
 * SQLite file with failures named (issue 12).
 */
export { ensureStateDir, ensureStateFile, STATE_DIR_MODE, STATE_FILE_MODE, type ModeChange } from './modes.js';
export { describeDbError, openDatabase, perLimit, withDbErrors, type OpenDatabaseOptions } from './database.js';
export { lockStateDir, LOCK_FILE, PID_FILE, type StateLock } from './lock.js';
export { migrateComponent, type ComponentSchema } from './components.js';
export { backupState, checkBackup, restoreState, STATE_DB, type BackupResult, type RestoreResult } from './backup.js';
