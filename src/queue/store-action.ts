/*
 * store-action.ts - what an operator does to the queue (SPEC 11 `queue retry|cancel|purge|stats`),
 * each its own transaction.
 *
 * - retry(id): a message that ended failed, expired, unknown or cancelled goes back to `queued`:
 *   every part not out (failed, expired, cancelled) is queued again, a part that may have gone out
 *   (unknown) is resent, each due now with its attempts counted from 0 (the backoff starts over);
 *   its validity is renewed (the same length as at acceptance, from now) when it would end sooner,
 *   the account's max age counts from now (migration 8), holds of the storm rules are lifted, and
 *   its delivery notice is undecided again, so the new outcome is reported. A message still
 *   waiting (queued, or unknown to resend) is made due now. Refused: one in flight (`sending`),
 *   and one that went out or whose text went out in another (sent, delivered, coalesced).
 * - cancel(id): an open message ends `cancelled`: its parts not sent yet are never sent; a part
 *   in flight is let finish, its outcome recorded, and the message stays cancelled (store-mark.ts
 *   refresh). No delivery notice is sent for it (as Postfix's `postsuper -d` bounces nothing),
 *   nor for the messages coalesced into it (their text was to go out in it; their notice follows
 *   it and would otherwise wait forever); a retry of it undecides theirs again with its own.
 *   Refused: a message already final, and one whose remaining parts are all in flight (nothing
 *   left to stop).
 * - purge(before): deletes final messages that ended before `before` (their parts and notice rows
 *   with them), except carriers of a message kept and, unless told the box makes no notices (no
 *   smarthost), those whose notice is not decided yet.
 * - overview(now): counts for an operator.
 * The caller wakes the dispatcher after a retry (the queue does not know it).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import { STATES, type QueueState } from './migrations.js';
import { UNSENT, type RefreshMessage } from './store-mark.js';
import type { CancelResult, PurgeResult, QueueActions, QueueOverview, RetryResult } from './types.js';

/** The notice note of a message coalesced into a carrier an operator cancelled. */
const CARRIER_CANCELLED = 'its text was to go out in a message cancelled by an operator';

/** Message states retry takes; a waiting one (queued, unknown to resend) is made due now. */
const RETRYABLE: ReadonlySet<QueueState> = new Set(['failed', 'expired', 'unknown', 'cancelled', 'queued']);

interface Row { state: QueueState; created_at: number; valid_until: number; final_at: number | null }

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function wrongState(id: string, state: QueueState, why: string): GatewayError {
  return new GatewayError('M2S_QUEUE_WRONG_STATE', `message ${id} is ${state}: ${why}`);
}

