/*
 * store-receive.ts - commit each received SMS part to SQLite (SPEC 10), and make an `inbound`
 * row of a message once all its parts are in, or once the wait for the missing ones ran out.
 *
 * Promise: receive() is one IMMEDIATE transaction: the part is stored, and when it completes
 * its message the inbound row is inserted (state received, due now) and the parts point to it,
 * all or nothing, so a transport that lets go of a part (AT+CMGD, deliver_sm_resp) only after
 * receive() returned loses none, across restarts too. A part given twice is kept once and makes
 * no second message: the same sender and raw PDU already stored is a duplicate; a part without
 * a time stamp (SMPP has none) is a duplicate only within DUPLICATE_WINDOW_MS of the stored
 * one, since the same person may send the same text again later. Waiting parts are keyed by
 * sender, reference, total and reference size (8- and 16-bit references are different
 * messages), never by route.
 *
 * Limits: a part that arrives after its message was flushed as partial waits as a new partial
 * message of its own. A sender who reuses a reference while an earlier message with it still
 * waits gets parts of both joined (the first of each part number wins), as a phone would.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { ReceivedPart } from '../transports/transport.js';
import { assembleParts, type WaitingPart } from './reassemble.js';

/** A part without TP-SCTS counts as a resend of the same stored raw within this window. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

export type ReceiveResult = { readonly kind: 'duplicate' } | { readonly kind: 'waiting' } | { readonly kind: 'complete'; readonly id: string };

export interface Receiver {
  receive(part: ReceivedPart, route: string, now: number): ReceiveResult;
  /** Makes inbound rows of the partial messages whose first part arrived more than waitMs ago; returns their ids. */
  flushPartials(now: number, waitMs: number): string[];
}

interface PartRow {
  readonly id: number;
  readonly route: string;
  readonly sender: string;
  readonly sender_kind: string;
  readonly encoding: WaitingPart['encoding'];
  readonly text: string;
  readonly data_hex: string | null;
  readonly parts_total: number;
  readonly seq: number;
  readonly flash: number;
  readonly sent_at: number | null;
  readonly received_at: number;
}

interface GroupKey {
  readonly sender: string;
  readonly concat_ref: number;
  readonly parts_total: number;
  readonly ref_bits: number;
}

export function createReceiver(db: BetterSqlite3.Database, options: { readonly newId: (now: number) => string }): Receiver {
  const sameRaw = db.prepare('SELECT sent_at, received_at FROM inbound_parts WHERE sender = ? AND raw = ? ORDER BY received_at DESC LIMIT 1');
  const insertPart = db.prepare(
    `INSERT INTO inbound_parts (route, sender, sender_kind, encoding, text, data_hex, concat_ref, ref_bits, parts_total, seq, flash, sent_at, received_at, raw)
     VALUES (@route, @sender, @sender_kind, @encoding, @text, @data_hex, @concat_ref, @ref_bits, @parts_total, @seq, @flash, @sent_at, @received_at, @raw)`,
  );
  const waitingOf = db.prepare(
    `SELECT * FROM inbound_parts WHERE inbound_id IS NULL AND sender = @sender AND concat_ref = @concat_ref AND parts_total = @parts_total AND ref_bits = @ref_bits ORDER BY id`,
  );
  const partById = db.prepare('SELECT * FROM inbound_parts WHERE id = ?');
  const overdue = db.prepare(
    `SELECT sender, concat_ref, parts_total, ref_bits FROM inbound_parts WHERE inbound_id IS NULL AND concat_ref IS NOT NULL
     GROUP BY sender, concat_ref, parts_total, ref_bits HAVING MIN(received_at) < @before ORDER BY MIN(id)`,
  );
  const insertInbound = db.prepare(
    `INSERT INTO inbound (id, state, route, sender, sender_kind, encoding, text, data_hex, parts_total, parts_missing, flash, sent_at, received_at, next_attempt_at)
     VALUES (@id, 'received', @route, @sender, @sender_kind, @encoding, @text, @data_hex, @parts_total, @parts_missing, @flash, @sent_at, @received_at, @next_attempt_at)`,
  );
  const joinPart = db.prepare('UPDATE inbound_parts SET inbound_id = ? WHERE id = ?');

  const isDuplicate = (part: ReceivedPart, now: number): boolean => {
    const stored = sameRaw.get(part.from, part.raw) as { sent_at: number | null; received_at: number } | undefined;
    if (stored === undefined) return false;
    return part.sentAt !== undefined || now - stored.received_at <= DUPLICATE_WINDOW_MS;
  };

  /** Inserts the inbound row of these parts (one message) and points the parts to it. */
  const makeMessage = (rows: readonly PartRow[], total: number, now: number): string => {
    const assembled = assembleParts(rows.map(toWaitingPart), total);
    const first = [...rows].sort((a, b) => a.seq - b.seq)[0] ?? rows[0];
    const last = rows[rows.length - 1];
    if (first === undefined || last === undefined) throw new Error('a message needs at least one part');
    const id = options.newId(now);
    insertInbound.run({
      id,
      route: last.route,
      sender: first.sender,
      sender_kind: first.sender_kind,
      encoding: assembled.encoding,
      text: assembled.text,
      data_hex: assembled.dataHex ?? null,
      parts_total: total,
      parts_missing: assembled.complete ? null : JSON.stringify(assembled.missing),
      flash: rows.some((r) => r.flash === 1) ? 1 : 0,
      sent_at: first.sent_at,
      received_at: Math.max(...rows.map((r) => r.received_at)),
      next_attempt_at: now,
    });
    for (const row of rows) joinPart.run(id, row.id);
    return id;
  };

  const receive = db.transaction((part: ReceivedPart, route: string, now: number): ReceiveResult => {
    if (isDuplicate(part, now)) return { kind: 'duplicate' };
    const concat = part.concat !== undefined && part.concat.total > 1 ? part.concat : undefined;
    const key = concat === undefined ? undefined : { sender: part.from, concat_ref: concat.ref, parts_total: concat.total, ref_bits: concat.refBits };
    const { lastInsertRowid } = insertPart.run({
      route,
      sender: part.from,
      sender_kind: part.fromKind,
      encoding: part.encoding,
      text: part.text,
      data_hex: part.dataHex ?? null,
      concat_ref: key?.concat_ref ?? null,
      ref_bits: key?.ref_bits ?? null,
      parts_total: concat?.total ?? 1,
      seq: concat?.seq ?? 1,
      flash: part.flash === true ? 1 : 0,
      sent_at: part.sentAt ?? null,
      received_at: now,
      raw: part.raw,
    });
    if (key === undefined) return { kind: 'complete', id: makeMessage([partById.get(lastInsertRowid) as PartRow], 1, now) };
    const rows = waitingOf.all(key) as PartRow[];
    if (new Set(rows.map((r) => r.seq)).size < key.parts_total) return { kind: 'waiting' };
    return { kind: 'complete', id: makeMessage(rows, key.parts_total, now) };
  });

  const flushPartials = db.transaction((now: number, waitMs: number): string[] =>
    (overdue.all({ before: now - waitMs }) as GroupKey[]).map((key) => makeMessage(waitingOf.all(key) as PartRow[], key.parts_total, now)),
  );

  return {
    receive: (part, route, now) => receive.immediate(part, route, now),
    flushPartials: (now, waitMs) => flushPartials.immediate(now, waitMs),
  };
}

function toWaitingPart(row: PartRow): WaitingPart {
  return { seq: row.seq, encoding: row.encoding, text: row.text, ...(row.data_hex !== null ? { dataHex: row.data_hex } : {}) };
}
