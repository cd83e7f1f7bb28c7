// The ready query after schema version 2: same order as the sorting query it replaced, no sort
// in its plan, and a version 1 file upgraded in place keeps its waiting mail.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Queue } from '../../../src/queue/index.js';
import { READY_SQL, WAKE_SQL, WALK_WINDOW } from '../../../src/queue/store-read.js';
import { message, T0, tempQueue, type TempQueue } from './queue-fixtures.js';

/** Version 1's ready query: every ready head, sorted. The order the new one must keep. */
const SORTED_V1 = `SELECT s.message_id AS qid, s.seq FROM segments s JOIN messages m ON m.id = s.message_id
  WHERE s.next_attempt_at IS NOT NULL AND s.next_attempt_at <= @now AND m.final_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM segments p WHERE p.message_id = s.message_id AND p.seq < s.seq
      AND NOT (p.state IN ('sent', 'delivered') OR (p.state = 'unknown' AND p.next_attempt_at IS NULL)))
  ORDER BY m.priority DESC, m.created_at ASC, m.id ASC, s.seq ASC`;

let tq: TempQueue;
let queue: Queue;
beforeEach(() => {
  tq = tempQueue();
  queue = tq.queue;
});
afterEach(async () => {
  await tq.cleanup();
});

/** Deterministic pseudo-random numbers (a linear congruential generator). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

/** 60 messages of 1-3 parts, priorities 0/1, then a seeded mix of marks leaving every state. */
async function mixedQueue(random: () => number): Promise<void> {
  for (let i = 0; i < 60; i += 1) {
    tq.clock.now = T0 + Math.floor(random() * 5) * 1000; // equal created_at values on purpose
    const texts = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, n) => `m${i} p${n + 1}`);
    await queue.enqueue([message({ to: `+8190${String(i).padStart(8, '0')}`, texts, priority: random() < 0.3 ? 1 : 0 })]);
  }
  for (let step = 0; step < 80; step += 1) {
    const item = queue.nextReady(T0 + 10_000);
    if (item === undefined) break;
    const { qid, seq } = item.segment;
    queue.markSending(qid, seq, 'sim', T0);
    const roll = random();
    if (roll < 0.4) queue.markSent(qid, seq, String(step), 'sim', T0);
    else if (roll < 0.55) queue.markFailed(qid, seq, { temporary: true, status: '4.4.1', diagnostic: 'busy', nextAttemptAt: T0 + 20_000 }, T0);
    else if (roll < 0.65) queue.markFailed(qid, seq, { temporary: false, status: '5.1.1', diagnostic: 'bad number' }, T0);
    else if (roll < 0.75) queue.markUnknown(qid, seq, 'timeout', T0 + 5_000, T0);
    else if (roll < 0.85) queue.markUnknown(qid, seq, 'timeout', undefined, T0);
    // else: left in flight (sending)
  }
}

/** WALK_WINDOW + 20 one-part messages, one ms apart; their ids in send order. */
async function moreThanTheWindow(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < WALK_WINDOW + 20; i += 1) {
    tq.clock.now = T0 + i;
    ids.push(...(await queue.enqueue([message({ to: `+8190${String(i).padStart(8, '0')}` })])));
  }
  return ids;
}

