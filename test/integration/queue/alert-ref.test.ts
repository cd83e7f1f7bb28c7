/*
 * What an answer to an alert by SMS needs of the queue (SPEC 10, issue 14), on real SQLite files:
 * migration 7 upgrading a version-6 file in place, and lastAlertTo finding the newest alert to a
 * number within the reply window that may have reached the phone.
 */
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Queue } from '../../../src/queue/index.js';
import { LAST_ALERT_SQL } from '../../../src/queue/store-read.js';
import { hashText, TEXT_HASH_SQL_FUNCTION } from '../../../src/queue/text-hash.js';
import { message, T0, tempQueue, type TempQueue } from './queue-fixtures.js';

const TO = '+819012345678';
const HOUR = 3_600_000;

let tq: TempQueue;
let queue: Queue;
beforeEach(() => {
  tq = tempQueue();
  queue = tq.queue;
});
afterEach(async () => {
  await tq.cleanup();
});

/** Queues a one-part alert accepted at `at` and takes it as far as `to` ('sent' by default). */
async function alertAt(at: number, overrides: Parameters<typeof message>[0] = {}, to: 'queued' | 'sent' | 'delivered' | 'unknown' | 'failed' = 'sent'): Promise<string> {
  tq.clock.now = at;
  const [qid] = await queue.enqueue([message({ to: TO, subject: `alert at ${at - T0}`, replyAddr: 'noc@example.lan', messageId: `<a${at - T0}@example.lan>`, ...overrides })]);
  const id = qid as string;
  if (to === 'queued') return id;
  queue.markSending(id, 1, 'gsm1', at);
  if (to === 'failed') queue.markFailed(id, 1, { temporary: false, status: '5.1.1', diagnostic: '+CMS ERROR: 1' }, at);
  else if (to === 'unknown') queue.markUnknown(id, 1, 'no answer', undefined, at);
  else {
    queue.markSent(id, 1, String(at % 256), 'gsm1', at, true);
    if (to === 'delivered') queue.markReport({ route: 'gsm1', messageRef: String(at % 256), recipient: TO, state: 'delivered', detail: 'TP-ST 0' }, at + 1);
  }
  return id;
}

