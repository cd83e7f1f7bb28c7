/*
 * Migration 5 (alert storms, SPEC 7) on a real file: a version-4 queue is rebuilt for the new
 * states `coalesced` and `cancelled` (SQLite cannot alter a CHECK) and keeps every row of
 * messages, segments and message_dsn, every index, and the foreign keys between them.
 */
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/queue/index.js';
import { hashText } from '../../../src/queue/text-hash.js';
import { T0, tempQueue } from './queue-fixtures.js';

const HOUR = 3_600_000;

/** A version-4 file with a message in each state version 4 knew, 2 segments each, and their DSN rows. */
function writeVersion4(path: string): void {
  const raw = new Database(path);
  MIGRATIONS.slice(0, 4).forEach((sql) => raw.exec(sql));
  raw.pragma('user_version = 4');
  const message = raw.prepare(
    `INSERT INTO messages (id, mail_id, state, to_addr, from_addr, account, user_email, encoding, segments_total, concat_ref, priority,
       created_at, valid_until, notify_success, notify_failure, status_report, last_error, final_at)
     VALUES (@id, '<m@x>', @state, '+819012345678', 'alerts@example.lan', 'default', 'alerts@example.lan', 'gsm7', 2, @ref, 0,
       @at, @until, 0, 1, 1, @error, @final)`,
  );
  const segment = raw.prepare(
    `INSERT INTO segments (message_id, seq, state, text, attempts, next_attempt_at, message_ref, route, sent_at, final_at, last_status, last_diagnostic)
     VALUES (@id, @seq, @state, @text, @attempts, @next, @mr, @route, @sent, @final, @status, @diag)`,
  );
  const dsn = raw.prepare(`INSERT INTO message_dsn (message_id, rcpt_addr, dsn, dsn_at, attempts) VALUES (@id, '+819012345678@sms.test', @dsn, @at, 0)`);
  const states = ['queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'unknown'] as const;
  states.forEach((state, i) => {
    const id = `MSG${i}`;
    const ended = state !== 'queued' && state !== 'sending';
    message.run({ id, state, ref: i, at: T0 + i, until: T0 + 24 * HOUR, error: state === 'failed' ? '5.1.1 bad' : null, final: ended ? T0 + 100 : null });
    for (const seq of [1, 2]) {
      segment.run({
        id, seq, state, text: `part ${seq} of ${id}`, attempts: state === 'queued' ? 0 : 1, next: state === 'queued' ? T0 : null,
        mr: ended ? String(i) : null, route: state === 'queued' ? null : 'gsm1', sent: ended ? T0 + 50 : null, final: ended ? T0 + 100 : null,
        status: ended ? '2.0.0' : null, diag: null,
      });
    }
    dsn.run({ id, dsn: ended ? 'none' : null, at: ended ? T0 + 100 : null });
  });
  raw.close();
}

const dump = (db: Database.Database, table: string, order: string): unknown[] => db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();

describe('upgrading a version 4 file to version 5 (#11)', () => {
  it('keeps every message, segment and notice row, every index, and allows the new states', async () => {
    const tq = tempQueue();
    try {
      await tq.queue.close();
      rmSync(tq.path);
      writeVersion4(tq.path);
      const before = new Database(tq.path, { readonly: true });
      const messages = dump(before, 'messages', 'id');
      const segments = dump(before, 'segments', 'message_id, seq');
      const notices = dump(before, 'message_dsn', 'message_id');
      const indexes = (before.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      before.close();
      expect(messages).toHaveLength(7);

      const queue = tq.reopen();
      const after = new Database(tq.path, { readonly: true });
      try {
        expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        // Every old column is as it was; of the new ones, open messages get their text's hash, and
        // one that tried a part has started (at its acceptance); the rest are empty.
        const upgraded = dump(after, 'messages', 'id') as Record<string, unknown>[];
        expect(upgraded.map(({ kind, started_at, text_hash, coalesced_into, coalesce_reason, held_reason, held_until, sender_id, mail_subject, reply_addr, mail_message_id, retried_at, ...old }) => {
          expect([sender_id, mail_subject, reply_addr, mail_message_id, retried_at]).toEqual([null, null, null, null, null]);
          const open = old['final_at'] === null;
          expect({ kind, started_at, text_hash, coalesced_into, coalesce_reason, held_reason, held_until }).toEqual({
            kind: 'mail',
            started_at: old['state'] === 'queued' ? null : old['created_at'],
            text_hash: open ? hashText(`part 1 of ${String(old['id'])}part 2 of ${String(old['id'])}`) : null,
            coalesced_into: null, coalesce_reason: null, held_reason: null, held_until: null,
          });
          return old;
        })).toEqual(messages);
        expect(dump(after, 'segments', 'message_id, seq')).toEqual(segments);
        expect(dump(after, 'message_dsn', 'message_id')).toEqual(notices);
        const now = (after.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
        expect(now).toEqual(expect.arrayContaining(indexes));
        expect(now).toEqual(expect.arrayContaining(['messages_started_by_destination', 'messages_waiting_by_text', 'messages_by_carrier', 'messages_held']));
        expect(after.pragma('foreign_key_check')).toEqual([]);
        // The constraint now takes `coalesced` (and `cancelled`), and still refuses a word outside SPEC 7.
        const sql = (after.prepare("SELECT sql FROM sqlite_master WHERE name = 'segments'").get() as { sql: string }).sql;
        expect(sql).toContain("'coalesced'");
        expect(sql).toContain("'cancelled'");
      } finally {
        after.close();
      }
      // The queue still works on the upgraded rows: the queued message is next, and can be coalesced.
      expect(queue.nextReady(T0)?.segment).toMatchObject({ qid: 'MSG0', seq: 1, text: 'part 1 of MSG0' });
      queue.markCoalesced(['MSG0'], 'MSG2', 'identical', T0 + 200);
      expect(queue.show('MSG0')).toMatchObject({ state: 'coalesced', storm: { coalescedInto: 'MSG2', coalesceReason: 'identical' } });
      expect(queue.show('MSG2').storm.carried).toBe(1);
      const raw = new Database(tq.path);
      try {
        expect(() => raw.prepare("UPDATE segments SET state = 'lost' WHERE message_id = 'MSG1'").run()).toThrow(/CHECK/);
        // Foreign keys are on again after the upgrade: deleting a message takes its segments and notice.
        raw.pragma('foreign_keys = ON');
        raw.prepare("DELETE FROM messages WHERE id = 'MSG6'").run();
        expect(raw.prepare("SELECT count(*) AS n FROM segments WHERE message_id = 'MSG6'").get()).toEqual({ n: 0 });
      } finally {
        raw.close();
      }
    } finally {
      await tq.cleanup();
    }
  });
});
