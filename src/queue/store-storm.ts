/*
 * store-storm.ts - the reads and marks of the alert-storm rules (SPEC 7; dispatch/storm-rules.ts
 * decides, this does the SQL), each mark its own transaction (a savepoint inside Queue.batch()).
 *
 * Promise: nothing here runs at accept time; the dispatcher calls these inside the batch that
 * also marks the message's first segment `sending`, so a message is started, held, rewritten or
 * coalesced in the same commit as the pick that decided it. A coalesced message's parts end
 * `coalesced` (final, never sent) and the message names the one that carried it; a rewritten
 * carrier has not started, so its parts can be replaced whole (attempts 0, nothing on the wire).
 *
 * The coalescing key is account, destination and the message's original text (its parts
 * joined), for ordinary text only: a message with binary data, a UDH or an explicit DCS came
 * from x-smpp encapsulation (SPEC 5) and is never coalesced. Messages keep the SHA-256 of that
 * text from when they are stored (text_hash, text-hash.ts), so identical ones are found by an
 * index, and a carrier keeps it when its parts get the `(xN) ` count.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Encoding } from '../encode/types.js';
import { deriveMessageState } from './message-state.js';
import type { HoldReason, QueueState } from './migrations.js';
import type { AllocateRef, InsertMessages } from './store-write.js';
import { hashText, plainTextOf } from './text-hash.js';
import type { NewSummary, StormCandidate, StormFacts, StormMessage, StormStore } from './types.js';

interface MessageRow {
  id: string; account: string; to_addr: string; kind: 'mail' | 'summary'; created_at: number; valid_until: number;
  priority: number; status_report: number; encoding: Encoding; held_reason: HoldReason | null; held_until: number | null;
}

interface PartRow {
  text: string; user_data_hex: string | null; udh_hex: string | null; dcs: number | null;
}

/** Ordinary text: what the composer made, not an x-smpp short message. */
const textOf = (encoding: Encoding, parts: readonly PartRow[]): string | undefined =>
  plainTextOf(encoding, parts.map((p) => ({ text: p.text, userDataHex: p.user_data_hex, udhHex: p.udh_hex, dcs: p.dcs })));