describe('lastAlertTo (SPEC 10: the alert an SMS from a number answers)', () => {
  it('gives the newest alert to the number within the window, with what the answer needs', async () => {
    await alertAt(T0);
    const newest = await alertAt(T0 + 1000, { userEmail: 'nagios@example.lan', account: 'noc' }, 'delivered');
    expect(queue.lastAlertTo(TO, T0)).toEqual({
      qid: newest, account: 'noc', userEmail: 'nagios@example.lan', replyAddr: 'noc@example.lan',
      subject: 'alert at 1000', messageId: '<a1000@example.lan>', createdAt: T0 + 1000,
    });
  });

  it('gives undefined when the newest alert was accepted before the window opened, and counts one accepted at its opening', async () => {
    const qid = await alertAt(T0);
    expect(queue.lastAlertTo(TO, T0 + 1)).toBeUndefined();
    expect(queue.lastAlertTo(TO, T0)?.qid).toBe(qid);
  });

  it('gives undefined for another number, also one that differs only in its last digit', async () => {
    await alertAt(T0);
    expect(queue.lastAlertTo('+819012345679', 0)).toBeUndefined();
    expect(queue.lastAlertTo('819012345678', 0)).toBeUndefined();
  });

  it('skips alerts the phone cannot have got (waiting, failed, coalesced) and takes the newest that may have (unknown counts)', async () => {
    const unknown = await alertAt(T0 + 10, {}, 'unknown');
    expect(queue.lastAlertTo(TO, T0)?.qid).toBe(unknown);
    const sent = await alertAt(T0 + 20);
    await alertAt(T0 + 30, {}, 'failed');
    const coalesced = await alertAt(T0 + 40, {}, 'queued');
    queue.markCoalesced([coalesced], sent, 'identical', T0 + 41);
    await alertAt(T0 + 50, {}, 'queued');
    expect(queue.lastAlertTo(TO, T0)?.qid).toBe(sent);
    expect(queue.lastAlertTo(TO, T0 + 21)).toBeUndefined();
  });

  it('of two alerts accepted in the same millisecond, gives the one queued last', async () => {
    const [first, second] = await queue.enqueue([message({ to: TO, subject: 'one' }), message({ to: TO, subject: 'two' })]);
    for (const [qid, ref] of [[first, '1'], [second, '2']] as const) {
      queue.markSending(qid!, 1, 'gsm1', T0);
      queue.markSent(qid!, 1, ref, 'gsm1', T0);
    }
    expect(queue.lastAlertTo(TO, T0)).toMatchObject({ qid: second, subject: 'two' });
  });

  it('has no Message-ID to thread to when the mail had none, no subject when it had none, and answers the sender when no reply address was kept', async () => {
    const qid = await alertAt(T0, { mailId: 'sid1@client.example', messageId: undefined, subject: undefined, replyAddr: undefined, userEmail: 'ops@example.lan' });
    expect(queue.lastAlertTo(TO, T0)).toEqual({ qid, account: 'default', userEmail: 'ops@example.lan', replyAddr: 'ops@example.lan', subject: undefined, messageId: undefined, createdAt: T0 });
  });

  it('walks the destination index newest first, not the whole table', () => {
    const db = new Database(tq.path, { readonly: true });
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${LAST_ALERT_SQL}`).all({ to: TO, since: T0 }) as { detail: string }[]).map((r) => r.detail);
      expect(plan[0]).toMatch(/SEARCH m USING INDEX messages_by_destination_created \(to_addr=\? AND created_at>\?\)/);
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN m/);
    } finally {
      db.close();
    }
  });
});

/** A version-6 file (every migration before 7) with one alert sent and one queued. */
function writeVersion6(path: string): void {
  const raw = new Database(path);
  raw.function(TEXT_HASH_SQL_FUNCTION, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? hashText(text) : null));
  MIGRATIONS.slice(0, 6).forEach((sql) => raw.exec(sql));
  raw.pragma('user_version = 6');
  const insert = raw.prepare(
    `INSERT INTO messages (id, mail_id, state, to_addr, from_addr, account, user_email, encoding, segments_total, created_at, valid_until,
       notify_success, notify_failure, status_report, final_at, started_at, sender_id)
     VALUES (@id, @mail, @state, '${TO}', 'alerts@example.lan', 'default', 'alerts@example.lan', 'gsm7', 1, @at, @at + 86400000, 0, 1, 0, @final, @at, 'ACME')`,
  );
  const segment = raw.prepare(`INSERT INTO segments (message_id, seq, state, text, attempts, next_attempt_at, sent_at) VALUES (@id, 1, @state, 'disk full', @attempts, @next, @sent)`);
  insert.run({ id: 'OLD1', mail: '<old1@example.lan>', state: 'sent', at: T0, final: T0 + 5 });
  segment.run({ id: 'OLD1', state: 'sent', attempts: 1, next: null, sent: T0 + 5 });
  insert.run({ id: 'OLD2', mail: '<old2@example.lan>', state: 'queued', at: T0 + 10, final: null });
  segment.run({ id: 'OLD2', state: 'queued', attempts: 0, next: T0 + 10, sent: null });
  raw.close();
}

describe('upgrading a version 6 file to version 7 (issue 14)', () => {
  it('adds mail_subject, reply_addr and mail_message_id, NULL for the rows it had, and keeps every other value', async () => {
    await tq.queue.close();
    rmSync(tq.path);
    writeVersion6(tq.path);
    const dump = (db: Database.Database): Record<string, unknown>[] => db.prepare('SELECT * FROM messages ORDER BY id').all() as Record<string, unknown>[];
    const before = new Database(tq.path, { readonly: true });
    const rows = dump(before);
    before.close();

    queue = tq.reopen();
    const after = new Database(tq.path, { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(MIGRATIONS).toHaveLength(8);
      expect(dump(after).map(({ mail_subject, reply_addr, mail_message_id, retried_at, ...old }) => {
        expect([mail_subject, reply_addr, mail_message_id, retried_at]).toEqual([null, null, null, null]);
        return old;
      })).toEqual(rows);
    } finally {
      after.close();
    }
    // An alert of the old release is still answered: to its sender, not threaded (its mail_id may be made up).
    expect(queue.lastAlertTo(TO, T0)).toEqual({
      qid: 'OLD1', account: 'default', userEmail: 'alerts@example.lan', replyAddr: 'alerts@example.lan', subject: undefined, messageId: undefined, createdAt: T0,
    });
    // New rows of the upgraded file keep what the answer needs.
    const qid = await alertAt(T0 + 100);
    expect(queue.lastAlertTo(TO, T0)).toMatchObject({ qid, subject: 'alert at 100', replyAddr: 'noc@example.lan', messageId: '<a100@example.lan>' });
    expect(queue.show('OLD2').state).toBe('queued');
  });
});