describe('the ready query (schema version 2)', () => {
  it.each([1, 2, 3, 4, 5])('returns the same segments in the same order as the sorting query, seed %i', async (seed) => {
    await mixedQueue(lcg(seed));
    const raw = new Database(tq.path, { readonly: true });
    try {
      for (const now of [T0, T0 + 5_000, T0 + 20_000]) {
        const expected = raw.prepare(SORTED_V1).all({ now }) as { qid: string; seq: number }[];
        const actual = raw.prepare(READY_SQL).all({ now, limit: 1000 }) as { message_id: string; seq: number }[];
        expect(actual.map((r) => ({ qid: r.message_id, seq: r.seq }))).toEqual(expected);
        expect(queue.nextReady(now)?.segment.qid).toBe(expected[0]?.qid);
      }
      expect(raw.prepare(SORTED_V1).all({ now: T0 + 20_000 }).length).toBeGreaterThan(0);
    } finally {
      raw.close();
    }
  });

  it('finds the first ready message behind more deferred messages than it walks, and nothing when none is due', async () => {
    const ids = await moreThanTheWindow();
    const deferred = ids.slice(0, WALK_WINDOW + 10);
    queue.batch(() => {
      for (const qid of deferred) {
        queue.markSending(qid, 1, 'sim', T0);
        queue.markFailed(qid, 1, { temporary: true, status: '4.4.1', diagnostic: 'busy', nextAttemptAt: T0 + 60_000 }, T0);
      }
    });
    const first = ids[WALK_WINDOW + 10] as string;
    expect(queue.nextReady(T0 + 1_000)?.segment.qid).toBe(first);
    expect(queue.nextReady(T0 + 1_000, new Set([first]))?.segment.qid).toBe(ids[WALK_WINDOW + 11]);
    queue.batch(() => ids.slice(WALK_WINDOW + 10).forEach((qid) => queue.markSending(qid, 1, 'sim', T0)));
    expect(queue.nextReady(T0 + 1_000)).toBeUndefined();
    expect(queue.nextReady(T0 + 60_000)?.segment.qid).toBe(ids[0]);
  });

  it.each([1, 2, 3])('readyBatch gives what nextReady() gives one after another, each head excluded once taken, seed %i', async (seed) => {
    await mixedQueue(lcg(seed));
    for (const now of [T0, T0 + 5_000, T0 + 20_000]) {
      const inFlight = new Set(queue.list({ limit: 1000, state: 'sending' }).map((m) => m.id));
      const oneByOne: string[] = [];
      const taken = new Set(inFlight);
      for (let item = queue.nextReady(now, taken); item !== undefined && oneByOne.length < 7; item = queue.nextReady(now, taken)) {
        oneByOne.push(`${item.segment.qid}/${item.segment.seq}`);
        taken.add(item.segment.qid);
      }
      expect(queue.readyBatch(now, inFlight, 7).map((r) => `${r.segment.qid}/${r.segment.seq}`)).toEqual(oneByOne);
    }
    expect(queue.readyBatch(T0 + 20_000, new Set(), 7).length).toBeGreaterThan(1);
    expect(queue.readyBatch(T0 + 20_000, new Set(), 0)).toEqual([]);
  });

  it('readyBatch leaves out excluded messages without coming up short, and gives the heads behind the window at the next call', async () => {
    const ids = await moreThanTheWindow();
    // Only the last 5 messages of the window are ready, and the 20 behind it.
    queue.batch(() => {
      for (const qid of ids.slice(0, WALK_WINDOW - 5)) {
        queue.markSending(qid, 1, 'sim', T0);
        queue.markFailed(qid, 1, { temporary: true, status: '4.4.1', diagnostic: 'busy', nextAttemptAt: T0 + 60_000 }, T0);
      }
    });
    const inWindow = ids.slice(WALK_WINDOW - 5, WALK_WINDOW);
    const qids = (rows: readonly { segment: { qid: string } }[]) => rows.map((r) => r.segment.qid);
    expect(qids(queue.readyBatch(T0 + 1_000, new Set(), 3))).toEqual(inWindow.slice(0, 3));
    // Two of them excluded (as a dispatcher's own in-flight messages would be): still 3 given.
    expect(qids(queue.readyBatch(T0 + 1_000, new Set(inWindow.slice(0, 2)), 3))).toEqual(inWindow.slice(2, 5));
    // Asked for 8: the window's 5 (short), then, once those are taken, the ones behind it.
    expect(qids(queue.readyBatch(T0 + 1_000, new Set(), 8))).toEqual(inWindow);
    queue.batch(() => inWindow.forEach((qid) => queue.markSending(qid, 1, 'sim', T0)));
    expect(qids(queue.readyBatch(T0 + 1_000, new Set(), 8))).toEqual(ids.slice(WALK_WINDOW, WALK_WINDOW + 8));
  });

  it('walks the send-order index without a temporary sort', () => {
    const raw = new Database(tq.path, { readonly: true });
    try {
      const plan = (sql: string, params: object): string =>
        (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join('\n');
      const ready = plan(READY_SQL, { now: T0, limit: 1 });
      expect(ready).toContain('messages_send_order');
      expect(ready).not.toContain('TEMP B-TREE');
      expect(plan(WAKE_SQL, {})).not.toContain('TEMP B-TREE');
    } finally {
      raw.close();
    }
  });
});

describe('upgrading a version 1 file', () => {
  it('adds the send-order index in place and still hands out the mail that was waiting', async () => {
    const [low, high] = await queue.enqueue([message({ to: '+819011111111' }), message({ to: '+819022222222', priority: 1 })]);
    await queue.close();
    const raw = new Database(tq.path);
    raw.exec('DROP INDEX messages_send_order; DROP INDEX messages_by_user_created');
    raw.pragma('user_version = 1');
    raw.close();

    const again = tq.reopen();
    const check = new Database(tq.path, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'messages_send_order'").get()).toEqual({ name: 'messages_send_order' });
    } finally {
      check.close();
    }
    expect(again.nextReady(T0)?.segment.qid).toBe(high);
    expect(again.nextReady(T0, new Set([high as string]))?.segment.qid).toBe(low);
  });
});
