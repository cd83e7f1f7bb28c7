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
 * the decision made for each message.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { GatewayError } from '../errors.js';

/** SPEC 7 states, for messages and for segments. */
export const STATES = ['queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'unknown'] as const;
export type QueueState = (typeof STATES)[number];

const STATE_CHECK = `CHECK (state IN (${STATES.map((s) => `'${s}'`).join(', ')}))`;

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

/** Index i holds the SQL that takes a file from user_version i to i + 1. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3, V4];

/** Applies the missing versions; returns the version the file is at afterwards. */
export function migrate(db: BetterSqlite3.Database): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    throw new GatewayError(
      'M2S_QUEUE_UNAVAILABLE',
      `queue file is at schema version ${current}, newer than this release knows (${MIGRATIONS.length})`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    const sql = MIGRATIONS[version] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return MIGRATIONS.length;
}
