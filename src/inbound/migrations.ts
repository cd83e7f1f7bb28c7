/*
 * migrations.ts - the inbound SMS schema (SPEC 10), as versions applied in order.
 *
 * The tables live in the gateway's one SQLite file beside the queue and the accounts, under
 * component 'inbound' in `schema_versions(component, version)` (the accounts' mechanism), so
 * each component upgrades independently. Versions are only ever appended.
 *
 * - inbound_parts: every part a transport handed over, committed before the transport lets go
 *   of it (AT+CMGD, AT+CNMA, deliver_sm_resp). A part given twice (a resent PDU, a deliver_sm
 *   answered too late) has the same sender and raw and is kept once. `inbound_id` is set when
 *   the part joins an inbound message: parts without one are the partial messages that wait
 *   for their other parts, and they survive a restart.
 * - inbound: one row per received SMS (all its parts, or what arrived before the wait ran out;
 *   `parts_missing` lists the part numbers that never came, JSON, NULL when complete). `state`
 *   is received (to be mailed), mailed, held (no address to mail it to; kept), failed (the
 *   smarthost refused it for good). `mail_to` (JSON array) and `alert_qid` are decided when it
 *   is mailed; attempts, next_attempt_at and last_error are the smarthost retries.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { migrateComponent } from '../state/index.js';

export const COMPONENT = 'inbound';

export const INBOUND_STATES = ['received', 'mailed', 'held', 'failed'] as const;
export type InboundState = (typeof INBOUND_STATES)[number];

const V1 = `
CREATE TABLE inbound (
  id               TEXT PRIMARY KEY,
  state            TEXT NOT NULL CHECK (state IN (${INBOUND_STATES.map((s) => `'${s}'`).join(', ')})),
  route            TEXT NOT NULL,
  sender           TEXT NOT NULL,
  sender_kind      TEXT NOT NULL CHECK (sender_kind IN ('international', 'national', 'alphanumeric')),
  encoding         TEXT NOT NULL CHECK (encoding IN ('gsm7', 'ucs2', 'binary')),
  text             TEXT NOT NULL,
  data_hex         TEXT,
  parts_total      INTEGER NOT NULL CHECK (parts_total BETWEEN 1 AND 255),
  parts_missing    TEXT,
  flash            INTEGER NOT NULL DEFAULT 0 CHECK (flash IN (0, 1)),
  sent_at          INTEGER,
  received_at      INTEGER NOT NULL,
  mail_to          TEXT,
  alert_qid        TEXT,
  message_id       TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,
  last_error       TEXT,
  final_at         INTEGER
) STRICT;
CREATE INDEX inbound_due ON inbound (next_attempt_at) WHERE state = 'received';
CREATE INDEX inbound_by_received ON inbound (received_at);

CREATE TABLE inbound_parts (
  id               INTEGER PRIMARY KEY,
  route            TEXT NOT NULL,
  sender           TEXT NOT NULL,
  sender_kind      TEXT NOT NULL CHECK (sender_kind IN ('international', 'national', 'alphanumeric')),
  encoding         TEXT NOT NULL CHECK (encoding IN ('gsm7', 'ucs2', 'binary')),
  text             TEXT NOT NULL,
  data_hex         TEXT,
  concat_ref       INTEGER,
  ref_bits         INTEGER CHECK (ref_bits IS NULL OR ref_bits IN (8, 16)),
  parts_total      INTEGER NOT NULL CHECK (parts_total BETWEEN 1 AND 255),
  seq              INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 255),
  flash            INTEGER NOT NULL DEFAULT 0 CHECK (flash IN (0, 1)),
  sent_at          INTEGER,
  received_at      INTEGER NOT NULL,
  raw              TEXT NOT NULL,
  inbound_id       TEXT REFERENCES inbound (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX inbound_parts_same ON inbound_parts (sender, raw);
CREATE INDEX inbound_parts_waiting ON inbound_parts (sender, concat_ref, parts_total) WHERE inbound_id IS NULL;
`;

/** Index i holds the SQL that takes the component from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [V1];

/** Applies the missing versions (state/components.ts); returns the version before. */
export function migrate(db: BetterSqlite3.Database): number {
  return migrateComponent(db, { component: COMPONENT, migrations: MIGRATIONS, newerCode: 'M2S_INBOUND_UNAVAILABLE', what: 'the inbound SMS tables' });
}
