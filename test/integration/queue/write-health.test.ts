/*
 * The queue's write tracker (queue/write-health.ts, issue 12) on real SQLite errors: a
 * read-only connection to a real file gives SQLITE_READONLY, a full one (max_page_count on the
 * writing connection) SQLITE_FULL, a constraint error says nothing about the file.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/index.js';
import { storageFailure } from '../../../src/queue/index.js';
import { createWriteTracker } from '../../../src/queue/write-health.js';
import { tempDir } from '../../helpers/daemon.js';

function rig() {
  const path = join(tempDir(), 'q.db');
  const db = new Database(path);
  db.exec('CREATE TABLE t (x TEXT UNIQUE)');
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  let clock = 1_700_000_000_000;
  const writes = createWriteTracker(logger, () => clock, () => db.inTransaction);
  const insert = writes.track((x: string) => db.prepare('INSERT INTO t VALUES (?)').run(x));
  return { path, db, writes, insert, lines, tick: () => (clock += 1000) };
}

describe('the queue write tracker on real SQLite errors', () => {
  it('is writable until a write fails for a storage reason, with the error and since when', () => {
    const { db, writes, insert, lines } = rig();
    insert('a');
    expect(writes.state()).toEqual({ writable: true });
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    expect(() => insert('b'.repeat(8000))).toThrow();
    expect(writes.state()).toEqual({ writable: false, error: 'SQLITE_FULL: database or disk is full', since: 1_700_000_000_000, failures: 1 });
    expect(lines.filter((l) => l['event'] === 'queue.unwritable')).toEqual([expect.objectContaining({ level: 'warn', error: 'SQLITE_FULL: database or disk is full' })]);
  });

  it('counts further failures, keeps the first time, and clears at the next write that commits', () => {
    const { db, writes, insert, lines, tick } = rig();
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    expect(() => insert('b'.repeat(8000))).toThrow();
    tick();
    expect(() => insert('c'.repeat(8000))).toThrow();
    expect(writes.state()).toMatchObject({ writable: false, since: 1_700_000_000_000, failures: 2 });
    db.pragma('max_page_count = 100000');
    insert('d');
    expect(writes.state()).toEqual({ writable: true });
    expect(lines.filter((l) => l['event'] === 'queue.writable')).toEqual([expect.objectContaining({ level: 'info', failures: 2, failedSince: new Date(1_700_000_000_000).toISOString() })]);
  });

  it('takes SQLITE_READONLY of a read-only connection as not writable', () => {
    const { path, db } = rig();
    db.close();
    const ro = new Database(path, { readonly: true });
    const writes = createWriteTracker(createLogger({ level: 'silent' }), () => 5, () => ro.inTransaction);
    expect(() => writes.track(() => ro.prepare("INSERT INTO t VALUES ('x')").run())()).toThrow();
    expect(writes.state()).toMatchObject({ writable: false, error: expect.stringMatching(/^SQLITE_READONLY: attempt to write a readonly database/) });
  });

  it('leaves the state alone for an error that says nothing about the file (a constraint)', () => {
    const { writes, insert } = rig();
    insert('a');
    expect(() => insert('a')).toThrow(/UNIQUE/);
    expect(writes.state()).toEqual({ writable: true });
  });

  it('does not clear on a nested write that succeeded inside a batch whose commit then fails, and counts a nested failure once', () => {
    const { db, writes, insert, tick } = rig();
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    expect(() => insert('z'.repeat(8000))).toThrow();
    tick();
    const batch = writes.track(db.transaction((work: () => void) => work()));
    // inside: a small write that fits succeeds (not committed yet), then one that does not fit
    expect(() => batch(() => { insert('s'); insert('y'.repeat(8000)); })).toThrow();
    expect(writes.state()).toMatchObject({ writable: false, failures: 2 });
    // a batch whose work catches the storage failure: SQLite has rolled the transaction back, so
    // its commit fails too; the state stays not writable, counted once for the storage failure
    expect(() => batch(() => { try { insert('w'.repeat(8000)); } catch { /* the caller's own handling */ } })).toThrow(/no transaction is active/);
    expect(writes.state()).toMatchObject({ writable: false, failures: 3 });
  });

  it('names only storage failures', () => {
    expect(storageFailure(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }))).toBe('SQLITE_IOERR_WRITE: disk I/O error');
    expect(storageFailure(Object.assign(new Error('locked'), { code: 'SQLITE_BUSY' }))).toBe('SQLITE_BUSY: locked');
    expect(storageFailure(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeUndefined();
    expect(storageFailure(new Error('plain'))).toBeUndefined();
    expect(storageFailure(undefined)).toBeUndefined();
  });
});
