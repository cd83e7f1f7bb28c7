/*
 * store-mail.ts - the mail-out side of the inbound table (SPEC 10): which received SMS are due to
 * be mailed, what became of each, and the listings `mail2sms inbox` and /metrics read.
 *
 * Promise: each mark is one statement on one row and moves it only from `received` (a row
 * mailed, held or failed is never touched again by the forwarder), so a crash between the
 * smarthost's 250 and the mark mails that SMS twice at most, never loses it. Held rows go back
 * to `received` when the forwarder starts (releaseHeld), so an address set since is used.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Encoding } from '../encode/index.js';
import { perLimit } from '../state/index.js';
import type { InboundSms } from './mail-plan.js';
import { INBOUND_STATES, type InboundState } from './migrations.js';

/** One inbound row with its state, for `inbox` and the forwarder. */
export interface InboundRecord extends InboundSms {
  readonly state: InboundState;
  readonly mailTo?: readonly string[];
  readonly alertQid?: string;
  readonly messageId?: string;
  readonly attempts: number;
  readonly nextAttemptAt?: number;
  readonly lastError?: string;
  readonly finalAt?: number;
}

export interface MailSide {
  /** Received rows whose next attempt is due, oldest first. */
  due(now: number, limit: number): InboundRecord[];
  /** The earliest next attempt of a received row, if any. */
  nextDueAt(): number | undefined;
  markMailed(id: string, facts: { readonly to: readonly string[]; readonly messageId: string; readonly alertQid?: string; readonly now: number }): boolean;
  markRetry(id: string, facts: { readonly error: string; readonly nextAttemptAt: number }): boolean;
  markHeld(id: string, facts: { readonly reason: string; readonly now: number }): boolean;
  markFailed(id: string, facts: { readonly error: string; readonly now: number }): boolean;
  /** Held rows back to received, due now; returns how many. */
  releaseHeld(now: number): number;
  get(id: string): InboundRecord | undefined;
  /** Newest first. */
  list(options: { readonly limit: number; readonly state?: InboundState }): InboundRecord[];
  /** Rows per state, every state present. */
  counts(): Record<InboundState, number>;
}

interface Row {
  id: string;
  state: InboundState;
  route: string;
  sender: string;
  sender_kind: InboundSms['senderKind'];
  encoding: Encoding;
  text: string;
  data_hex: string | null;
  parts_total: number;
  parts_missing: string | null;
  flash: number;
  sent_at: number | null;
  received_at: number;
  mail_to: string | null;
  alert_qid: string | null;
  message_id: string | null;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  final_at: number | null;
}

function recordOf(r: Row): InboundRecord {
  const opt = <K extends string, V>(key: K, value: V | null): { [P in K]?: V } => (value === null ? {} : ({ [key]: value } as { [P in K]: V }));
  return {
    id: r.id,
    state: r.state,
    route: r.route,
    sender: r.sender,
    senderKind: r.sender_kind,
    encoding: r.encoding,
    text: r.text,
    ...opt('dataHex', r.data_hex),
    partsTotal: r.parts_total,
    ...opt('partsMissing', r.parts_missing === null ? null : (JSON.parse(r.parts_missing) as number[])),
    flash: r.flash === 1,
    ...opt('sentAt', r.sent_at),
    receivedAt: r.received_at,
    ...opt('mailTo', r.mail_to === null ? null : (JSON.parse(r.mail_to) as string[])),
    ...opt('alertQid', r.alert_qid),
    ...opt('messageId', r.message_id),
    attempts: r.attempts,
    ...opt('nextAttemptAt', r.next_attempt_at),
    ...opt('lastError', r.last_error),
    ...opt('finalAt', r.final_at),
  };
}

export function createMailSide(db: BetterSqlite3.Database): MailSide {
  const due = perLimit("SELECT * FROM inbound WHERE state = 'received' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT @limit", (sql) => db.prepare<[number], Row>(sql));
  const nextDue = db.prepare<[], { at: number | null }>("SELECT min(next_attempt_at) AS at FROM inbound WHERE state = 'received'");
  const mailed = db.prepare("UPDATE inbound SET state = 'mailed', mail_to = @to, message_id = @messageId, alert_qid = @alertQid, attempts = attempts + 1, next_attempt_at = NULL, last_error = NULL, final_at = @now WHERE id = @id AND state = 'received'");
  const retry = db.prepare("UPDATE inbound SET attempts = attempts + 1, next_attempt_at = @nextAttemptAt, last_error = @error WHERE id = @id AND state = 'received'");
  const held = db.prepare("UPDATE inbound SET state = 'held', next_attempt_at = NULL, last_error = @reason, final_at = @now WHERE id = @id AND state = 'received'");
  const failed = db.prepare("UPDATE inbound SET state = 'failed', attempts = attempts + 1, next_attempt_at = NULL, last_error = @error, final_at = @now WHERE id = @id AND state = 'received'");
  const release = db.prepare("UPDATE inbound SET state = 'received', next_attempt_at = @now, final_at = NULL WHERE state = 'held'");
  const one = db.prepare<[string], Row>('SELECT * FROM inbound WHERE id = ?');
  const newest = perLimit('SELECT * FROM inbound ORDER BY received_at DESC, id DESC LIMIT @limit', (sql) => db.prepare<[], Row>(sql));
  const newestIn = perLimit('SELECT * FROM inbound WHERE state = ? ORDER BY received_at DESC, id DESC LIMIT @limit', (sql) => db.prepare<[string], Row>(sql));
  const perState = db.prepare<[], { state: InboundState; n: number }>('SELECT state, count(*) AS n FROM inbound GROUP BY state');
  return {
    due: (now, limit) => due(limit).all(now).map(recordOf),
    nextDueAt: () => nextDue.get()?.at ?? undefined,
    markMailed: (id, f) => mailed.run({ id, to: JSON.stringify(f.to), messageId: f.messageId, alertQid: f.alertQid ?? null, now: f.now }).changes === 1,
    markRetry: (id, f) => retry.run({ id, error: f.error, nextAttemptAt: f.nextAttemptAt }).changes === 1,
    markHeld: (id, f) => held.run({ id, reason: f.reason, now: f.now }).changes === 1,
    markFailed: (id, f) => failed.run({ id, error: f.error, now: f.now }).changes === 1,
    releaseHeld: (now) => release.run({ now }).changes,
    get: (id) => {
      const row = one.get(id);
      return row === undefined ? undefined : recordOf(row);
    },
    list: ({ limit, state }) => (state === undefined ? newest(limit).all() : newestIn(limit).all(state)).map(recordOf),
    counts: () => {
      const out = Object.fromEntries(INBOUND_STATES.map((s) => [s, 0])) as Record<InboundState, number>;
      for (const { state, n } of perState.all()) out[state] = n;
      return out;
    },
  };
}
