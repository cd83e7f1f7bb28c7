/*
 * store-rows.ts - SQL rows of the accounts and users tables to and from the plain values of
 * types.ts, and the prepared statements the store runs.
 *
 * Promise: a value read back equals the value written (optional user fields absent, not null;
 * lists as arrays), so the import's "unchanged" comparison (provision.ts) sees equal values.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Account, ComposeMode, CondenseMode, Judgment, LongMode, NumberingPlan, OverflowMode, User } from './types.js';

interface AccountRow {
  name: string;
  quota: number | null;
  cug: string;
  append_text: string;
  compose: string;
  long_mode: string;
  allow_ips: string;
  plan: string;
  max_segments: number;
  validity_ms: number;
  resend_unknown: number;
  tps: number;
  burst: number;
  transliterate: number;
  condense: string;
  overflow: string;
  coalesce_ms: number | null;
  max_per_hour: number | null;
  max_age_ms: number | null;
  inbound: string | null;
  reply_to_alert_sender: number;
  reply_window_ms: number;
}

interface UserRow {
  email: string;
  account: string;
  sender_id: string | null;
  dkim: string;
  spf: string;
  dmarc: string;
  quota: number | null;
  tps: number | null;
  password_hash: string | null;
}

function stringList(json: string): readonly string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.map(String) : [];
}

// The CHECK constraints of migrations.ts hold the enumerations, so the casts below are sound.
export function accountFromRow(r: AccountRow): Account {
  return {
    name: r.name,
    quota: r.quota,
    cug: stringList(r.cug),
    append: r.append_text,
    compose: r.compose as ComposeMode,
    long: r.long_mode as LongMode,
    allowIps: stringList(r.allow_ips),
    plan: r.plan as NumberingPlan,
    maxSegments: r.max_segments,
    validityMs: r.validity_ms,
    resendUnknown: r.resend_unknown === 1,
    tps: r.tps,
    burst: r.burst,
    transliterate: r.transliterate === 1,
    condense: r.condense as CondenseMode,
    overflow: r.overflow as OverflowMode,
    coalesceMs: r.coalesce_ms,
    maxPerHour: r.max_per_hour,
    maxAgeMs: r.max_age_ms,
    inbound: r.inbound,
    replyToAlertSender: r.reply_to_alert_sender === 1,
    replyWindowMs: r.reply_window_ms,
  };
}

function accountParams(a: Account, now: number) {
  return {
    name: a.name,
    quota: a.quota,
    cug: JSON.stringify(a.cug),
    append_text: a.append,
    compose: a.compose,
    long_mode: a.long,
    allow_ips: JSON.stringify(a.allowIps),
    plan: a.plan,
    max_segments: a.maxSegments,
    validity_ms: a.validityMs,
    resend_unknown: a.resendUnknown ? 1 : 0,
    tps: a.tps,
    burst: a.burst,
    transliterate: a.transliterate ? 1 : 0,
    condense: a.condense,
    overflow: a.overflow,
    coalesce_ms: a.coalesceMs,
    max_per_hour: a.maxPerHour,
    max_age_ms: a.maxAgeMs,
    inbound: a.inbound,
    reply_to_alert_sender: a.replyToAlertSender ? 1 : 0,
    reply_window_ms: a.replyWindowMs,
    now,
  };
}

export function userFromRow(r: UserRow): User {
  return {
    email: r.email,
    account: r.account,
    ...(r.sender_id !== null ? { senderId: r.sender_id } : {}),
    dkim: r.dkim as Judgment,
    spf: r.spf as Judgment,
    dmarc: r.dmarc as Judgment,
    ...(r.quota !== null ? { quota: r.quota } : {}),
    ...(r.tps !== null ? { tps: r.tps } : {}),
    ...(r.password_hash !== null ? { passwordHash: r.password_hash } : {}),
  };
}

function userParams(u: User, now: number) {
  return {
    email: u.email,
    account: u.account,
    sender_id: u.senderId ?? null,
    dkim: u.dkim,
    spf: u.spf,
    dmarc: u.dmarc,
    quota: u.quota ?? null,
    tps: u.tps ?? null,
    password_hash: u.passwordHash ?? null,
    now,
  };
}

const ACCOUNT_COLUMNS = 'name, quota, cug, append_text, compose, long_mode, allow_ips, plan, max_segments, validity_ms, resend_unknown, tps, burst, transliterate, condense, overflow, coalesce_ms, max_per_hour, max_age_ms, inbound, reply_to_alert_sender, reply_window_ms';
const USER_COLUMNS = 'email, account, sender_id, dkim, spf, dmarc, quota, tps, password_hash';
const params = (columns: string): string => columns.split(', ').map((c) => `@${c}`).join(', ');
const updates = (columns: string): string => columns.split(', ').slice(1).map((c) => `${c} = @${c}`).join(', ');

export function prepareRows(db: BetterSqlite3.Database) {
  const insertAccount = db.prepare(`INSERT INTO accounts (${ACCOUNT_COLUMNS}, created_at, updated_at) VALUES (${params(ACCOUNT_COLUMNS)}, @now, @now)`);
  const updateAccount = db.prepare(`UPDATE accounts SET ${updates(ACCOUNT_COLUMNS)}, updated_at = @now WHERE name = @name`);
  const selectAccount = db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE name = ?`);
  const selectAccounts = db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY name`);
  const selectNetworks = db.prepare('SELECT allow_ips FROM accounts ORDER BY name').pluck();
  const deleteAccount = db.prepare('DELETE FROM accounts WHERE name = ?');
  const insertUser = db.prepare(`INSERT INTO users (${USER_COLUMNS}, created_at, updated_at) VALUES (${params(USER_COLUMNS)}, @now, @now)`);
  const updateUser = db.prepare(`UPDATE users SET ${updates(USER_COLUMNS)}, updated_at = @now WHERE email = @email`);
  const selectUser = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`);
  const selectUsers = db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY account, email`);
  const selectUsersOf = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE account = ? ORDER BY email`);
  const deleteUser = db.prepare('DELETE FROM users WHERE email = ?');
  return {
    insertAccount: (a: Account, now: number) => void insertAccount.run(accountParams(a, now)),
    updateAccount: (a: Account, now: number) => void updateAccount.run(accountParams(a, now)),
    getAccount: (name: string): Account | undefined => {
      const row = selectAccount.get(name) as AccountRow | undefined;
      return row && accountFromRow(row);
    },
    listAccounts: (): Account[] => (selectAccounts.all() as AccountRow[]).map(accountFromRow),
    allowedNetworks: (): string[] => [...new Set((selectNetworks.all() as string[]).flatMap(stringList))],
    deleteAccount: (name: string): boolean => deleteAccount.run(name).changes > 0,
    insertUser: (u: User, now: number) => void insertUser.run(userParams(u, now)),
    updateUser: (u: User, now: number) => void updateUser.run(userParams(u, now)),
    getUser: (email: string): User | undefined => {
      const row = selectUser.get(email) as UserRow | undefined;
      return row && userFromRow(row);
    },
    listUsers: (account?: string): User[] => ((account === undefined ? selectUsers.all() : selectUsersOf.all(account)) as UserRow[]).map(userFromRow),
    deleteUser: (email: string): boolean => deleteUser.run(email).changes > 0,
  };
}

export type Rows = ReturnType<typeof prepareRows>;
