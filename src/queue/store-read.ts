/*
 * store-read.ts - what the dispatcher and the CLI read from the queue.
 *
 * The ready query keeps SPEC 7's order: higher priority first, then older messages first, and
 * within a message part n + 1 only once part n is out (sent, delivered, or unknown and not to
 * be resent), so a phone receives a long message's parts in order and never two at once.
 * A message's head is its first part that is not out; it is ready when its next attempt is
 * due. (Only parts that are not out carry a next attempt: sent and delivered parts have none.)
 * `queue show` also says what the alert-storm rules did with a message (SPEC 7, migration 5).
 * lastAlertTo finds the alert an inbound SMS answers (SPEC 10, migration 7).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Encoding } from '../encode/types.js';
import { GatewayError } from '../errors.js';
import { perLimit } from '../state/index.js';
import type { OutboundSegment } from '../transports/transport.js';
import type { HoldReason, QueueState } from './migrations.js';
import type { AlertRef, Backlog, DsnMark, MessageDetail, MessageSummary, NoticeDetail, ReadySegment, SegmentDetail, StormDetail } from './types.js';

/** A part is out: it will not be sent again (sent, delivered, or unknown and not to be resent). */
const IS_OUT = (p: string): string =>
  `(${p}.state IN ('sent', 'delivered') OR (${p}.state = 'unknown' AND ${p}.next_attempt_at IS NULL))`;

/** A segment is next in its message when every earlier part is out. */
const IS_HEAD = `NOT EXISTS (
  SELECT 1 FROM segments p WHERE p.message_id = s.message_id AND p.seq < s.seq AND NOT ${IS_OUT('p')})`;

/** The head of message m: its first part that is not out (primary key walk, stops at the first). */
const HEAD_SEQ = `(SELECT p.seq FROM segments p WHERE p.message_id = m.id AND NOT ${IS_OUT('p')} ORDER BY p.seq LIMIT 1)`;

const READY_COLUMNS = `s.message_id, s.seq, s.state, s.text, s.user_data_hex, s.udh_hex, s.dcs, s.pid, s.validity_minutes,
    s.attempts, m.to_addr, m.encoding, m.segments_total, m.concat_ref, m.status_report, m.notify_failure, m.priority, m.sender_id, m.account, m.created_at, m.valid_until, m.started_at`;

/** Open messages the ready query walks before it falls back to sorting the due segments. */
export const WALK_WINDOW = 256;

/*
 * The ready query walks the first WALK_WINDOW open messages in send order (index
 * messages_send_order, migration 2) and looks up each one's head by primary key; CROSS JOIN
 * keeps messages the outer loop, so SQLite needs no sort and stops at LIMIT. A message has at
 * most one head, so (priority, created_at, id) is the whole order. The first ready head inside
 * the window is the first overall, since every message before it was looked at.
 */
export const READY_SQL = `SELECT ${READY_COLUMNS}
  FROM (SELECT * FROM messages WHERE final_at IS NULL ORDER BY priority DESC, created_at ASC, id ASC LIMIT ${WALK_WINDOW}) m
    CROSS JOIN segments s
  WHERE s.message_id = m.id AND s.seq = ${HEAD_SEQ}
    AND s.next_attempt_at IS NOT NULL AND s.next_attempt_at <= @now
  ORDER BY m.priority DESC, m.created_at ASC, m.id ASC LIMIT @limit`;

/*
 * Fallback when the window holds no ready head (more than WALK_WINDOW messages in flight or
 * deferred ahead of it, or nothing due): the due segments (segments_ready range) sorted. It
 * costs what the whole query cost before version 2, but only in that case, and it is cheap
 * when little is due.
 */
export const READY_SORTED_SQL = `SELECT ${READY_COLUMNS}
  FROM segments s JOIN messages m ON m.id = s.message_id
  WHERE s.next_attempt_at IS NOT NULL AND s.next_attempt_at <= @now AND m.final_at IS NULL AND ${IS_HEAD}
  ORDER BY m.priority DESC, m.created_at ASC, m.id ASC, s.seq ASC LIMIT @limit`;

/** The head of one open message, whether due or not (after the dispatcher rewrote it or made it). */
export const HEAD_OF_SQL = `SELECT ${READY_COLUMNS} FROM messages m JOIN segments s ON s.message_id = m.id
  WHERE m.id = @qid AND m.final_at IS NULL AND s.seq = ${HEAD_SEQ}`;

/** Every part of one open message, with its next attempt (wholeMessage: all must be due). */
export const PARTS_OF_SQL = `SELECT ${READY_COLUMNS}, s.next_attempt_at FROM messages m JOIN segments s ON s.message_id = m.id
  WHERE m.id = @qid AND m.final_at IS NULL ORDER BY s.seq`;

