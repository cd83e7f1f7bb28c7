/*
 * SPEC 8 on a real SQLite file: what the delivery status notifier reads from the queue (dsnDue,
 * dsnMail) and records (markDsn, noteDsnAttempt), the rows enqueue() adds for it, and the
 * upgrade of a version 3 file (migration 4).
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outcomeOf } from '../../../src/dsn/index.js';
import { MIGRATIONS, type MailKey, type Queue } from '../../../src/queue/index.js';
import { DSN_DUE_SQL } from '../../../src/queue/store-dsn.js';
import { message, T0, tempQueue, type TempQueue } from './queue-fixtures.js';

const HOUR = 3_600_000;
const WAIT = HOUR;

/** Sends every part of a message on gsm1 (references 1, 2 …) at `at`. */
function sendAll(queue: Queue, qid: string, parts: number, at: number): void {
  for (let seq = 1; seq <= parts; seq += 1) {
    queue.markSending(qid, seq, 'gsm1', at);
    queue.markSent(qid, seq, String(seq), 'gsm1', at);
  }
}

function failFirst(queue: Queue, qid: string, at: number): void {
  queue.markSending(qid, 1, 'gsm1', at);
  queue.markFailed(qid, 1, { temporary: false, status: '5.1.1', diagnostic: '+CMS ERROR: 1 (unassigned (unallocated) number)' }, at);
}