export function prepareStormStore(db: BetterSqlite3.Database, insert: InsertMessages, allocateRef: AllocateRef): Omit<StormStore, 'headOf'> {
  const columns = 'id, account, to_addr, kind, created_at, valid_until, priority, status_report, encoding, held_reason, held_until';
  // A retried message's age (the account's max_age) counts from its retry (migration 8).
  const messageOf = db.prepare<[string], MessageRow>(`SELECT ${columns.replace('created_at', 'COALESCE(retried_at, created_at) AS created_at')} FROM messages WHERE id = ?`);
  const partsOf = db.prepare<[string], PartRow>('SELECT text, user_data_hex, udh_hex, dcs FROM segments WHERE message_id = ? ORDER BY seq');
  const lastIdentical = db.prepare<{ to: string; since: number; account: string; hash: string; qid: string }, { at: number | null }>(
    `SELECT max(started_at) AS at FROM messages
     WHERE to_addr = @to AND started_at >= @since AND account = @account AND text_hash = @hash AND id != @qid`,
  );
  // Open messages to the number with that text, not started, from mail (messages_waiting_by_text).
  const notStarted = db.prepare<{ to: string; account: string; qid: string; hash: string }, Omit<MessageRow, 'held_reason' | 'held_until' | 'encoding' | 'kind' | 'to_addr' | 'account'>>(
    `SELECT id, created_at, valid_until, priority, status_report FROM messages
     WHERE to_addr = @to AND text_hash = @hash AND final_at IS NULL AND started_at IS NULL AND account = @account AND kind = 'mail'
       AND id != @qid ORDER BY created_at, id`,
  );
  const heldEnded = db.prepare<{ to: string; account: string; now: number }, MessageRow>(
    `SELECT ${columns} FROM messages
     WHERE to_addr = @to AND account = @account AND held_reason = 'hourly-cap' AND final_at IS NULL AND held_until <= @now
     ORDER BY created_at, id`,
  );
  const windowOf = db.prepare<{ account: string; to: string }, { opened_at: number; started: number }>(
    'SELECT opened_at, started FROM hour_windows WHERE account = @account AND to_addr = @to',
  );
  const start = db.prepare('UPDATE messages SET started_at = @now, held_reason = NULL, held_until = NULL WHERE id = @qid AND started_at IS NULL');
  const setWindow = db.prepare(
    `INSERT INTO hour_windows (account, to_addr, opened_at, started) VALUES (@account, @to, @openedAt, @started)
     ON CONFLICT (account, to_addr) DO UPDATE SET opened_at = excluded.opened_at, started = excluded.started`,
  );
  const hold = db.prepare('UPDATE messages SET held_reason = @reason, held_until = @until WHERE id = @qid AND final_at IS NULL');
  const holdParts = db.prepare(`UPDATE segments SET next_attempt_at = @at WHERE message_id = @qid AND state = 'queued'`);
  const coalesceParts = db.prepare(
    `UPDATE segments SET state = 'coalesced', next_attempt_at = NULL, final_at = @now, last_diagnostic = @diagnostic
     WHERE message_id = @qid AND state = 'queued'`,
  );
  const states = db.prepare<[string], { state: QueueState; waiting: number }>(
    'SELECT state, next_attempt_at IS NOT NULL AS waiting FROM segments WHERE message_id = ?',
  );
  const coalesceMessage = db.prepare(
    `UPDATE messages SET state = @state, final_at = CASE WHEN @final = 1 THEN COALESCE(final_at, @now) ELSE NULL END,
       coalesced_into = @into, coalesce_reason = @reason, held_reason = NULL WHERE id = @qid AND final_at IS NULL`,
  );
  const dropParts = db.prepare('DELETE FROM segments WHERE message_id = ?');
  const addPart = db.prepare(
    `INSERT INTO segments (message_id, seq, state, text, next_attempt_at) VALUES (@qid, @seq, 'queued', @text, @now)`,
  );
  const resize = db.prepare(
    `UPDATE messages SET encoding = @encoding, segments_total = @total, concat_ref = @ref, status_report = @statusReport WHERE id = @qid`,
  );
  const refOf = db.prepare<[string], { concat_ref: number | null; to_addr: string }>('SELECT concat_ref, to_addr FROM messages WHERE id = ?');
  // A summary is never coalesced, nor waits for one: it has no coalescing key.
  const markSummary = db.prepare(`UPDATE messages SET kind = 'summary', text_hash = NULL WHERE id = ?`);

  const messageView = (row: MessageRow): StormMessage => ({
    qid: row.id,
    account: row.account,
    to: row.to_addr,
    kind: row.kind,
    createdAt: row.created_at,
    validUntil: row.valid_until,
    priority: row.priority,
    statusReport: row.status_report === 1,
    encoding: row.encoding,
    text: textOf(row.encoding, partsOf.all(row.id)),
    heldReason: row.held_reason,
    heldUntil: row.held_until,
  });
  const candidate = (m: StormMessage): StormCandidate[] =>
    m.text === undefined ? [] : [{ qid: m.qid, createdAt: m.createdAt, validUntil: m.validUntil, statusReport: m.statusReport, priority: m.priority, text: m.text }];

  return {
    stormFacts(qid, now, identicalSince): StormFacts | undefined {
      const row = messageOf.get(qid);
      if (row === undefined) return undefined;
      const message = messageView(row);
      const key = { to: row.to_addr, account: row.account, qid };
      const text = message.text;
      const coalescing = identicalSince !== undefined && text !== undefined && message.kind === 'mail';
      const hash = coalescing ? hashText(text) : '';
      const at = coalescing ? lastIdentical.get({ ...key, since: identicalSince, hash })?.at : undefined;
      const identical: StormCandidate[] = coalescing
        ? notStarted.all({ ...key, hash }).map((r) => ({ qid: r.id, createdAt: r.created_at, validUntil: r.valid_until, statusReport: r.status_report === 1, priority: r.priority, text }))
        : [];
      const held = message.heldReason === 'hourly-cap' ? heldEnded.all({ to: row.to_addr, account: row.account, now }).map(messageView).flatMap(candidate) : [];
      const window = windowOf.get({ account: row.account, to: row.to_addr });
      return {
        message,
        lastIdenticalStartAt: at ?? undefined,
        identical,
        window: window === undefined ? undefined : { openedAt: window.opened_at, started: window.started },
        heldEnded: held,
      };
    },
    markStarted: db.transaction((qid: string, now: number, window: { readonly openedAt: number; readonly started: number } | undefined) => {
      const row = messageOf.get(qid);
      if (row === undefined) throw new Error(`queue: markStarted ${qid} matched no message`);
      start.run({ qid, now });
      if (window !== undefined) setWindow.run({ account: row.account, to: row.to_addr, ...window });
    }),
    markHeld: db.transaction((qid: string, reason: HoldReason, until: number, attemptAt: number) => {
      hold.run({ qid, reason, until });
      holdParts.run({ qid, at: attemptAt });
    }),
    markCoalesced: db.transaction((qids: readonly string[], into: string, reason: HoldReason, now: number) => {
      const diagnostic = reason === 'identical' ? `coalesced: sent in ${into} with the identical messages` : `coalesced: held by the hourly cap, counted in the summary ${into}`;
      for (const qid of qids) {
        coalesceParts.run({ qid, now, diagnostic });
        const derived = deriveMessageState(states.all(qid).map((s) => ({ state: s.state, waiting: s.waiting === 1 })));
        coalesceMessage.run({ qid, state: derived.state, final: derived.final ? 1 : 0, now, into, reason });
      }
    }),
    rewriteParts: db.transaction((qid: string, encoding: Encoding, parts: readonly string[], concatenated: boolean, statusReport: boolean, now: number) => {
      const current = refOf.get(qid);
      if (current === undefined) throw new Error(`queue: rewriteParts ${qid} matched no message`);
      dropParts.run(qid);
      parts.forEach((text, index) => addPart.run({ qid, seq: index + 1, text, now }));
      // A single part carries no concatenation header; a long one keeps its reference or gets one.
      const ref = concatenated && parts.length > 1 ? (current.concat_ref ?? allocateRef(current.to_addr)) : null;
      resize.run({ qid, encoding, total: parts.length, ref, statusReport: statusReport ? 1 : 0 });
    }),
    insertSummary: db.transaction((summary: NewSummary, now: number): string => {
      const [id] = insert(
        [
          {
            mailId: 'summary',
            to: summary.to,
            from: '', // the gateway's own message: nobody to notify (its carried messages are told)
            account: summary.account,
            userEmail: '',
            encoding: summary.encoding,
            parts: summary.parts.map((text) => ({ text })),
            concatenated: summary.concatenated,
            priority: summary.priority,
            validUntil: summary.validUntil,
            statusReport: summary.statusReport,
            notify: { success: false, failure: false },
          },
        ],
        now,
      );
      if (id === undefined) throw new Error('queue: insertSummary made no message');
      markSummary.run(id);
      return id;
    }),
  };
}
