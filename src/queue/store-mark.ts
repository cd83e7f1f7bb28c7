/*
 * store-mark.ts - a segment's state changes, each its own transaction (a savepoint inside
 * Queue.batch(), committed with the batch).
 *
 * With synchronous=FULL every mark is on disk when its transaction commits: `sending` is durable
 * before the transport sees the segment, so after a power cut the queue knows which segments
 * may have gone out (SPEC 7). After each change the message's state is derived again from its
 * segments (message-state.ts), and a message that finished gets `final_at`, which frees its
 * concatenation reference.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { deriveMessageState } from './message-state.js';
import type { QueueState } from './migrations.js';
import { prepareReportMark } from './store-report.js';
import type { FailureMark, QueueMarks, RecoveryPolicy, RecoveryResult } from './types.js';

const SEGMENT_KEY = 'message_id = @qid AND seq = @seq';
/** Parts that have not gone out: waiting, or unknown and scheduled for a resend. */
export const UNSENT = `(state = 'queued' OR (state = 'unknown' AND next_attempt_at IS NOT NULL))`;

function requireOne(result: BetterSqlite3.RunResult, what: string): void {
  // A mark that matches no row is a dispatcher bug (wrong id, or a state it should not be in).
  if (result.changes !== 1) throw new Error(`queue: ${what} matched ${result.changes} segments`);
}

/** What refreshes a message's state after its segments changed (store-action.ts uses it too). */
export type RefreshMessage = (qid: string, now: number, error?: string | null) => void;

/**
 * Derives the message's state from its segments again and records it. A cancelled message stays
 * cancelled: a part that was in flight when `queue cancel` came and ended to be tried again
 * (deferred, throttled, unknown to resend) is cancelled too, never sent.
 */
export function prepareRefresh(db: BetterSqlite3.Database): RefreshMessage {
  const states = db.prepare<[string], { state: QueueState; waiting: number }>(
    'SELECT state, next_attempt_at IS NOT NULL AS waiting FROM segments WHERE message_id = ?',
  );
  const setMessage = db.prepare(
    `UPDATE messages SET state = @state, final_at = CASE WHEN @final = 1 THEN COALESCE(final_at, @now) ELSE NULL END,
       last_error = COALESCE(@error, last_error) WHERE id = @qid`,
  );
  const cancelRest = db.prepare(
    `UPDATE segments SET state = 'cancelled', next_attempt_at = NULL, final_at = @now WHERE message_id = @qid AND ${UNSENT}`,
  );
  return (qid, now, error = null) => {
    const derived = deriveMessageState(states.all(qid).map((s) => ({ state: s.state, waiting: s.waiting === 1 })));
    if (derived.state === 'cancelled') cancelRest.run({ qid, now });
    setMessage.run({ qid, state: derived.state, final: derived.final ? 1 : 0, now, error });
  };
}

