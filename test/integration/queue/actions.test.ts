// Operator actions on the queue (issue 15: queue retry, cancel, purge, stats) on a real SQLite file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { message, T0, tempQueue, type TempQueue } from './queue-fixtures.js';

let tq: TempQueue;
beforeEach(() => (tq = tempQueue()));
afterEach(() => tq.cleanup());

const PERMANENT = { temporary: false, status: '5.0.0', diagnostic: '+CMS ERROR: 330' };
const errorOf = (work: () => unknown): GatewayError => {
  try {
    work();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('no error thrown');
};

async function failed(texts = ['a1', 'a2', 'a3']): Promise<string> {
  const [id] = await tq.queue.enqueue([message({ texts })]);
  const qid = id as string;
  tq.queue.markSending(qid, 1, 'gsm1', T0);
  tq.queue.markSent(qid, 1, '7', 'gsm1', T0);
  tq.queue.markSending(qid, 2, 'gsm1', T0);
  tq.queue.markFailed(qid, 2, PERMANENT, T0);
  return qid;
}

describe('queue retry', () => {
  it('queues a failed message again: its parts not out are due now with attempts from 0, the sent part stays sent', async () => {
    const qid = await failed();
    tq.queue.markDsn([qid], 'sent', T0);
    const at = T0 + 60_000;
    expect(tq.queue.retry(qid, at)).toMatchObject({ id: qid, previous: 'failed', state: 'queued', parts: 2 });
    const shown = tq.queue.show(qid);
    expect(shown.parts.map((p) => [p.state, p.attempts, p.nextAttemptAt])).toEqual([
      ['sent', 1, null],
      ['queued', 0, new Date(at).toISOString()],
      ['queued', 0, new Date(at).toISOString()],
    ]);
    expect(shown).toMatchObject({ state: 'queued', finalAt: null, lastError: null, notice: { state: 'pending' } });
    expect(tq.queue.nextReady(at)?.segment).toMatchObject({ qid, seq: 2 });
  });

  it('renews the validity of an expired message from now, by the length it was given', async () => {
    const [id] = await tq.queue.enqueue([message({ validUntil: T0 + 3_600_000 })]);
    const qid = id as string;
    tq.queue.expire(qid, '4.4.7', 'validity ended', T0 + 3_600_000);
    const at = T0 + 10 * 3_600_000;
    expect(tq.queue.retry(qid, at)).toMatchObject({ previous: 'expired', state: 'queued', parts: 1, validUntil: new Date(at + 3_600_000).toISOString() });
    expect(tq.queue.nextReady(at)?.validUntil).toBe(at + 3_600_000);
  });

  it('resends the unknown part of a message that ended unknown, as a resend', async () => {
    const [id] = await tq.queue.enqueue([message()]);
    const qid = id as string;
    tq.queue.markSending(qid, 1, 'gsm1', T0);
    tq.queue.markUnknown(qid, 1, 'no answer', undefined, T0);
    expect(tq.queue.show(qid).state).toBe('unknown');
    tq.queue.retry(qid, T0 + 1);
    expect(tq.queue.nextReady(T0 + 1)).toMatchObject({ resending: true, attempts: 0 });
  });

  it('refuses a delivered, a sent and an in-flight message, and an unknown id, naming the id and its state', async () => {
    const [a, b] = await tq.queue.enqueue([message(), message({ to: '+819011112222' })]);
    tq.queue.markSending(a as string, 1, 'gsm1', T0);
    expect(errorOf(() => tq.queue.retry(a as string, T0))).toMatchObject({ code: 'M2S_QUEUE_WRONG_STATE', message: expect.stringContaining(`message ${a} is sending`) });
    tq.queue.markSent(a as string, 1, '9', 'gsm1', T0);
    expect(errorOf(() => tq.queue.retry(a as string, T0))).toMatchObject({ code: 'M2S_QUEUE_WRONG_STATE', message: `message ${a} is sent: it went out; nothing to retry` });
    tq.queue.markReport({ route: 'gsm1', messageRef: '9', recipient: '+819012345678', state: 'delivered', detail: '0x00' }, T0);
    expect(errorOf(() => tq.queue.retry(a as string, T0))).toMatchObject({ message: expect.stringContaining('is delivered') });
    expect(errorOf(() => tq.queue.retry('NOSUCHID', T0))).toMatchObject({ code: 'M2S_QUEUE_NOT_FOUND', message: 'no message with queue id NOSUCHID' });
    expect(tq.queue.show(b as string).state).toBe('queued');
  });
});

describe('queue cancel', () => {
  it('ends a waiting message cancelled: no part is ready any more and no notice is due', async () => {
    const [id] = await tq.queue.enqueue([message({ texts: ['a1', 'a2'] })]);
    const qid = id as string;
    expect(tq.queue.cancel(qid, T0)).toEqual({ id: qid, previous: 'queued', state: 'cancelled', parts: 2, inFlight: 0 });
    expect(tq.queue.show(qid)).toMatchObject({ state: 'cancelled', finalAt: new Date(T0).toISOString(), notice: { state: 'none' } });
    expect(tq.queue.nextReady(T0 + 1)).toBeUndefined();
    expect(tq.queue.dsnDue(T0 + 1, 0)).toEqual([]);
  });

  it('lets a part in flight finish and records its outcome; the message stays cancelled, also when that part is deferred', async () => {
    const [a, b] = await tq.queue.enqueue([message({ texts: ['a1', 'a2', 'a3'] }), message({ to: '+819011112222', texts: ['b1', 'b2'] })]);
    for (const qid of [a, b] as string[]) tq.queue.markSending(qid, 1, 'gsm1', T0);
    expect(tq.queue.cancel(a as string, T0)).toMatchObject({ parts: 2, inFlight: 1 });
    expect(tq.queue.cancel(b as string, T0)).toMatchObject({ parts: 1, inFlight: 1 });
    tq.queue.markSent(a as string, 1, '5', 'gsm1', T0 + 1);
    tq.queue.markFailed(b as string, 1, { temporary: true, status: '4.0.0', diagnostic: 'busy', nextAttemptAt: T0 + 2 }, T0 + 1);
    expect(tq.queue.show(a as string).parts.map((p) => p.state)).toEqual(['sent', 'cancelled', 'cancelled']);
    expect(tq.queue.show(b as string).parts.map((p) => p.state)).toEqual(['cancelled', 'cancelled']);
    expect([tq.queue.show(a as string).state, tq.queue.show(b as string).state]).toEqual(['cancelled', 'cancelled']);
    expect(tq.queue.nextReady(T0 + 10)).toBeUndefined();
  });

  it('settles the notices of the messages coalesced into a cancelled message, and undecides them again when it is retried', async () => {
    const [carrier, ...carried] = (await tq.queue.enqueue([1, 2, 3].map((i) => message({ mailId: `<m${i}@example.lan>` })))) as string[];
    tq.queue.markCoalesced(carried, carrier as string, 'identical', T0);
    tq.queue.cancel(carrier as string, T0 + 1);
    for (const qid of carried) expect(tq.queue.show(qid)).toMatchObject({ state: 'coalesced', notice: { state: 'none' } });
    // Not left undecided for ever (their outcome follows the carrier's, which a cancel never gives).
    expect(tq.queue.dsnDue(T0 + 2, 0)).toEqual([]);
    tq.queue.retry(carrier as string, T0 + 3);
    for (const qid of [carrier, ...carried] as string[]) expect(tq.queue.show(qid).notice?.state).toBe('pending');
  });

  it('refuses a final message and one whose only part is in flight; a cancelled one can be retried', async () => {
    const [a, b] = await tq.queue.enqueue([message(), message({ to: '+819011112222' })]);
    tq.queue.markSending(a as string, 1, 'gsm1', T0);
    expect(errorOf(() => tq.queue.cancel(a as string, T0))).toMatchObject({ code: 'M2S_QUEUE_WRONG_STATE', message: `message ${a} is sending: its remaining parts are all being sent; nothing is left to cancel` });
    tq.queue.markSent(a as string, 1, '1', 'gsm1', T0);
    expect(errorOf(() => tq.queue.cancel(a as string, T0))).toMatchObject({ code: 'M2S_QUEUE_WRONG_STATE', message: expect.stringContaining(`message ${a} is sent: it has ended`) });
    expect(errorOf(() => tq.queue.cancel('NOSUCHID', T0)).code).toBe('M2S_QUEUE_NOT_FOUND');
    tq.queue.cancel(b as string, T0);
    expect(tq.queue.retry(b as string, T0 + 5)).toMatchObject({ previous: 'cancelled', state: 'queued', parts: 1 });
    expect(tq.queue.show(b as string).notice?.state).toBe('pending');
  });
});

describe('queue purge and stats', () => {
  it('deletes final messages ended before the time with their parts, keeps open ones, newer ones and those whose notice is undecided', async () => {
    const old = await failed();
    tq.queue.markDsn([old], 'sent', T0);
    const [undecided, newer, open] = await tq.queue.enqueue([message({ to: '+819011110001' }), message({ to: '+819011110002' }), message({ to: '+819011110003' })]);
    tq.queue.cancel(newer as string, T0 + 10_000);
    tq.queue.markSending(undecided as string, 1, 'gsm1', T0);
    tq.queue.markSent(undecided as string, 1, '3', 'gsm1', T0);
    expect(tq.queue.purge(T0 + 5_000)).toEqual({ before: new Date(T0 + 5_000).toISOString(), messages: 1, segments: 3, byState: { failed: 1 }, kept: 1 });
    expect(() => tq.queue.show(old)).toThrow(/no message with queue id/);
    expect(tq.queue.list().map((m) => m.id).sort()).toEqual([undecided, newer, open].sort());
    // A box that makes no notices (no smarthost) never decides them: they do not hold a purge back.
    expect(tq.queue.purge(T0 + 5_000, { keepUndecided: false })).toMatchObject({ messages: 1, byState: { sent: 1 }, kept: 0 });
    await tq.queue.enqueue([]);
    expect(tq.queue.purge(T0 + 20_000)).toMatchObject({ messages: 1, segments: 1, byState: { cancelled: 1 }, kept: 0 });
    expect(tq.queue.list().map((m) => m.id)).toEqual([open]);
  });

  it('counts messages and segments by state, the open ones and the age of the oldest', async () => {
    const qid = await failed(['x1', 'x2']);
    await tq.queue.enqueue([message({ to: '+819011110001' })]);
    const stats = tq.queue.overview(T0 + 90_000);
    expect(stats.messages).toMatchObject({ failed: 1, queued: 1, delivered: 0, cancelled: 0 });
    expect(stats.segments).toMatchObject({ sent: 1, failed: 1, queued: 1 });
    expect(stats).toMatchObject({ open: 1, oldestOpen: new Date(T0).toISOString(), oldestOpenAgeSeconds: 90, nextAttemptAt: new Date(T0).toISOString(), oldestFinal: new Date(T0).toISOString() });
    expect(tq.queue.show(qid).state).toBe('failed');
  });

  it('keeps every action on disk: a reopened file shows the retry', async () => {
    const qid = await failed();
    tq.queue.retry(qid, T0 + 1);
    await tq.queue.close();
    expect(tq.reopen().show(qid).state).toBe('queued');
  });
});
