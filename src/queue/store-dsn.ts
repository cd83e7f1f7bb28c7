/*
 * store-dsn.ts - what the delivery status notifier (SPEC 8) reads from the queue and records in it.
 *
 * Promise: reads never change a row; markDsn() and noteDsnAttempt() are each one transaction
 * (a savepoint inside Queue.batch()) and touch only messages whose report is still undecided,
 * so a decision, once committed, is never made again: after a restart a report already marked
 * is not sent twice, and one not marked yet is still found by dsnDue().
 *
 * dsnDue() walks the partial index message_dsn_undecided (migration 4): the messages whose
 * report is undecided, open or ended, never the history; of those it takes the ended ones (CROSS
 * JOIN keeps message_dsn the outer loop). A message `sent` with TP-SRR set is left out while its
 * status report may still come: until the later of its validity end and `reportWaitMs` after its
 * last part went out (final_at is set when the last part is out). dsn/report-plan.ts applies the
 * same rule to the messages of a mail it reads; the tests hold the two together.
 *
 * A `coalesced` message (SPEC 7 alert storms: its text went out in another message) is reported
 * as its carrier ends: it is due only once the carrier would be, by the same rule, and dsnMail()
 * gives it the carrier's state and parts (DsnMessage.carrier) for report-plan.ts to follow.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { perLimit } from '../state/index.js';
import type { DsnMark, HoldReason, QueueState } from './migrations.js';
import type { DsnCarrier, DsnMessage, DsnPart, DsnStore, MailKey } from './types.js';

export const DSN_DUE_SQL = `SELECT m.mail_id, m.from_addr, m.created_at, min(m.final_at) AS first_final
  FROM message_dsn d CROSS JOIN messages m LEFT JOIN messages c ON c.id = m.coalesced_into
  WHERE d.dsn IS NULL AND m.id = d.message_id AND m.final_at IS NOT NULL
    AND NOT (m.state = 'sent' AND m.status_report = 1 AND @now < max(m.valid_until, m.final_at + @wait))
    AND (m.coalesced_into IS NULL OR (c.final_at IS NOT NULL
      AND NOT (c.state = 'sent' AND c.status_report = 1 AND @now < max(c.valid_until, c.final_at + @wait))))
  GROUP BY m.mail_id, m.from_addr, m.created_at
  ORDER BY first_final, m.mail_id LIMIT @limit`;

interface DueRow {
  mail_id: string;
  from_addr: string;
  created_at: number;
}

interface MessageRow {
  id: string; mail_id: string; state: QueueState; to_addr: string; from_addr: string; created_at: number;
  valid_until: number; final_at: number | null; status_report: number; notify_success: number; notify_failure: number;
  rcpt_addr: string | null; orcpt: string | null; envid: string | null; mail_headers: string | null;
  dsn: DsnMark | null; dsn_at: number | null; dsn_attempts: number; dsn_error: string | null;
  coalesced_into: string | null; coalesce_reason: HoldReason | null;
}

interface CarrierRow {
  id: string; state: QueueState; kind: 'mail' | 'summary'; valid_until: number; final_at: number | null; status_report: number; carried: number;
}

interface PartRow {
  seq: number; state: QueueState; attempts: number; route: string | null; message_ref: string | null;
  sent_at: number | null; final_at: number | null; last_status: string | null; last_diagnostic: string | null;
}

export function prepareDsnStore(db: BetterSqlite3.Database): DsnStore {
  const due = perLimit(DSN_DUE_SQL, (sql) => db.prepare<{ now: number; wait: number }, DueRow>(sql));
  const mail = db.prepare<{ mailId: string; from: string; createdAt: number }, MessageRow>(
    `SELECT m.id, m.mail_id, m.state, m.to_addr, m.from_addr, m.created_at, m.valid_until, m.final_at, m.status_report,
       m.notify_success, m.notify_failure, d.rcpt_addr, d.orcpt, d.envid, d.mail_headers, d.dsn, d.dsn_at,
       d.attempts AS dsn_attempts, d.last_error AS dsn_error, m.coalesced_into, m.coalesce_reason
     FROM messages m JOIN message_dsn d ON d.message_id = m.id
     WHERE m.mail_id = @mailId AND m.from_addr = @from AND m.created_at = @createdAt ORDER BY m.id`,
  );
  const parts = db.prepare<[string], PartRow>(
    `SELECT seq, state, attempts, route, message_ref, sent_at, final_at, last_status, last_diagnostic
     FROM segments WHERE message_id = ? ORDER BY seq`,
  );
  const carrier = db.prepare<[string], CarrierRow>(
    `SELECT c.id, c.state, c.kind, c.valid_until, c.final_at, c.status_report,
       (SELECT count(*) FROM messages x WHERE x.coalesced_into = c.id) AS carried
     FROM messages c WHERE c.id = ?`,
  );
  const carrierOf = (row: MessageRow): DsnCarrier | undefined => {
    if (row.coalesced_into === null) return undefined;
    const c = carrier.get(row.coalesced_into);
    if (c === undefined) return undefined;
    return {
      qid: c.id,
      state: c.state,
      kind: c.kind,
      validUntil: c.valid_until,
      finalAt: c.final_at,
      statusReport: c.status_report === 1,
      reason: row.coalesce_reason ?? 'identical',
      carried: c.carried,
      parts: parts.all(c.id).map(toDsnPart),
    };
  };
  const mark = db.prepare(
    `UPDATE message_dsn SET dsn = @mark, dsn_at = @now, last_error = coalesce(@note, last_error),
       attempts = attempts + CASE WHEN @mark = 'none' THEN 0 ELSE 1 END
     WHERE message_id = @qid AND dsn IS NULL`,
  );
  const attempt = db.prepare('UPDATE message_dsn SET attempts = attempts + 1, last_error = @error WHERE message_id = @qid AND dsn IS NULL');

  return {
    dsnDue(now, reportWaitMs, limit = 100) {
      return due(limit).all({ now, wait: reportWaitMs }).map((r) => ({ mailId: r.mail_id, from: r.from_addr, createdAt: r.created_at }));
    },
    dsnMail(key: MailKey) {
      return mail.all(key).map((row) => toDsnMessage(row, parts.all(row.id), carrierOf(row)));
    },
    markDsn: db.transaction((qids: readonly string[], value: DsnMark, now: number, note?: string): number =>
      qids.reduce((n, qid) => n + mark.run({ qid, mark: value, now, note: note ?? null }).changes, 0),
    ),
    noteDsnAttempt: db.transaction((qids: readonly string[], error: string): void => {
      for (const qid of qids) attempt.run({ qid, error });
    }),
  };
}

function toDsnMessage(row: MessageRow, parts: readonly PartRow[], carrier: DsnCarrier | undefined): DsnMessage {
  return {
    qid: row.id,
    mailId: row.mail_id,
    to: row.to_addr,
    from: row.from_addr,
    state: row.state,
    createdAt: row.created_at,
    validUntil: row.valid_until,
    finalAt: row.final_at,
    statusReport: row.status_report === 1,
    notify: { success: row.notify_success === 1, failure: row.notify_failure === 1 },
    original: {
      ...(row.rcpt_addr === null ? {} : { rcpt: row.rcpt_addr }),
      ...(row.orcpt === null ? {} : { orcpt: row.orcpt }),
      ...(row.envid === null ? {} : { envid: row.envid }),
      ...(row.mail_headers === null ? {} : { headers: row.mail_headers }),
    },
    dsn: { mark: row.dsn, at: row.dsn_at, attempts: row.dsn_attempts, error: row.dsn_error },
    parts: parts.map(toDsnPart),
    ...(carrier === undefined ? {} : { carrier }),
  };
}

function toDsnPart(row: PartRow): DsnPart {
  return {
    seq: row.seq,
    state: row.state,
    attempts: row.attempts,
    route: row.route,
    messageRef: row.message_ref,
    sentAt: row.sent_at,
    finalAt: row.final_at,
    lastStatus: row.last_status,
    lastDiagnostic: row.last_diagnostic,
  };
}
