/*
 * migrations.ts - the accounts and users schema, as versions applied in order.
 *
 * The tables live in the gateway's one SQLite file beside the queue, whose schema version is
 * `PRAGMA user_version`; so this component keeps its own number in
 * `schema_versions(component, version)` under component 'accounts', and the two upgrade
 * independently. Opening runs the missing versions, each in its own transaction (a crash
 * mid-upgrade leaves the previous version intact). Versions are only ever appended.
 *
 * Lists (cug, allow_ips) are JSON arrays in TEXT columns: they are read and written whole;
 * booleans are INTEGER 0 or 1 (STRICT tables have no boolean type).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { migrateComponent } from '../state/index.js';

export const COMPONENT = 'accounts';

const V1 = `
CREATE TABLE accounts (
  name            TEXT PRIMARY KEY,
  quota           INTEGER CHECK (quota IS NULL OR quota >= 0),
  cug             TEXT NOT NULL DEFAULT '[]',
  append_text     TEXT NOT NULL DEFAULT '',
  compose         TEXT NOT NULL CHECK (compose IN ('subject+body', 'body', 'subject')),
  long_mode       TEXT NOT NULL CHECK (long_mode IN ('concatenate', 'split')),
  allow_ips       TEXT NOT NULL DEFAULT '[]',
  plan            TEXT NOT NULL CHECK (plan IN ('e164', 'jp-mobile')),
  max_segments    INTEGER NOT NULL CHECK (max_segments BETWEEN 1 AND 255),
  validity_ms     INTEGER NOT NULL CHECK (validity_ms > 0),
  resend_unknown  INTEGER NOT NULL CHECK (resend_unknown IN (0, 1)),
  tps             REAL NOT NULL CHECK (tps > 0),
  burst           INTEGER NOT NULL CHECK (burst >= 1),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  email           TEXT PRIMARY KEY,
  account         TEXT NOT NULL REFERENCES accounts (name),
  sender_id       TEXT,
  dkim            TEXT NOT NULL CHECK (dkim IN ('PASS', 'GRAY', 'FAIL')),
  spf             TEXT NOT NULL CHECK (spf IN ('PASS', 'GRAY', 'FAIL')),
  dmarc           TEXT NOT NULL CHECK (dmarc IN ('PASS', 'GRAY', 'FAIL')),
  quota           INTEGER CHECK (quota IS NULL OR quota >= 0),
  tps             REAL CHECK (tps IS NULL OR tps > 0),
  password_hash   TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX users_by_account ON users (account, email);
`;

/** Version 2: the account's transliteration choice (SPEC 6); existing accounts keep UCS-2. */
const V2 = `
ALTER TABLE accounts ADD COLUMN transliterate INTEGER NOT NULL DEFAULT 0 CHECK (transliterate IN (0, 1));
`;

/**
 * Version 3: condensing, overflow and alert-storm settings (SPEC 5, 6, 7). Existing accounts take
 * the defaults a new account has: condense auto, truncate, a 60 s coalesce window, no hourly cap,
 * no max age; NULL means off.
 */
const V3 = `
ALTER TABLE accounts ADD COLUMN condense TEXT NOT NULL DEFAULT 'auto' CHECK (condense IN ('auto', 'off'));
ALTER TABLE accounts ADD COLUMN overflow TEXT NOT NULL DEFAULT 'truncate' CHECK (overflow IN ('truncate', 'refuse'));
ALTER TABLE accounts ADD COLUMN coalesce_ms INTEGER DEFAULT 60000 CHECK (coalesce_ms IS NULL OR coalesce_ms > 0);
ALTER TABLE accounts ADD COLUMN max_per_hour INTEGER CHECK (max_per_hour IS NULL OR max_per_hour >= 1);
ALTER TABLE accounts ADD COLUMN max_age_ms INTEGER CHECK (max_age_ms IS NULL OR max_age_ms > 0);
`;

/**
 * Version 4: inbound SMS (SPEC 10). `inbound`: where an SMS that answers no alert is mailed, NULL
 * when the account does not say; `reply_to_alert_sender`: an answer to an alert goes to the
 * alert's sender only (1) or to `inbound` as well (0); `reply_window_ms`: how long after an alert
 * an SMS from its number answers it. Existing accounts take the defaults: not set, 1, 24 h.
 */
const V4 = `
ALTER TABLE accounts ADD COLUMN inbound TEXT CHECK (inbound IS NULL OR inbound LIKE '_%@_%');
ALTER TABLE accounts ADD COLUMN reply_to_alert_sender INTEGER NOT NULL DEFAULT 1 CHECK (reply_to_alert_sender IN (0, 1));
ALTER TABLE accounts ADD COLUMN reply_window_ms INTEGER NOT NULL DEFAULT 86400000 CHECK (reply_window_ms > 0);
`;

/** Index i holds the SQL that takes the component from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3, V4];

/** Applies the missing versions (state/components.ts); `seed` runs once, on a new file. Returns the version before. */
export function migrate(db: BetterSqlite3.Database, seed: () => void): number {
  return migrateComponent(db, { component: COMPONENT, migrations: MIGRATIONS, newerCode: 'M2S_ACCOUNTS_UNAVAILABLE', what: 'the accounts tables' }, seed);
}