/** Walks segments_ready in time order and stops at the first head (no aggregate over all rows). */
export const WAKE_SQL = `SELECT s.next_attempt_at AS at FROM segments s JOIN messages m ON m.id = s.message_id
  WHERE s.next_attempt_at IS NOT NULL AND m.final_at IS NULL AND ${IS_HEAD}
  ORDER BY s.next_attempt_at LIMIT 1`;

interface ReadyRow {
  message_id: string; seq: number; state: QueueState; started_at: number | null; text: string; user_data_hex: string | null; udh_hex: string | null;
  dcs: number | null; pid: number | null; validity_minutes: number | null; attempts: number;
  to_addr: string; encoding: Encoding; segments_total: number; concat_ref: number | null;
  status_report: number; notify_failure: number; priority: number; sender_id: string | null;
  account: string; created_at: number; valid_until: number;
}

interface MessageRow {
  id: string; mail_id: string; state: QueueState; to_addr: string; from_addr: string; account: string;
  user_email: string; encoding: Encoding; segments_total: number; concat_ref: number | null; priority: number;
  created_at: number; valid_until: number; notify_success: number; notify_failure: number;
  status_report: number; last_error: string | null; final_at: number | null;
  kind: 'mail' | 'summary'; started_at: number | null; coalesced_into: string | null; coalesce_reason: HoldReason | null;
  held_reason: HoldReason | null; held_until: number | null;
}

interface SegmentRow {
  seq: number; state: QueueState; attempts: number; next_attempt_at: number | null; message_ref: string | null;
  route: string | null; sent_at: number | null; last_status: string | null; last_diagnostic: string | null;
  final_at: number | null; text: string;
}

/*
 * The alert an SMS from `to` answers: the newest message to that number accepted at or after
 * `since` (index messages_by_destination_created, walked newest first), made of a mail (not an
 * hourly summary, which has no sender), of which a part may have reached the phone: sent,
 * delivered, or unknown (it may have gone out). Not one still waiting or sending, nor one that
 * failed, expired, was cancelled or coalesced: the phone never got its text (a coalesced alert's
 * text went out in its carrier, which is found instead). Of two accepted in the same millisecond,
 * the one inserted last (the index's own rowid order: no sort).
 */
export const LAST_ALERT_SQL = `SELECT m.id, m.account, m.user_email, m.reply_addr, m.mail_subject, m.mail_message_id, m.created_at
  FROM messages m
  WHERE m.to_addr = @to AND m.created_at >= @since AND m.kind = 'mail'
    AND EXISTS (SELECT 1 FROM segments s WHERE s.message_id = m.id AND s.state IN ('sent', 'delivered', 'unknown'))
  ORDER BY m.created_at DESC, m.rowid DESC LIMIT 1`;

interface AlertRow {
  id: string; account: string; user_email: string; reply_addr: string | null; mail_subject: string | null;
  mail_message_id: string | null; created_at: number;
}