export function prepareActions(db: BetterSqlite3.Database, refresh: RefreshMessage): QueueActions {
  const messageOf = db.prepare<[string], Row>('SELECT state, created_at, valid_until, final_at FROM messages WHERE id = ?');
  const requeue = db.prepare(
    `UPDATE segments SET state = CASE WHEN state = 'unknown' THEN 'unknown' ELSE 'queued' END, next_attempt_at = @now,
       attempts = 0, final_at = NULL
     WHERE message_id = @id AND (state IN ('failed', 'expired', 'cancelled', 'queued') OR state = 'unknown')`,
  );
  const reopen = db.prepare(
    `UPDATE messages SET final_at = NULL, last_error = NULL, retried_at = @now, held_reason = NULL, held_until = NULL,
       valid_until = MAX(valid_until, @now + (valid_until - created_at)) WHERE id = @id`,
  );
  const undecide = db.prepare('UPDATE message_dsn SET dsn = NULL, dsn_at = NULL, attempts = 0, last_error = NULL WHERE message_id = ?');
  const cancelParts = db.prepare(
    `UPDATE segments SET state = 'cancelled', next_attempt_at = NULL, final_at = @now, last_diagnostic = 'cancelled by an operator; not sent'
     WHERE message_id = @id AND ${UNSENT}`,
  );
  const inFlight = db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM segments WHERE message_id = ? AND state = 'sending'");
  const noNotice = db.prepare("UPDATE message_dsn SET dsn = 'none', dsn_at = @now, last_error = 'cancelled by an operator' WHERE message_id = @id AND dsn IS NULL");
  // The messages whose text was to go out in a cancelled carrier follow it: no notice, and undecided
  // again when it is retried (their outcome is the carrier's, report-plan.ts).
  const noNoticeOfCarried = db.prepare(
    `UPDATE message_dsn SET dsn = 'none', dsn_at = @now, last_error = '${CARRIER_CANCELLED}'
      WHERE dsn IS NULL AND message_id IN (SELECT id FROM messages WHERE coalesced_into = @id)`,
  );
  const undecideCarried = db.prepare(
    `UPDATE message_dsn SET dsn = NULL, dsn_at = NULL, attempts = 0, last_error = NULL
      WHERE dsn = 'none' AND last_error = '${CARRIER_CANCELLED}' AND message_id IN (SELECT id FROM messages WHERE coalesced_into = ?)`,
  );
  // Final before the time, notice decided (or none kept), and not the carrier of a message kept.
  // @keep = 0 on a box that makes no notices (no smarthost): an undecided notice will never be sent.
  const purgeable = `WITH c AS (SELECT m.id FROM messages m LEFT JOIN message_dsn d ON d.message_id = m.id
      WHERE m.final_at IS NOT NULL AND m.final_at < @before AND (d.message_id IS NULL OR d.dsn IS NOT NULL OR @keep = 0))`;
  const purgeCount = db.prepare<{ before: number; keep: number }, { state: QueueState; n: number; parts: number }>(
    `${purgeable} SELECT state, count(*) AS n, sum(segments_total) AS parts FROM messages
      WHERE id IN c AND NOT EXISTS (SELECT 1 FROM messages k WHERE k.coalesced_into = messages.id AND k.id NOT IN c) GROUP BY state`,
  );
  const purgeDelete = db.prepare(
    `${purgeable} DELETE FROM messages WHERE id IN c AND NOT EXISTS (SELECT 1 FROM messages k WHERE k.coalesced_into = messages.id AND k.id NOT IN c)`,
  );
  const keptCount = db.prepare<{ before: number }, { n: number }>('SELECT count(*) AS n FROM messages WHERE final_at IS NOT NULL AND final_at < @before');
  const byState = (sql: string) => db.prepare<[], { state: QueueState; n: number }>(sql);
  const messageStates = byState('SELECT state, count(*) AS n FROM messages GROUP BY state');
  const segmentStates = byState('SELECT state, count(*) AS n FROM segments GROUP BY state');
  const open = db.prepare<[], { n: number; oldest: number | null }>('SELECT count(*) AS n, min(created_at) AS oldest FROM messages WHERE final_at IS NULL');
  const nextAttempt = db.prepare<[], { at: number | null }>(
    'SELECT min(s.next_attempt_at) AS at FROM segments s JOIN messages m ON m.id = s.message_id WHERE s.next_attempt_at IS NOT NULL AND m.final_at IS NULL',
  );
  const oldestFinal = db.prepare<[], { at: number | null }>('SELECT min(final_at) AS at FROM messages WHERE final_at IS NOT NULL');

  const find = (id: string): Row => {
    const row = messageOf.get(id);
    if (row === undefined) throw new GatewayError('M2S_QUEUE_NOT_FOUND', `no message with queue id ${id}`);
    return row;
  };
  const counted = (rows: readonly { state: QueueState; n: number }[]): Record<QueueState, number> => {
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<QueueState, number>;
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  };

  return {
    retry: db.transaction((id: string, now: number): RetryResult => {
      const row = find(id);
      if (row.state === 'sending') throw wrongState(id, row.state, 'a part is being sent now; retry it once that send has ended');
      if (!RETRYABLE.has(row.state)) throw wrongState(id, row.state, row.state === 'coalesced' ? 'its text went out in another message; nothing to retry' : 'it went out; nothing to retry');
      const parts = requeue.run({ id, now }).changes;
      reopen.run({ id, now });
      undecide.run(id);
      undecideCarried.run(id);
      refresh(id, now);
      const after = messageOf.get(id) as Row;
      return { id, previous: row.state, state: after.state, parts, validUntil: iso(after.valid_until) as string };
    }),
    cancel: db.transaction((id: string, now: number): CancelResult => {
      const row = find(id);
      if (row.final_at !== null) throw wrongState(id, row.state, 'it has ended; only a message still waiting or being sent can be cancelled');
      const parts = cancelParts.run({ id, now }).changes;
      const sending = inFlight.get(id)?.n ?? 0;
      if (parts === 0) throw wrongState(id, row.state, 'its remaining parts are all being sent; nothing is left to cancel');
      noNotice.run({ id, now });
      noNoticeOfCarried.run({ id, now });
      refresh(id, now, 'cancelled by an operator');
      return { id, previous: row.state, state: 'cancelled', parts, inFlight: sending };
    }),
    purge: db.transaction((before: number, options: { readonly keepUndecided?: boolean } = {}): PurgeResult => {
      const keep = options.keepUndecided === false ? 0 : 1;
      const rows = purgeCount.all({ before, keep });
      purgeDelete.run({ before, keep });
      const messages = rows.reduce((n, r) => n + r.n, 0);
      return {
        before: iso(before) as string,
        messages,
        segments: rows.reduce((n, r) => n + r.parts, 0),
        byState: Object.fromEntries(rows.map((r) => [r.state, r.n])),
        kept: keptCount.get({ before })?.n ?? 0,
      };
    }),
    overview(now: number): QueueOverview {
      const o = open.get();
      const oldest = o?.oldest ?? null;
      return {
        messages: counted(messageStates.all()),
        segments: counted(segmentStates.all()),
        open: o?.n ?? 0,
        oldestOpen: iso(oldest),
        oldestOpenAgeSeconds: oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
        nextAttemptAt: iso(nextAttempt.get()?.at),
        oldestFinal: iso(oldestFinal.get()?.at),
      };
    },
  };
}