describe('the queue as the DSN notifier sees it', () => {
  let tq: TempQueue;
  beforeEach(() => {
    tq = tempQueue();
  });
  afterEach(async () => {
    await tq.cleanup();
  });

  it('keeps what the report quotes of the mail and hands it back with each part', async () => {
    const original = { rcpt: '+819012345678@sms.example.lan', orcpt: 'rfc822;oncall@example.lan', envid: 'ENV-7', headers: 'Subject: Disk\r\nMessage-ID: <m1@example.lan>' };
    const [qid] = await tq.queue.enqueue([message({ texts: ['a', 'b'], original })]);
    failFirst(tq.queue, qid as string, T0 + 1_000);
    const [msg] = tq.queue.dsnMail({ mailId: '<m1@example.lan>', from: 'alerts@example.lan', createdAt: T0 });
    expect(msg).toMatchObject({
      qid,
      to: '+819012345678',
      state: 'failed',
      createdAt: T0,
      finalAt: T0 + 1_000,
      notify: { success: false, failure: true },
      original,
      dsn: { mark: null, at: null, attempts: 0, error: null },
    });
    expect(msg?.parts.map((p) => [p.seq, p.state, p.attempts, p.lastStatus, p.lastDiagnostic])).toEqual([
      [1, 'failed', 1, '5.1.1', '+CMS ERROR: 1 (unassigned (unallocated) number)'],
      [2, 'failed', 0, '5.1.1', 'not sent: part 1 failed'],
    ]);
  });

  it('lists a mail once its messages end, one key per mail, oldest ending first', async () => {
    const [a1, a2] = await tq.queue.enqueue([message({ mailId: '<a@x>', to: '+819011111111' }), message({ mailId: '<a@x>', to: '+819022222222' })]);
    tq.clock.now = T0 + 10;
    const [b] = await tq.queue.enqueue([message({ mailId: '<b@x>' })]);
    expect(tq.queue.dsnDue(T0 + 5_000, WAIT)).toEqual([]);
    failFirst(tq.queue, b as string, T0 + 2_000);
    sendAll(tq.queue, a1 as string, 1, T0 + 3_000);
    expect(tq.queue.dsnDue(T0 + 5_000, WAIT)).toEqual([
      { mailId: '<b@x>', from: 'alerts@example.lan', createdAt: T0 + 10 },
      { mailId: '<a@x>', from: 'alerts@example.lan', createdAt: T0 },
    ]);
    sendAll(tq.queue, a2 as string, 1, T0 + 4_000);
    expect(tq.queue.dsnDue(T0 + 5_000, WAIT, 1)).toHaveLength(1);
    expect(tq.queue.dsnMail({ mailId: '<a@x>', from: 'alerts@example.lan', createdAt: T0 }).map((m) => m.qid)).toEqual([a1, a2].sort());
  });

  it('tells mails apart that share a Message-ID but were accepted at different times', async () => {
    const [first] = await tq.queue.enqueue([message()]);
    tq.clock.now = T0 + 60_000;
    const [again] = await tq.queue.enqueue([message()]);
    failFirst(tq.queue, first as string, T0 + 1_000);
    failFirst(tq.queue, again as string, T0 + 61_000);
    const keys = tq.queue.dsnDue(T0 + 70_000, WAIT);
    expect(keys.map((k) => k.createdAt)).toEqual([T0, T0 + 60_000]);
    expect(keys.map((k) => tq.queue.dsnMail(k).map((m) => m.qid))).toEqual([[first], [again]]);
  });

  it('holds a message sent with TP-SRR while its report may come, by the same rule as the notifier', async () => {
    const [early] = await tq.queue.enqueue([message({ mailId: '<early@x>', statusReport: true, notify: { success: true, failure: true } })]);
    const [late] = await tq.queue.enqueue([message({ mailId: '<late@x>', statusReport: true, notify: { success: true, failure: true } })]);
    sendAll(tq.queue, early as string, 1, T0 + 1_000);
    sendAll(tq.queue, late as string, 1, T0 + 23.5 * HOUR);
    const due = (now: number): string[] => tq.queue.dsnDue(now, WAIT).map((k) => k.mailId);
    const byNotifier = (now: number): string[] =>
      ['<early@x>', '<late@x>'].filter((mailId) => tq.queue.dsnMail({ mailId, from: 'alerts@example.lan', createdAt: T0 }).some((m) => outcomeOf(m, now, WAIT) !== undefined));
    for (const now of [T0 + HOUR, T0 + 24 * HOUR - 1, T0 + 24 * HOUR, T0 + 24.5 * HOUR - 1, T0 + 24.5 * HOUR]) {
      expect(due(now)).toEqual(byNotifier(now));
    }
    expect(due(T0 + 24 * HOUR - 1)).toEqual([]);
    expect(due(T0 + 24 * HOUR)).toEqual(['<early@x>']);
    expect(due(T0 + 24.5 * HOUR)).toEqual(['<early@x>', '<late@x>']);
    // A report that comes ends the wait at once.
    tq.queue.markReport({ route: 'gsm1', messageRef: '1', recipient: '+819012345678', state: 'delivered', detail: 'TP-ST 0x00' }, T0 + 2 * HOUR);
    expect(due(T0 + 2 * HOUR)).toEqual(['<late@x>']);
  });

  it('lists a message sent without TP-SRR as soon as its last part is out', async () => {
    const [qid] = await tq.queue.enqueue([message({ texts: ['a', 'b'] })]);
    sendAll(tq.queue, qid as string, 1, T0 + 1_000);
    expect(tq.queue.dsnDue(T0 + 1_000, WAIT)).toEqual([]);
    tq.queue.markSending(qid as string, 2, 'gsm1', T0 + 2_000);
    tq.queue.markSent(qid as string, 2, '9', 'gsm1', T0 + 2_000);
    expect(tq.queue.dsnDue(T0 + 2_000, WAIT)).toHaveLength(1);
  });

  it('decides NOTIFY=NEVER and the null sender at enqueue: they are never listed', async () => {
    const [never] = await tq.queue.enqueue([message({ mailId: '<never@x>', notify: { success: false, failure: false } })]);
    const [nobody] = await tq.queue.enqueue([message({ mailId: '<nobody@x>', from: '' })]);
    failFirst(tq.queue, never as string, T0 + 1_000);
    failFirst(tq.queue, nobody as string, T0 + 1_000);
    expect(tq.queue.dsnDue(T0 + 5_000, WAIT)).toEqual([]);
    expect(tq.queue.dsnMail({ mailId: '<never@x>', from: 'alerts@example.lan', createdAt: T0 })[0]?.dsn).toEqual({ mark: 'none', at: T0, attempts: 0, error: null });
  });

  it('records a decision once, counts hand-overs, and keeps it across a reopen', async () => {
    const [qid] = await tq.queue.enqueue([message()]);
    failFirst(tq.queue, qid as string, T0 + 1_000);
    const key: MailKey = { mailId: '<m1@example.lan>', from: 'alerts@example.lan', createdAt: T0 };
    tq.queue.noteDsnAttempt([qid as string], 'cannot deliver to 127.0.0.1:1: connection refused');
    expect(tq.queue.dsnMail(key)[0]?.dsn).toEqual({ mark: null, at: null, attempts: 1, error: 'cannot deliver to 127.0.0.1:1: connection refused' });
    expect(tq.queue.dsnDue(T0 + 2_000, WAIT)).toEqual([key]);
    expect(tq.queue.markDsn([qid as string], 'sent', T0 + 3_000)).toBe(1);
    expect(tq.queue.markDsn([qid as string], 'none', T0 + 4_000, 'again')).toBe(0);
    tq.queue.noteDsnAttempt([qid as string], 'late');
    await tq.queue.close();
    const again = tq.reopen();
    expect(again.dsnMail(key)[0]?.dsn).toEqual({ mark: 'sent', at: T0 + 3_000, attempts: 2, error: 'cannot deliver to 127.0.0.1:1: connection refused' });
    expect(again.dsnDue(T0 + 5_000, WAIT)).toEqual([]);
  });

  it('marks a refusal with its reason and a mail with nothing to report without counting a hand-over', async () => {
    const [a, b] = await tq.queue.enqueue([message({ to: '+819011111111' }), message({ to: '+819022222222' })]);
    expect(tq.queue.markDsn([a as string], 'refused', T0 + 1, '550 5.7.1 relay denied')).toBe(1);
    expect(tq.queue.markDsn([b as string], 'none', T0 + 2)).toBe(1);
    const mail = tq.queue.dsnMail({ mailId: '<m1@example.lan>', from: 'alerts@example.lan', createdAt: T0 });
    const [ma, mb] = [mail.find((m) => m.qid === a), mail.find((m) => m.qid === b)];
    expect(ma?.dsn).toEqual({ mark: 'refused', at: T0 + 1, attempts: 1, error: '550 5.7.1 relay denied' });
    expect(mb?.dsn).toEqual({ mark: 'none', at: T0 + 2, attempts: 0, error: null });
  });

  it('reads only undecided rows to find ended mail, never the whole history', () => {
    const raw = new Database(tq.path, { readonly: true });
    try {
      const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${DSN_DUE_SQL}`).all({ now: T0, wait: WAIT, limit: 100 }) as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(plan).toContain('message_dsn_undecided');
      expect(plan).not.toMatch(/SCAN m\b|SCAN messages\b/);
    } finally {
      raw.close();
    }
  });
});

describe('upgrading a version 3 file to version 4', () => {
  it('decides the messages that had ended as "none" and leaves open ones to be reported', async () => {
    const tq = tempQueue();
    try {
      await tq.queue.close();
      const { rmSync } = await import('node:fs');
      rmSync(tq.path);
      const raw = new Database(tq.path);
      MIGRATIONS.slice(0, 3).forEach((sql) => raw.exec(sql));
      raw.pragma('user_version = 3');
      const insert = raw.prepare(
        `INSERT INTO messages (id, mail_id, state, to_addr, from_addr, account, user_email, encoding, segments_total, created_at,
           valid_until, notify_success, notify_failure, status_report, final_at)
         VALUES (?, ?, ?, '+819012345678', 'alerts@example.lan', 'default', 'alerts@example.lan', 'gsm7', 1, ?, ?, 0, 1, 0, ?)`,
      );
      insert.run('OLDFAILED', '<old@x>', 'failed', T0, T0 + 24 * HOUR, T0 + 1_000);
      insert.run('OPEN', '<open@x>', 'queued', T0, T0 + 24 * HOUR, null);
      raw.prepare(`INSERT INTO segments (message_id, seq, state, text, next_attempt_at) VALUES ('OPEN', 1, 'queued', 'x', ?)`).run(T0);
      raw.close();

      const queue = tq.reopen();
      expect(queue.dsnMail({ mailId: '<old@x>', from: 'alerts@example.lan', createdAt: T0 })[0]?.dsn.mark).toBe('none');
      expect(queue.dsnMail({ mailId: '<open@x>', from: 'alerts@example.lan', createdAt: T0 })[0]?.dsn.mark).toBeNull();
      queue.markSending('OPEN', 1, 'gsm1', T0 + 5_000);
      queue.markFailed('OPEN', 1, { temporary: false, status: '5.1.1', diagnostic: 'x' }, T0 + 5_000);
      expect(queue.dsnDue(T0 + 6_000, WAIT)).toEqual([{ mailId: '<open@x>', from: 'alerts@example.lan', createdAt: T0 }]);
      const check = new Database(tq.path, { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      check.close();
    } finally {
      await tq.cleanup();
    }
  });
});
