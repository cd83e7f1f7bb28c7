/*
 * store-write.ts - inserting accepted messages, inside the caller's transaction.
 *
 * Each message gets its queue id and, when its parts are concatenated, its reference (SPEC 13)
 * in the same transaction that stores it, so two batches can never pick one reference for two
 * open messages to the same phone. Every part is queued at once; order is kept at read time
 * (store-read.ts sends part n + 1 only after part n is out).
 *
 * Each message gets its `message_dsn` row (migration 4) in the same transaction: what the delivery
 * status notification (SPEC 8) quotes of the mail. A message that can never have one
 * (NOTIFY=NEVER, or the null sender `<>`) is stored with its DSN decided ('none'), so the
 * notifier never reads it. Each message also gets the hash of its text (text-hash.ts), the
 * alert-storm rules' coalescing key (SPEC 7), and what an answer to it by SMS needs (SPEC 10:
 * the mail's Message-ID, Subject and reply address, migration 7).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from '../log/index.js';
import { chooseConcatRef } from './concat-ref.js';
import type { QueueIdGenerator } from './queue-id.js';
import { hashText, plainTextOf } from './text-hash.js';
import type { NewMessage } from './types.js';

export type InsertMessages = (messages: readonly NewMessage[], now: number) => string[];

/** Allocates a concatenation reference for a new long message to `to` (SPEC 13), inside the caller's transaction. */
export type AllocateRef = (to: string) => number;

export function prepareRefAllocator(db: BetterSqlite3.Database, logger: Logger): AllocateRef {
  const lastRef = db.prepare<[string], { concat_ref: number }>(
    `SELECT concat_ref FROM messages WHERE to_addr = ? AND concat_ref IS NOT NULL
     ORDER BY created_at DESC, id DESC LIMIT 1`,
  );
  const busyRefs = db.prepare<[string], { concat_ref: number }>(
    'SELECT concat_ref FROM messages WHERE to_addr = ? AND concat_ref IS NOT NULL AND final_at IS NULL',
  );
  return (to) => {
    const last = lastRef.get(to)?.concat_ref;
    const busy = new Set(busyRefs.all(to).map((row) => row.concat_ref));
    const choice = chooseConcatRef(last, busy);
    if (choice.reused) {
      logger.warn({ event: 'queue.concat_ref_exhausted', to, ref: choice.ref }, 'all 256 concatenation references to this destination are held by unfinished messages; reusing one');
    }
    return choice.ref;
  };
}

export function prepareInsert(db: BetterSqlite3.Database, newId: QueueIdGenerator, logger: Logger): InsertMessages {
  const allocateRef = prepareRefAllocator(db, logger);
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, mail_id, state, to_addr, from_addr, account, user_email, encoding,
       segments_total, concat_ref, priority, created_at, valid_until, notify_success, notify_failure, status_report, text_hash, sender_id,
       mail_message_id, mail_subject, reply_addr)
     VALUES (@id, @mailId, 'queued', @to, @from, @account, @userEmail, @encoding,
       @total, @ref, @priority, @now, @validUntil, @notifySuccess, @notifyFailure, @statusReport, @textHash, @senderId,
       @messageId, @subject, @replyAddr)`,
  );
  const insertDsn = db.prepare(
    `INSERT INTO message_dsn (message_id, rcpt_addr, orcpt, envid, mail_headers, dsn, dsn_at)
     VALUES (@id, @rcpt, @orcpt, @envid, @headers, @dsn, @dsnAt)`,
  );
  const insertSegment = db.prepare(
    `INSERT INTO segments (message_id, seq, state, text, user_data_hex, udh_hex, dcs, pid, validity_minutes, next_attempt_at)
     VALUES (@id, @seq, 'queued', @text, @userDataHex, @udhHex, @dcs, @pid, @validityMinutes, @now)`,
  );

  return (messages, now) =>
    messages.map((msg) => {
      const id = newId(now);
      // A single part needs no concatenation header, so it holds no reference.
      const ref = msg.concatenated && msg.parts.length > 1 ? allocateRef(msg.to) : null;
      insertMessage.run({
        id,
        mailId: msg.mailId,
        to: msg.to,
        from: msg.from,
        account: msg.account,
        userEmail: msg.userEmail,
        encoding: msg.encoding,
        total: msg.parts.length,
        ref,
        priority: msg.priority,
        now,
        validUntil: msg.validUntil,
        notifySuccess: msg.notify.success ? 1 : 0,
        notifyFailure: msg.notify.failure ? 1 : 0,
        statusReport: msg.statusReport ? 1 : 0,
        textHash: hashOf(msg),
        senderId: msg.senderId ?? null,
        messageId: msg.messageId ?? null,
        subject: msg.subject ?? null,
        replyAddr: msg.replyAddr ?? null,
      });
      insertDsn.run({
        id,
        rcpt: msg.original?.rcpt ?? null,
        orcpt: msg.original?.orcpt ?? null,
        envid: msg.original?.envid ?? null,
        headers: msg.original?.headers ?? null,
        ...(neverReported(msg) ? { dsn: 'none', dsnAt: now } : { dsn: null, dsnAt: null }),
      });
      msg.parts.forEach((part, index) => {
        insertSegment.run({
          id,
          seq: index + 1,
          text: part.text,
          userDataHex: part.userDataHex ?? null,
          udhHex: part.udhHex ?? null,
          dcs: part.dcs ?? null,
          pid: part.pid ?? null,
          validityMinutes: part.validityMinutes ?? null,
          now,
        });
      });
      return id;
    });
}

/** The coalescing key's text part (SPEC 7), for ordinary text messages; null for x-smpp ones. */
function hashOf(msg: NewMessage): string | null {
  const text = plainTextOf(msg.encoding, msg.parts);
  return text === undefined ? null : hashText(text);
}

/** SPEC 8: nothing is sent to the null sender, nor for NOTIFY=NEVER (no notice of either kind). */
function neverReported(msg: NewMessage): boolean {
  return msg.from === '' || (!msg.notify.success && !msg.notify.failure);
}