interface NoticeRow {
  dsn: DsnMark | null; dsn_at: number | null; attempts: number; last_error: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function toOutbound(row: ReadyRow): OutboundSegment {
  return {
    qid: row.message_id,
    seq: row.seq,
    total: row.segments_total,
    destination: row.to_addr,
    encoding: row.encoding,
    text: row.text,
    statusReport: row.status_report === 1,
    ...(row.notify_failure === 1 ? { failureReport: true } : {}),
    ...(row.priority > 0 ? { priority: row.priority } : {}),
    ...(row.sender_id === null ? {} : { senderId: row.sender_id }),
    validUntil: row.valid_until,
    ...(row.user_data_hex === null ? {} : { userDataHex: row.user_data_hex }),
    ...(row.udh_hex === null ? {} : { udhHex: row.udh_hex }),
    ...(row.dcs === null ? {} : { dcs: row.dcs }),
    ...(row.pid === null ? {} : { pid: row.pid }),
    ...(row.validity_minutes === null ? {} : { validityMinutes: row.validity_minutes }),
    ...(row.concat_ref === null ? {} : { concat: { ref: row.concat_ref, total: row.segments_total, seq: row.seq } }),
  };
}

/** The dispatcher's view of a head segment. */
function toReady(row: ReadyRow): ReadySegment {
  return {
    segment: toOutbound(row),
    account: row.account,
    createdAt: row.created_at,
    validUntil: row.valid_until,
    attempts: row.attempts,
    started: row.started_at !== null,
    unsent: row.seq === 1 && row.state === 'queued',
    resending: row.state === 'unknown',
  };
}

export interface QueueReader {
  nextReady(now: number, excludeQids?: ReadonlySet<string>): ReadySegment | undefined;
  readyBatch(now: number, excludeQids: ReadonlySet<string>, limit: number): ReadySegment[];
  wholeMessage(qid: string, now: number): readonly ReadySegment[] | undefined;
  headOf(qid: string): ReadySegment | undefined;
  nextWakeAt(): number | undefined;
  list(options?: { readonly limit?: number; readonly state?: QueueState }): MessageSummary[];
  show(id: string): MessageDetail;
  /**
   * SMS segments of the messages `userEmail` had accepted at or after `since` (SPEC 2 quota, a
   * rolling window), whatever their state except failed or expired: a refused or expired
   * message did not use the network, a queued or unknown one may have.
   */
  segmentsSince(userEmail: string, since: number): number;
  /** The work not finished yet, for /metrics and /healthz: segments of open messages by state, and the oldest open message. */
  backlog(): Backlog;
  /** The alert an SMS from `number` ('+' and digits, as the queue stores destinations) answers, accepted at or after `since` (LAST_ALERT_SQL). */
  lastAlertTo(number: string, since: number): AlertRef | undefined;
}

export function prepareReader(db: BetterSqlite3.Database): QueueReader {
  const ready = perLimit(READY_SQL, (sql) => db.prepare<{ now: number }, ReadyRow>(sql));
  const readySorted = perLimit(READY_SORTED_SQL, (sql) => db.prepare<{ now: number }, ReadyRow>(sql));
  // One probe of segments_ready: when nothing at all is due, neither query needs to run.
  const anyDue = db.prepare<{ now: number }, { due: number }>(
    'SELECT 1 AS due FROM segments WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= @now LIMIT 1',
  );
  const wake = db.prepare<[], { at: number }>(WAKE_SQL);
  const listAll = perLimit('SELECT * FROM messages ORDER BY created_at DESC, id DESC LIMIT @limit', (sql) => db.prepare<[], MessageRow>(sql));
  const listState = perLimit('SELECT * FROM messages WHERE state = @state ORDER BY created_at DESC, id DESC LIMIT @limit', (sql) =>
    db.prepare<{ state: string }, MessageRow>(sql),
  );
  const oneMessage = db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?');
  const segmentsOf = db.prepare<[string], SegmentRow>('SELECT * FROM segments WHERE message_id = ? ORDER BY seq');
  const headOf = db.prepare<{ qid: string }, ReadyRow>(HEAD_OF_SQL);
  const partsOf = db.prepare<{ qid: string }, ReadyRow & { next_attempt_at: number | null }>(PARTS_OF_SQL);
  const carriedBy = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM messages WHERE coalesced_into = ?');
  const noticeOf = db.prepare<[string], NoticeRow>('SELECT dsn, dsn_at, attempts, last_error FROM message_dsn WHERE message_id = ?');
  const usedSince = db.prepare<{ user: string; since: number }, { used: number }>(
    `SELECT coalesce(sum(segments_total), 0) AS used FROM messages
      WHERE user_email = @user AND created_at >= @since AND state NOT IN ('failed', 'expired', 'coalesced', 'cancelled')`,
  );
  // Open messages only (messages_send_order is partial on final_at IS NULL): cheap while little waits.
  const openSegments = db.prepare<[], { state: QueueState; n: number }>(
    'SELECT s.state AS state, count(*) AS n FROM messages m JOIN segments s ON s.message_id = m.id WHERE m.final_at IS NULL GROUP BY s.state',
  );
  const oldestOpen = db.prepare<[], { at: number | null }>('SELECT min(created_at) AS at FROM messages WHERE final_at IS NULL');
  const lastAlert = db.prepare<{ to: string; since: number }, AlertRow>(LAST_ALERT_SQL);

  /**
   * Up to `limit` heads, in send order, none of an excluded message. An excluded message in
   * flight has no ready head (its part in flight is its head), so `limit` rows nearly always
   * suffice; only when excluded ones took places are `limit` + size rows read (each excluded
   * message contributes at most one head). The window's heads come first; the sorted query
   * only when the window holds none, so a batch may be short of heads behind the window: the
   * next call, which finds the window's taken, reaches them.
   */
  const headsFrom = (query: typeof ready, now: number, excludeQids: ReadonlySet<string>, limit: number): ReadyRow[] => {
    const usable = (rows: ReadyRow[]): ReadyRow[] => (excludeQids.size === 0 ? rows : rows.filter((r) => !excludeQids.has(r.message_id)));
    const rows = query(limit).all({ now });
    const heads = usable(rows);
    if (heads.length === rows.length || rows.length < limit) return heads;
    return usable(query(limit + excludeQids.size).all({ now })).slice(0, limit);
  };
  const readyBatch = (now: number, excludeQids: ReadonlySet<string>, limit: number): ReadySegment[] => {
    if (limit <= 0 || anyDue.get({ now }) === undefined) return [];
    const heads = headsFrom(ready, now, excludeQids, limit);
    return (heads.length > 0 ? heads : headsFrom(readySorted, now, excludeQids, limit)).map(toReady);
  };

  return {
    nextReady(now, excludeQids = new Set()) {
      return readyBatch(now, excludeQids, 1)[0];
    },
    readyBatch,
    wholeMessage(qid, now) {
      // Only parts not out and not in flight carry a next attempt (queued, or unknown to resend).
      const rows = partsOf.all({ qid });
      const due = rows.length > 0 && rows.length === rows[0]?.segments_total && rows.every((r) => r.next_attempt_at !== null && r.next_attempt_at <= now);
      return due ? rows.map(toReady) : undefined;
    },
    headOf(qid) {
      const row = headOf.get({ qid });
      return row === undefined ? undefined : toReady(row);
    },
    nextWakeAt() {
      return wake.get()?.at ?? undefined;
    },
    list(options = {}) {
      const limit = options.limit ?? 1000;
      const rows = options.state === undefined ? listAll(limit).all() : listState(limit).all({ state: options.state });
      return rows.map(summarise);
    },
    show(id) {
      const row = oneMessage.get(id);
      if (row === undefined) throw new GatewayError('M2S_QUEUE_NOT_FOUND', `no message with queue id ${id}`);
      const notice = noticeOf.get(id);
      const storm = stormDetail(row, carriedBy.get(id)?.n ?? 0);
      const parts = segmentsOf.all(id).map(segmentDetail);
      return { ...summarise(row), ...detail(row), text: parts.map((p) => p.text).join(''), notice: notice === undefined ? null : noticeDetail(notice), storm, parts };
    },
    segmentsSince(userEmail, since) {
      return usedSince.get({ user: userEmail, since })?.used ?? 0;
    },
    backlog() {
      const segments: Partial<Record<QueueState, number>> = {};
      for (const row of openSegments.all()) segments[row.state] = row.n;
      return { segments, oldestOpenAt: oldestOpen.get()?.at ?? undefined };
    },
    lastAlertTo(number, since) {
      const row = lastAlert.get({ to: number, since });
      return row === undefined ? undefined : alertRef(row);
    },
  };
}

function alertRef(row: AlertRow): AlertRef {
  return {
    qid: row.id,
    account: row.account,
    userEmail: row.user_email,
    replyAddr: row.reply_addr ?? row.user_email,
    subject: row.mail_subject ?? undefined,
    messageId: row.mail_message_id ?? undefined,
    createdAt: row.created_at,
  };
}

function summarise(row: MessageRow): MessageSummary {
  return { id: row.id, state: row.state, to: row.to_addr, from: row.from_addr, segments: row.segments_total, created: new Date(row.created_at).toISOString() };
}

function detail(row: MessageRow): Omit<MessageDetail, keyof MessageSummary | 'parts' | 'notice' | 'storm' | 'text'> {
  return {
    mailId: row.mail_id,
    account: row.account,
    userEmail: row.user_email,
    encoding: row.encoding,
    concatRef: row.concat_ref,
    priority: row.priority,
    validUntil: new Date(row.valid_until).toISOString(),
    statusReport: row.status_report === 1,
    notify: { success: row.notify_success === 1, failure: row.notify_failure === 1 },
    lastError: row.last_error,
    finalAt: iso(row.final_at),
  };
}

function stormDetail(row: MessageRow, carried: number): StormDetail {
  return {
    kind: row.kind,
    startedAt: iso(row.started_at),
    coalescedInto: row.coalesced_into,
    coalesceReason: row.coalesce_reason,
    heldReason: row.held_reason,
    heldUntil: iso(row.held_until),
    carried,
  };
}

/** The delivery status notification of the message (SPEC 8): `pending` until it is decided. */
function noticeDetail(row: NoticeRow): NoticeDetail {
  return { state: row.dsn ?? 'pending', at: iso(row.dsn_at), attempts: row.attempts, lastError: row.last_error };
}

function segmentDetail(row: SegmentRow): SegmentDetail {
  return {
    seq: row.seq,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    messageRef: row.message_ref,
    route: row.route,
    sentAt: iso(row.sent_at),
    lastStatus: row.last_status,
    lastDiagnostic: row.last_diagnostic,
    finalAt: iso(row.final_at),
    text: row.text,
  };
}
