/*
 * store-report.ts - a status report applied to the segment it names (SPEC 7, 8): delivered,
 * failed or expired, with the time the report gives.
 *
 * Promise: markReport() is one transaction (a savepoint inside Queue.batch()). It changes only a
 * segment in state `sent`: a report for a segment already final, or a `pending` report (the SC
 * still trying), is matched and returned but changes no state. A failed or expired part ends its
 * message as a permanent send error does (store-mark.ts): the parts not yet sent are not sent.
 * A message sent whole in one request (SMPP message_payload) stored the one reference on each of
 * its parts, with the same route and send time: the report settles all of them.
 * No match is not an error: it returns undefined (a report for a send older than the window,
 * another program's send, or a TP-RA we cannot read).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { QueueState } from './migrations.js';
import { REPORT_WINDOW_MS, sameRecipient } from './report-match.js';
import type { ReportMark, ReportMatch } from './types.js';

/** RFC 3463 status kept with the segment for the DSN: delivered, or why not (X.4.7 delivery time expired). */
const REPORT_STATUS: Readonly<Record<ReportMark['state'], string | undefined>> = {
  delivered: '2.0.0',
  failed: '5.0.0',
  expired: '4.4.7',
  pending: undefined,
};

/** Candidates with one reference are few (one per 256 sends on a route); more than this is noise. */
const CANDIDATES = 32;

interface Candidate {
  message_id: string;
  seq: number;
  state: QueueState;
  to_addr: string;
  segments_total: number;
  message_ref: string;
  route: string;
  sent_at: number;
}

export type MarkReport = (mark: ReportMark, now: number) => ReportMatch | undefined;

export function prepareReportMark(db: BetterSqlite3.Database, refresh: (qid: string, now: number, error?: string | null) => void): MarkReport {
  // A report may name its send under several spellings (an SMSC's id in hex and in decimal) and
  // arrive on another route of the same upstream account (SMPP receipts on any bind).
  const candidates = db.prepare<{ refs: string; routes: string; since: number }, Candidate>(
    `SELECT s.message_id, s.seq, s.state, m.to_addr, m.segments_total, s.message_ref, s.route, s.sent_at FROM segments s JOIN messages m ON m.id = s.message_id
     WHERE s.message_ref IN (SELECT value FROM json_each(@refs)) AND s.route IN (SELECT value FROM json_each(@routes)) AND s.sent_at >= @since
     ORDER BY s.sent_at DESC, s.message_id DESC, s.seq DESC LIMIT ${CANDIDATES}`,
  );
  // The parts the same send carried: one, or every part of a message sent whole.
  const sameSend = db.prepare<{ qid: string; ref: string; route: string; sentAt: number }, { seq: number }>(
    'SELECT seq FROM segments WHERE message_id = @qid AND message_ref = @ref AND route = @route AND sent_at = @sentAt ORDER BY seq',
  );
  const settle = db.prepare(
    `UPDATE segments SET state = @state, final_at = @at, last_status = @status, last_diagnostic = @detail
     WHERE message_id = @qid AND seq = @seq AND state = 'sent'`,
  );
  const note = db.prepare(`UPDATE segments SET last_diagnostic = @detail WHERE message_id = @qid AND seq = @seq AND state = 'sent'`);
  const endRest = db.prepare(
    `UPDATE segments SET state = @state, next_attempt_at = NULL, final_at = @now, last_status = @status, last_diagnostic = @detail
     WHERE message_id = @qid AND (state = 'queued' OR (state = 'unknown' AND next_attempt_at IS NOT NULL))`,
  );
  const stateOf = db.prepare<[string, number], { state: QueueState }>('SELECT state FROM segments WHERE message_id = ? AND seq = ?');
  const messageStateOf = db.prepare<[string], { state: QueueState }>('SELECT state FROM messages WHERE id = ?');

  return db.transaction((mark: ReportMark, now: number): ReportMatch | undefined => {
    const refs = JSON.stringify([mark.messageRef, ...(mark.otherRefs ?? [])]);
    const routes = JSON.stringify([mark.route, ...(mark.otherRoutes ?? [])]);
    const rows = candidates.all({ refs, routes, since: now - REPORT_WINDOW_MS });
    const row = rows.find((r) => sameRecipient(r.to_addr, mark.recipient));
    if (row === undefined) return undefined;
    const status = REPORT_STATUS[mark.state];
    const seqs = sameSend.all({ qid: row.message_id, ref: row.message_ref, route: row.route, sentAt: row.sent_at }).map((r) => r.seq);
    let changed = false;
    for (const seq of seqs) {
      const key = { qid: row.message_id, seq, detail: mark.detail };
      if (status === undefined) note.run(key);
      else if (settle.run({ ...key, state: mark.state, at: mark.at ?? now, status }).changes === 1) changed = true;
    }
    if (changed && mark.state !== 'delivered') {
      endRest.run({ qid: row.message_id, state: mark.state, now, status, detail: `not sent: part ${row.seq} ${mark.state}` });
    }
    if (changed) refresh(row.message_id, now, mark.state === 'delivered' ? null : `${status} ${mark.detail}`);
    return {
      qid: row.message_id,
      seq: row.seq,
      ...(seqs.length > 1 ? { seqs } : {}),
      total: row.segments_total,
      to: row.to_addr,
      changed,
      segmentState: stateOf.get(row.message_id, row.seq)?.state ?? row.state,
      messageState: messageStateOf.get(row.message_id)?.state ?? row.state,
    };
  });
}