export function prepareMarks(db: BetterSqlite3.Database): QueueMarks {
  const sql = (text: string): BetterSqlite3.Statement => db.prepare(text);
  const refresh = prepareRefresh(db);
  const sending = sql(
    `UPDATE segments SET state = 'sending', attempts = attempts + 1, route = @route, next_attempt_at = NULL
     WHERE ${SEGMENT_KEY} AND ${UNSENT}`,
  );
  const sent = sql(
    `UPDATE segments SET state = 'sent', message_ref = @ref, route = @route, sent_at = @now, next_attempt_at = NULL,
       last_status = '2.0.0', last_diagnostic = NULL WHERE ${SEGMENT_KEY} AND state = 'sending'`,
  );
  // A report was asked for upstream (an SMSC receipt for a failure notice): the notifier waits for it (store-dsn.ts).
  const awaitReport = sql(`UPDATE messages SET status_report = 1 WHERE id = @qid AND status_report = 0`);
  const deferred = sql(
    `UPDATE segments SET state = 'queued', next_attempt_at = @at, last_status = @status, last_diagnostic = @diagnostic
     WHERE ${SEGMENT_KEY} AND state = 'sending'`,
  );
  // A throttled send did not leave: the attempt markSending counted is taken back.
  const throttled = sql(
    `UPDATE segments SET state = @back, attempts = MAX(attempts - 1, 0), next_attempt_at = @at, last_status = @status,
       last_diagnostic = @diagnostic WHERE ${SEGMENT_KEY} AND state = 'sending'`,
  );
  const failed = sql(
    `UPDATE segments SET state = 'failed', next_attempt_at = NULL, final_at = @now, last_status = @status,
       last_diagnostic = @diagnostic WHERE ${SEGMENT_KEY} AND state = 'sending'`,
  );
  // SPEC 7: a permanent error fails the message at once; its later parts are not sent.
  const failRest = sql(
    `UPDATE segments SET state = 'failed', next_attempt_at = NULL, final_at = @now, last_status = @status,
       last_diagnostic = @diagnostic WHERE message_id = @qid AND ${UNSENT}`,
  );
  const unknown = sql(
    `UPDATE segments SET state = 'unknown', next_attempt_at = @at, last_diagnostic = @diagnostic,
       final_at = CASE WHEN @at IS NULL THEN @now ELSE NULL END WHERE ${SEGMENT_KEY} AND state = 'sending'`,
  );
  const expireRest = sql(
    `UPDATE segments SET state = 'expired', next_attempt_at = NULL, final_at = @now, last_status = @status,
       last_diagnostic = @diagnostic WHERE message_id = @qid AND ${UNSENT}`,
  );
  const inFlight = db.prepare<[], { message_id: string; seq: number; account: string }>(
    `SELECT s.message_id, s.seq, m.account FROM segments s JOIN messages m ON m.id = s.message_id WHERE s.state = 'sending'`,
  );

  return {
    markReport: prepareReportMark(db, refresh),
    markSending: db.transaction((qid: string, seq: number, route: string, now: number) => {
      requireOne(sending.run({ qid, seq, route }), `markSending ${qid}/${seq}`);
      refresh(qid, now);
    }),
    markSent: db.transaction((qid: string, seq: number, ref: string, route: string, now: number, reportAsked = false) => {
      requireOne(sent.run({ qid, seq, ref, route, now }), `markSent ${qid}/${seq}`);
      if (reportAsked) awaitReport.run({ qid });
      refresh(qid, now);
    }),
    markFailed: db.transaction((qid: string, seq: number, f: FailureMark, now: number) => {
      const values = { qid, seq, now, status: f.status, diagnostic: f.diagnostic };
      if (f.temporary) {
        requireOne(deferred.run({ ...values, at: f.nextAttemptAt ?? now }), `markFailed ${qid}/${seq}`);
        refresh(qid, now);
        return;
      }
      requireOne(failed.run(values), `markFailed ${qid}/${seq}`);
      failRest.run({ ...values, diagnostic: `not sent: part ${seq} failed` });
      refresh(qid, now, `${f.status} ${f.diagnostic}`);
    }),
    markThrottled: db.transaction((qid: string, seq: number, back: 'queued' | 'unknown', t: { status: string; diagnostic: string; at: number }, now: number) => {
      requireOne(throttled.run({ qid, seq, back, at: t.at, status: t.status, diagnostic: t.diagnostic }), `markThrottled ${qid}/${seq}`);
      refresh(qid, now);
    }),
    markUnknown: db.transaction((qid: string, seq: number, diagnostic: string, at: number | undefined, now: number) => {
      requireOne(unknown.run({ qid, seq, diagnostic, at: at ?? null, now }), `markUnknown ${qid}/${seq}`);
      refresh(qid, now, at === undefined ? diagnostic : null);
    }),
    expire: db.transaction((qid: string, status: string, diagnostic: string, now: number) => {
      expireRest.run({ qid, status, diagnostic, now });
      refresh(qid, now, `${status} ${diagnostic}`);
    }),
    recover: db.transaction((policy: RecoveryPolicy, now: number): RecoveryResult => {
      const rows = inFlight.all();
      let resent = 0;
      for (const row of rows) {
        const resend = typeof policy.resendUnknown === 'function' ? policy.resendUnknown(row.account) : policy.resendUnknown;
        if (resend) resent += 1;
        const diagnostic = 'in flight when the gateway stopped; it may have gone out';
        unknown.run({ qid: row.message_id, seq: row.seq, diagnostic, at: resend ? now : null, now });
        refresh(row.message_id, now, resend ? null : diagnostic);
      }
      return { unknown: rows.length, resent };
    }),
  };
}
