/*
 * migrations.ts - the queue schema, as versions applied in order.
 *
 * `PRAGMA user_version` holds the number of versions applied; opening a file runs the missing
 * ones, each in its own transaction, so a file from an older release upgrades in place and a
 * crash mid-upgrade leaves the previous version intact. Versions are only ever appended.
 *
 * One `messages` row per mail × destination; one `segments` row per SMS on the air. States are
 * the SPEC 7 words. The dispatcher's "next ready segment" query walks `messages_send_order`
 * (version 2) and stops at its LIMIT; the wake-up query walks `segments_ready`; the quota sums a
 * user's recent messages through `messages_by_user_created` (version 3). Version 4 adds
 * `message_dsn`: what the delivery status notifications (SPEC 8) need of the original mail, and
 * the decision made for each message. Version 5 (alert storms, SPEC 7) rebuilds both tables for
 * the `coalesced` and `cancelled` states and adds what the storm rules keep (see V5 below).
 * Version 6 keeps the user's sender ID, version 7 what an answer to an alert needs (V7 below),
 * version 8 when a message was last retried (V8 below).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import { hashText, TEXT_HASH_SQL_FUNCTION } from './text-hash.js';

/** SPEC 7 states, for messages and for segments (`cancelled`: `queue cancel`, store-action.ts). */
export const STATES = ['queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'cancelled', 'coalesced', 'unknown'] as const;
export type QueueState = (typeof STATES)[number];

/** The states of versions 1 to 4: their CHECK constraints, kept as they were written. */
const V1_STATES = ['queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'unknown'];
const checkOf = (states: readonly string[]): string => `CHECK (state IN (${states.map((s) => `'${s}'`).join(', ')}))`;
const STATE_CHECK = checkOf(V1_STATES);

const V1 = `
CREATE TABLE messages (
  id              TEXT PRIMARY KEY,
  mail_id         TEXT NOT NULL,
  state           TEXT NOT NULL ${STATE_CHECK},
  to_addr         TEXT NOT NULL,
  from_addr       TEXT NOT NULL,
  account         TEXT NOT NULL,
  user_email      TEXT NOT NULL,
  encoding        TEXT NOT NULL CHECK (encoding IN ('gsm7', 'ucs2', 'binary')),
  segments_total  INTEGER NOT NULL CHECK (segments_total BETWEEN 1 AND 255),
  concat_ref      INTEGER CHECK (concat_ref BETWEEN 0 AND 255),
  priority        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  valid_until     INTEGER NOT NULL,
  notify_success  INTEGER NOT NULL,
  notify_failure  INTEGER NOT NULL,
  status_report   INTEGER NOT NULL,
  last_error      TEXT,
  final_at        INTEGER
) STRICT;

-- Concatenation references in use per destination (SPEC 13): open messages only.
CREATE INDEX messages_open_by_destination ON messages (to_addr, concat_ref) WHERE final_at IS NULL;
CREATE INDEX messages_by_destination_created ON messages (to_addr, created_at);
CREATE INDEX messages_created ON messages (created_at);

CREATE TABLE segments (
  message_id        TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  seq               INTEGER NOT NULL,
  state             TEXT NOT NULL ${STATE_CHECK},
  text              TEXT NOT NULL,
  user_data_hex     TEXT,
  udh_hex           TEXT,
  dcs               INTEGER,
  pid               INTEGER,
  validity_minutes  INTEGER,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER,
  message_ref       TEXT,
  route             TEXT,
  sent_at           INTEGER,
  final_at          INTEGER,
  last_status       TEXT,
  last_diagnostic   TEXT,
  PRIMARY KEY (message_id, seq)
) STRICT;

-- Waiting segments only: next_attempt_at is NULL once a segment is in flight or settled.
CREATE INDEX segments_ready ON segments (next_attempt_at, message_id, seq) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX segments_by_ref ON segments (message_ref) WHERE message_ref IS NOT NULL;
`;

/*
 * Version 2: open messages in send order (SPEC 7: higher priority first, then oldest), so the
 * ready query walks messages in the order it returns them and stops at its LIMIT instead of
 * sorting every waiting segment on each call. Partial: finished messages leave the index.
 */
const V2 = `
CREATE INDEX messages_send_order ON messages (priority DESC, created_at, id) WHERE final_at IS NULL;
`;

/*
 * Version 3: a user's messages by time, for the 24-hour rolling quota (SPEC 2) counted at RCPT
 * and DATA of every mail.
 */
const V3 = `
CREATE INDEX messages_by_user_created ON messages (user_email, created_at);
`;

/** What the DSN notifier recorded for a message (SPEC 8); NULL while undecided. */
export const DSN_MARKS = ['sent', 'none', 'refused'] as const;
export type DsnMark = (typeof DSN_MARKS)[number];

/*
 * Version 4: delivery status notifications (SPEC 8, RFC 3464), in a table of their own, one row
 * per message, so the header blocks stay out of the rows the dispatcher's ready query walks.
 * - rcpt_addr, orcpt, envid, mail_headers: the RCPT TO address as the client gave it, RFC 3461
 *   ORCPT and ENVID, and the mail's header block (the report's text/rfc822-headers part); NULL
 *   when the accept path did not give them.
 * - dsn: NULL until the notifier decides; 'sent' (the report went to the smarthost), 'none'
 *   (nothing to report: no notice asked for this outcome, NOTIFY=NEVER, the null sender, or an
 *   address that would loop), 'refused' (the smarthost refused the report for good). dsn_at is
 *   when; attempts counts hand-overs to the smarthost; last_error keeps the last failure.
 * - Messages that had already ended when a file is upgraded are marked 'none': this release
 *   reports what ends from now on, not mail finished under a release that sent no reports.
 * - message_dsn_undecided: the notifier's poll reads only undecided rows (open messages and
 *   ended ones not yet reported), never the history.
 * - messages_by_mail: the messages of one mail (one report covers all its destinations).
 * Written to be applied again harmlessly (IF NOT EXISTS, OR IGNORE).
 */
const V4 = `
CREATE TABLE IF NOT EXISTS message_dsn (
  message_id    TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  rcpt_addr     TEXT,
  orcpt         TEXT,
  envid         TEXT,
  mail_headers  TEXT,
  dsn           TEXT CHECK (dsn IN (${DSN_MARKS.map((m) => `'${m}'`).join(', ')})),
  dsn_at        INTEGER,
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT
) STRICT;
INSERT OR IGNORE INTO message_dsn (message_id, dsn, dsn_at)
  SELECT id, CASE WHEN final_at IS NULL THEN NULL ELSE 'none' END, final_at FROM messages;
CREATE INDEX IF NOT EXISTS message_dsn_undecided ON message_dsn (message_id) WHERE dsn IS NULL;
CREATE INDEX IF NOT EXISTS messages_by_mail ON messages (mail_id, from_addr, created_at);
`;

/** Why a message was held, and why it ended coalesced (SPEC 7 alert storms). */
export const HOLD_REASONS = ['identical', 'hourly-cap'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];
const REASON_CHECK = (column: string): string => `CHECK (${column} IN (${HOLD_REASONS.map((r) => `'${r}'`).join(', ')}))`;

/** The columns versions 1 to 4 gave the two tables, copied as they are by the rebuild of version 5. */
const V4_MESSAGE_COLUMNS = `id, mail_id, state, to_addr, from_addr, account, user_email, encoding, segments_total, concat_ref,
  priority, created_at, valid_until, notify_success, notify_failure, status_report, last_error, final_at`;
const V4_SEGMENT_COLUMNS = `message_id, seq, state, text, user_data_hex, udh_hex, dcs, pid, validity_minutes, attempts,
  next_attempt_at, message_ref, route, sent_at, final_at, last_status, last_diagnostic`;

/*
 * Version 5: alert storms (SPEC 7). SQLite cannot change a CHECK constraint, so both STRICT tables
 * are rebuilt in the version's one transaction (sqlite.org/lang_altertable.html §7: create the new
 * table, copy, drop the old, rename; foreign keys off meanwhile, checked before the commit,
 * migrate() does that), every row kept and every index made again, for the new states
 * `coalesced` (its text went out in another message) and `cancelled` (`queue cancel`, SPEC 7; in
 * the constraint now so that it needs no second rebuild). New columns of messages:
 * - kind: `mail` (accepted from a mail) or `summary` (made by the dispatcher for the hourly cap);
 * - started_at: when the first segment was first picked for sending (the storm rules decide then,
 *   never at accept time); text_hash: SHA-256 of the message's original text (text-hash.ts), for
 *   ordinary text messages (an x-smpp encapsulated one has none), the coalescing key with account
 *   and destination: messages_waiting_by_text finds the identical ones not started,
 *   messages_started_by_destination those started lately. Open messages of version 4 get their
 *   hash here, and a start time (their acceptance) when a part was already tried;
 * - coalesced_into, coalesce_reason: the message that carried this one (`identical`: same text in
 *   the coalesce window; `hourly-cap`: held and counted in that summary); messages_by_carrier
 *   counts what a carrier carried;
 * - held_reason, held_until: why and until when a message not started yet waits (for the coalesce
 *   window of an identical message, or for the end of its number's hour); messages_held finds the
 *   held ones of a number when the hour ends.
 * Table hour_windows: per account and destination, the hour window of `max_per_hour` open now:
 * when it opened and how many messages started in it.
 */
const V5 = `
CREATE TABLE messages_v5 (
  id               TEXT PRIMARY KEY,
  mail_id          TEXT NOT NULL,
  state            TEXT NOT NULL ${checkOf(STATES)},
  to_addr          TEXT NOT NULL,
  from_addr        TEXT NOT NULL,
  account          TEXT NOT NULL,
  user_email       TEXT NOT NULL,
  encoding         TEXT NOT NULL CHECK (encoding IN ('gsm7', 'ucs2', 'binary')),
  segments_total   INTEGER NOT NULL CHECK (segments_total BETWEEN 1 AND 255),
  concat_ref       INTEGER CHECK (concat_ref BETWEEN 0 AND 255),
  priority         INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  valid_until      INTEGER NOT NULL,
  notify_success   INTEGER NOT NULL,
  notify_failure   INTEGER NOT NULL,
  status_report    INTEGER NOT NULL,
  last_error       TEXT,
  final_at         INTEGER,
  kind             TEXT NOT NULL DEFAULT 'mail' CHECK (kind IN ('mail', 'summary')),
  started_at       INTEGER,
  text_hash        TEXT,
  coalesced_into   TEXT REFERENCES messages (id),
  coalesce_reason  TEXT ${REASON_CHECK('coalesce_reason')},
  held_reason      TEXT ${REASON_CHECK('held_reason')},
  held_until       INTEGER
) STRICT;
INSERT INTO messages_v5 (${V4_MESSAGE_COLUMNS}) SELECT ${V4_MESSAGE_COLUMNS} FROM messages;

CREATE TABLE segments_v5 (
  message_id        TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  seq               INTEGER NOT NULL,
  state             TEXT NOT NULL ${checkOf(STATES)},
  text              TEXT NOT NULL,
  user_data_hex     TEXT,
  udh_hex           TEXT,
  dcs               INTEGER,
  pid               INTEGER,
  validity_minutes  INTEGER,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER,
  message_ref       TEXT,
  route             TEXT,
  sent_at           INTEGER,
  final_at          INTEGER,
  last_status       TEXT,
  last_diagnostic   TEXT,
  PRIMARY KEY (message_id, seq)
) STRICT;
INSERT INTO segments_v5 (${V4_SEGMENT_COLUMNS}) SELECT ${V4_SEGMENT_COLUMNS} FROM segments;

DROP TABLE segments;
DROP TABLE messages;
ALTER TABLE messages_v5 RENAME TO messages;
ALTER TABLE segments_v5 RENAME TO segments;

CREATE INDEX messages_open_by_destination ON messages (to_addr, concat_ref) WHERE final_at IS NULL;
CREATE INDEX messages_by_destination_created ON messages (to_addr, created_at);
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX messages_send_order ON messages (priority DESC, created_at, id) WHERE final_at IS NULL;
CREATE INDEX messages_by_user_created ON messages (user_email, created_at);
CREATE INDEX messages_by_mail ON messages (mail_id, from_addr, created_at);
CREATE INDEX messages_started_by_destination ON messages (to_addr, started_at) WHERE started_at IS NOT NULL;
CREATE INDEX messages_by_carrier ON messages (coalesced_into) WHERE coalesced_into IS NOT NULL;
CREATE INDEX messages_waiting_by_text ON messages (to_addr, text_hash) WHERE final_at IS NULL AND started_at IS NULL;
CREATE INDEX messages_held ON messages (to_addr, account) WHERE held_reason = 'hourly-cap' AND final_at IS NULL;
CREATE INDEX segments_ready ON segments (next_attempt_at, message_id, seq) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX segments_by_ref ON segments (message_ref) WHERE message_ref IS NOT NULL;

-- Open messages of version 4: ordinary text gets its hash; one that sent (or tried) a part has started.
UPDATE messages SET text_hash = (SELECT ${TEXT_HASH_SQL_FUNCTION}(group_concat(s.text, '' ORDER BY s.seq)) FROM segments s WHERE s.message_id = messages.id)
  WHERE final_at IS NULL AND text_hash IS NULL AND encoding != 'binary'
    AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.message_id = messages.id AND (s.user_data_hex IS NOT NULL OR s.udh_hex IS NOT NULL OR s.dcs IS NOT NULL));
UPDATE messages SET started_at = created_at
  WHERE started_at IS NULL AND EXISTS (SELECT 1 FROM segments s WHERE s.message_id = messages.id AND (s.attempts > 0 OR s.state != 'queued'));

CREATE TABLE IF NOT EXISTS hour_windows (
  account    TEXT NOT NULL,
  to_addr    TEXT NOT NULL,
  opened_at  INTEGER NOT NULL,
  started    INTEGER NOT NULL CHECK (started >= 0),
  PRIMARY KEY (account, to_addr)
) STRICT;
`;

/*
 * Version 6: the sender ID of the user who sent the mail, for transports that can set the
 * originator (SMPP source_addr); NULL for mails before it and for users without one.
 */
const V6 = `
ALTER TABLE messages ADD COLUMN sender_id TEXT;
`;

/*
 * Version 7: what an answer to an alert (inbound SMS, SPEC 10) needs of the alert mail, NULL for
 * mails before it:
 * - mail_subject: the mail's Subject as parsed (decoded, one line); NULL when it had none;
 * - reply_addr: where an answer goes: the mail's Reply-To address when it has one, else its
 *   header From address (a plain address, no display name);
 * - mail_message_id: the mail's own Message-ID (`<...>`, as In-Reply-To quotes it), NULL when the
 *   mail had none. mail_id stays what it was (that id, or one made up to group a mail's
 *   messages for its DSN); only this column may be pointed at by a thread.
 */
const V7 = `
ALTER TABLE messages ADD COLUMN mail_subject TEXT;
ALTER TABLE messages ADD COLUMN reply_addr TEXT;
ALTER TABLE messages ADD COLUMN mail_message_id TEXT;
`;

/*
 * Version 8: `queue retry` (store-action.ts). retried_at: when an operator last sent the message
 * back to the queue; the account's max age (SPEC 7) counts from then, not from the acceptance,
 * so a retried message is not expired again for the age that ended it. NULL for never retried.
 */
const V8 = `
ALTER TABLE messages ADD COLUMN retried_at INTEGER;
`;

/** Index i holds the SQL that takes a file from user_version i to i + 1. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V6, V7, V8];

/** Applies the missing versions; returns the version the file is at afterwards. */
export function migrate(db: BetterSqlite3.Database): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    throw new GatewayError(
      'M2S_QUEUE_UNAVAILABLE',
      `queue file is at schema version ${current}, newer than this release knows (${MIGRATIONS.length})`,
    );
  }
  if (current === MIGRATIONS.length) return current;
  // A rebuild drops a table other tables reference: with foreign keys on, that would delete their
  // rows (ON DELETE CASCADE). Off outside the transactions (the pragma is a no-op inside one),
  // and every version's result is checked before its commit.
  db.function(TEXT_HASH_SQL_FUNCTION, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? hashText(text) : null));
  const foreignKeys = Number(db.pragma('foreign_keys', { simple: true }));
  db.pragma('foreign_keys = OFF');
  try {
    for (let version = current; version < MIGRATIONS.length; version += 1) {
      const sql = MIGRATIONS[version] as string;
      db.transaction(() => {
        db.exec(sql);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new GatewayError('M2S_QUEUE_UNAVAILABLE', `queue upgrade to version ${version + 1} left ${broken.length} row(s) without their message`);
        db.pragma(`user_version = ${version + 1}`);
      })();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys === 1 ? 'ON' : 'OFF'}`);
  }
  return MIGRATIONS.length;
}
