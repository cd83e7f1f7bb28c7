import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isQueueId, MIGRATIONS, type Queue } from '../../../src/queue/index.js';
import { message, T0, tempQueue, type TempQueue } from './queue-fixtures.js';

let tq: TempQueue;
let queue: Queue;
beforeEach(() => {
  tq = tempQueue();
  queue = tq.queue;
});
afterEach(async () => {
  await tq.cleanup();
});

describe('enqueue', () => {
  it('has committed the message and all its segments when its promise resolves', async () => {
    const [id] = await queue.enqueue([message({ texts: ['part one', 'part two', 'part three'] })]);
    // A second connection sees only committed data.
    const other = new Database(tq.path, { readonly: true });
    try {
      const row = other.prepare('SELECT state, segments_total, concat_ref FROM messages WHERE id = ?').get(id);
      const segs = other.prepare('SELECT seq, text FROM segments WHERE message_id = ? ORDER BY seq').all(id);
      expect(row).toEqual({ state: 'queued', segments_total: 3, concat_ref: 0 });
      expect(segs).toEqual([
        { seq: 1, text: 'part one' },
        { seq: 2, text: 'part two' },
        { seq: 3, text: 'part three' },
      ]);
    } finally {
      other.close();
    }
  });

  it('gives each message a short sortable queue id that a 250 reply can print', async () => {
    const ids = await queue.enqueue([message(), message(), message()]);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(isQueueId(id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
  });

  it('commits 50 concurrent enqueue calls in fewer than 50 transactions (group commit)', async () => {
    const calls = Array.from({ length: 50 }, (_, i) => queue.enqueue([message({ mailId: `<m${i}@x>` })]));
    const ids = (await Promise.all(calls)).flat();
    expect(new Set(ids).size).toBe(50);
    const stats = queue.stats();
    expect(stats.calls).toBe(50);
    expect(stats.enqueued).toBe(50);
    expect(stats.commits).toBeLessThan(50);
    expect(queue.list({ limit: 100 })).toHaveLength(50);
  });

  it('survives closing and reopening the file with the same rows and schema version', async () => {
    const [id] = await queue.enqueue([message()]);
    await queue.close();
    const again = tq.reopen();
    expect(again.show(id as string).state).toBe('queued');
    const raw = new Database(tq.path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });
});

describe('concatenation references (SPEC 13)', () => {
  const long = (to: string) => message({ to, texts: ['a', 'b'] });

  it('are allocated per destination, one after the other', async () => {
    const ids = await queue.enqueue([long('+819011111111'), long('+819011111111'), long('+819022222222'), long('+819011111111')]);
    const refs = ids.map((id) => queue.show(id).concatRef);
    expect(refs).toEqual([0, 1, 0, 2]);
  });

  it('are not given to a single-part or split message', async () => {
    const [single, split] = await queue.enqueue([message(), message({ texts: ['a', 'b'], concatenated: false })]);
    expect(queue.show(single as string).concatRef).toBeNull();
    expect(queue.show(split as string).concatRef).toBeNull();
  });

  it('skip the references of messages to that destination that are not yet final', async () => {
    const to = '+819011111111';
    const ids = await queue.enqueue(Array.from({ length: 256 }, () => long(to)));
    expect(queue.show(ids[255] as string).concatRef).toBe(255);
    // Finish the message holding ref 1; ref 0 stays held by an unfinished message.
    queue.expire(ids[1] as string, '4.4.7', 'validity ended', T0);
    const [next] = await queue.enqueue([long(to)]);
    expect(queue.show(next as string).concatRef).toBe(1);
  });
});

describe('nextReady', () => {
  it('returns high priority first, then the oldest message', async () => {
    const [oldNormal] = await queue.enqueue([message({ to: '+819011111111' })]);
    tq.clock.now = T0 + 1000;
    const [newNormal] = await queue.enqueue([message({ to: '+819022222222' })]);
    tq.clock.now = T0 + 2000;
    const [high] = await queue.enqueue([message({ to: '+819033333333', priority: 1 })]);
    const order: string[] = [];
    for (let ready = queue.nextReady(T0 + 2000); ready; ready = queue.nextReady(T0 + 2000)) {
      order.push(ready.segment.qid);
      queue.markSending(ready.segment.qid, ready.segment.seq, 'sim', T0 + 2000);
    }
    expect(order).toEqual([high, oldNormal, newNormal]);
  });

  it('hands out part n + 1 of a message only after part n is sent', async () => {
    const [id] = await queue.enqueue([message({ texts: ['one', 'two'] })]);
    const first = queue.nextReady(T0);
    expect(first?.segment).toMatchObject({ qid: id, seq: 1, total: 2, text: 'one', destination: '+819012345678', concat: { ref: 0, total: 2, seq: 1 } });
    queue.markSending(id as string, 1, 'sim', T0);
    expect(queue.nextReady(T0)).toBeUndefined();
    queue.markSent(id as string, 1, '17', 'sim', T0);
    expect(queue.nextReady(T0)?.segment).toMatchObject({ qid: id, seq: 2, text: 'two' });
  });

  it('skips excluded messages and segments whose next attempt is in the future', async () => {
    const [a, b] = await queue.enqueue([message({ to: '+819011111111' }), message({ to: '+819022222222' })]);
    expect(queue.nextReady(T0, new Set([a as string]))?.segment.qid).toBe(b);
    queue.markSending(a as string, 1, 'sim', T0);
    queue.markFailed(a as string, 1, { temporary: true, status: '4.4.1', diagnostic: '+CMS ERROR: 332', nextAttemptAt: T0 + 10_000 }, T0);
    queue.markSending(b as string, 1, 'sim', T0);
    expect(queue.nextReady(T0 + 9_999)).toBeUndefined();
    expect(queue.nextWakeAt()).toBe(T0 + 10_000);
    const retry = queue.nextReady(T0 + 10_000);
    expect(retry?.segment.qid).toBe(a);
    expect(retry?.attempts).toBe(1);
  });
});

describe('state changes', () => {
  it('marks the message sent when every part is sent', async () => {
    const [id] = await queue.enqueue([message({ texts: ['one', 'two'] })]);
    const qid = id as string;
    queue.markSending(qid, 1, 'sim', T0);
    expect(queue.show(qid).state).toBe('sending');
    queue.markSent(qid, 1, '1', 'sim', T0);
    expect(queue.show(qid).state).toBe('queued');
    queue.markSending(qid, 2, 'sim', T0);
    queue.markSent(qid, 2, '2', 'sim', T0 + 5);
    const shown = queue.show(qid);
    expect(shown.state).toBe('sent');
    expect(shown.finalAt).toBe(new Date(T0 + 5).toISOString());
    expect(shown.parts.map((p) => p.messageRef)).toEqual(['1', '2']);
  });

  it('fails the message and leaves its later parts unsent on a permanent error', async () => {
    const [id] = await queue.enqueue([message({ texts: ['one', 'two', 'three'] })]);
    const qid = id as string;
    queue.markSending(qid, 1, 'sim', T0);
    queue.markFailed(qid, 1, { temporary: false, status: '5.1.1', diagnostic: '+CMS ERROR: 1 (unassigned number)' }, T0);
    const shown = queue.show(qid);
    expect(shown.state).toBe('failed');
    expect(shown.lastError).toBe('5.1.1 +CMS ERROR: 1 (unassigned number)');
    expect(shown.parts.map((p) => [p.state, p.attempts])).toEqual([['failed', 1], ['failed', 0], ['failed', 0]]);
    expect(queue.nextReady(T0 + 3600_000)).toBeUndefined();
    expect(queue.nextWakeAt()).toBeUndefined();
  });

  it('expires every unsent part of a message', async () => {
    const [id] = await queue.enqueue([message({ texts: ['one', 'two'] })]);
    const qid = id as string;
    queue.markSending(qid, 1, 'sim', T0);
    queue.markSent(qid, 1, '9', 'sim', T0);
    queue.expire(qid, '4.4.7', 'validity ended', T0);
    const shown = queue.show(qid);
    expect(shown.state).toBe('expired');
    expect(shown.parts.map((p) => p.state)).toEqual(['sent', 'expired']);
  });

  it('refuses a mark for a segment that is not in the state the mark expects', async () => {
    const [id] = await queue.enqueue([message()]);
    expect(() => queue.markSent(id as string, 1, '1', 'sim', T0)).toThrow(/matched 0 segments/);
  });
});

describe('list and show (SPEC 12)', () => {
  it('list gives id, state, to, from, segments and an ISO creation time, newest first', async () => {
    const [first] = await queue.enqueue([message({ texts: ['a', 'b'] })]);
    tq.clock.now = T0 + 60_000;
    const [second] = await queue.enqueue([message({ to: '+819099999999' })]);
    expect(queue.list()).toEqual([
      { id: second, state: 'queued', to: '+819099999999', from: 'alerts@example.lan', segments: 1, created: '2025-01-15T09:01:00.000Z' },
      { id: first, state: 'queued', to: '+819012345678', from: 'alerts@example.lan', segments: 2, created: '2025-01-15T09:00:00.000Z' },
    ]);
    queue.markSending(first as string, 1, 'sim', T0);
    expect(queue.list({ state: 'sending' }).map((m) => m.id)).toEqual([first]);
    expect(queue.list({ limit: 1 }).map((m) => m.id)).toEqual([second]);
  });

  it('show gives the message with its parts, attempts, references and errors', async () => {
    const [id] = await queue.enqueue([message({ texts: ['a', 'b'], statusReport: true })]);
    const qid = id as string;
    queue.markSending(qid, 1, 'gsm1', T0);
    queue.markFailed(qid, 1, { temporary: true, status: '4.4.1', diagnostic: 'no network', nextAttemptAt: T0 + 10_000 }, T0);
    const shown = queue.show(qid);
    expect(shown).toMatchObject({ id: qid, state: 'queued', account: 'default', encoding: 'gsm7', concatRef: 0, statusReport: true });
    expect(shown.parts[0]).toEqual({
      seq: 1, state: 'queued', attempts: 1, nextAttemptAt: new Date(T0 + 10_000).toISOString(), messageRef: null,
      route: 'gsm1', sentAt: null, lastStatus: '4.4.1', lastDiagnostic: 'no network', finalAt: null, text: 'a',
    });
    expect(shown.text).toBe(shown.parts.map((p) => p.text).join(''));
  });

  it('show names an unknown id with M2S_QUEUE_NOT_FOUND', () => {
    expect(() => queue.show('0000000000ZZZZZZ')).toThrow(expect.objectContaining({ code: 'M2S_QUEUE_NOT_FOUND' }));
  });
});

describe('segments a user has used (SPEC 2: the 24-hour rolling quota)', () => {
  it('sums the segments of the user’s messages since the given instant, each destination counted', async () => {
    await queue.enqueue([message({ texts: ['a', 'b'] }), message({ to: '+819087654321', texts: ['a', 'b'] })]);
    tq.clock.now = T0 + 3600_000;
    await queue.enqueue([message()]);
    await queue.enqueue([message({ userEmail: 'other@example.lan', texts: ['x', 'y', 'z'] })]);
    expect(queue.segmentsSince('alerts@example.lan', T0)).toBe(5);
    expect(queue.segmentsSince('alerts@example.lan', T0 + 1)).toBe(1);
    expect(queue.segmentsSince('other@example.lan', T0)).toBe(3);
    expect(queue.segmentsSince('nobody@example.lan', T0)).toBe(0);
  });

  it('does not count a message that failed, as it never used the network', async () => {
    const [failed] = await queue.enqueue([message({ texts: ['a', 'b'] })]);
    await queue.enqueue([message()]);
    queue.markSending(failed as string, 1, 'sim', T0);
    queue.markFailed(failed as string, 1, { temporary: false, status: '5.1.1', diagnostic: 'bad number' }, T0);
    expect(queue.segmentsSince('alerts@example.lan', T0)).toBe(1);
  });
});

describe('backlog (for /metrics and /healthz)', () => {
  it('is empty on a fresh queue', () => {
    expect(queue.backlog()).toEqual({ segments: {}, oldestOpenAt: undefined });
  });

  it('counts the segments of open messages by state and names the oldest open message', async () => {
    tq.clock.now = T0;
    const [first] = await queue.enqueue([message({ texts: ['a', 'b'] })]);
    tq.clock.now = T0 + 5000;
    const [second] = await queue.enqueue([message({ texts: ['c'] })]);
    queue.markSending(first as string, 1, 'sim', T0 + 6000);
    queue.markSent(first as string, 1, '7', 'sim', T0 + 6000);
    queue.markSending(second as string, 1, 'sim', T0 + 6000);
    expect(queue.backlog()).toEqual({ segments: { sent: 1, queued: 1, sending: 1 }, oldestOpenAt: T0 });
  });

  it('leaves out messages that have ended', async () => {
    tq.clock.now = T0;
    const [old] = await queue.enqueue([message({ texts: ['x'] })]);
    tq.clock.now = T0 + 1000;
    await queue.enqueue([message({ texts: ['y'] })]);
    queue.markSending(old as string, 1, 'sim', T0 + 2000);
    queue.markFailed(old as string, 1, { temporary: false, status: '5.1.1', diagnostic: 'unassigned number' }, T0 + 2000);
    expect(queue.backlog()).toEqual({ segments: { queued: 1 }, oldestOpenAt: T0 + 1000 });
  });
});
