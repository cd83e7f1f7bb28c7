/*
 * Status reports applied to the queue (SPEC 7, 8): markReport() on a real SQLite file finds the
 * segment by route, message reference and destination, and records its final state and time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPORT_WINDOW_MS, sameRecipient, type Queue, type ReportMark } from '../../../src/queue/index.js';
import { message, T0, tempQueue, type TempQueue } from './queue-fixtures.js';

const DELIVERED = 'TP-ST 0x00 short message received by the SME';

function report(overrides: Partial<ReportMark> = {}): ReportMark {
  return { route: 'gsm1', messageRef: '7', recipient: '+819012345678', state: 'delivered', detail: DELIVERED, ...overrides };
}

/** Enqueues a message and sends each part on `route` with the given references. */
async function sent(queue: Queue, refs: readonly string[], at: number, overrides: Parameters<typeof message>[0] = {}, route = 'gsm1'): Promise<string> {
  const texts = refs.map((_, i) => `part ${i + 1}`);
  const [qid] = await queue.enqueue([message({ texts, statusReport: true, ...overrides })]);
  refs.forEach((ref, i) => {
    queue.markSending(qid as string, i + 1, route, at);
    queue.markSent(qid as string, i + 1, ref, route, at);
  });
  return qid as string;
}

describe('queue markReport', () => {
  let tq: TempQueue;
  beforeEach(() => {
    tq = tempQueue();
  });
  afterEach(async () => {
    await tq.cleanup();
  });

  it('marks the segment delivered with the discharge time, and the message delivered once every part is', async () => {
    const qid = await sent(tq.queue, ['7', '8'], T0);
    const first = tq.queue.markReport(report({ at: T0 + 5_000 }), T0 + 6_000);
    expect(first).toEqual({ qid, seq: 1, total: 2, to: '+819012345678', changed: true, segmentState: 'delivered', messageState: 'sent' });
    const second = tq.queue.markReport(report({ messageRef: '8', at: T0 + 7_000 }), T0 + 8_000);
    expect(second).toMatchObject({ qid, seq: 2, changed: true, messageState: 'delivered' });
    const shown = tq.queue.show(qid);
    expect(shown.state).toBe('delivered');
    expect(shown.parts.map((p) => [p.state, p.finalAt, p.lastStatus, p.lastDiagnostic])).toEqual([
      ['delivered', new Date(T0 + 5_000).toISOString(), '2.0.0', DELIVERED],
      ['delivered', new Date(T0 + 7_000).toISOString(), '2.0.0', DELIVERED],
    ]);
  });

  it('records the arrival time when the report gives no discharge time', async () => {
    const qid = await sent(tq.queue, ['7'], T0);
    tq.queue.markReport(report(), T0 + 9_000);
    expect(tq.queue.show(qid).parts[0]?.finalAt).toBe(new Date(T0 + 9_000).toISOString());
  });

  it('fails the message on a failed report and does not send its remaining parts', async () => {
    const [qid] = await tq.queue.enqueue([message({ texts: ['a', 'b'], statusReport: true })]);
    tq.queue.markSending(qid as string, 1, 'gsm1', T0);
    tq.queue.markSent(qid as string, 1, '7', 'gsm1', T0);
    const match = tq.queue.markReport(report({ state: 'failed', detail: 'TP-ST 0x41 incompatible destination' }), T0 + 1_000);
    expect(match).toMatchObject({ changed: true, segmentState: 'failed', messageState: 'failed' });
    const shown = tq.queue.show(qid as string);
    expect(shown.parts.map((p) => p.state)).toEqual(['failed', 'failed']);
    expect(shown.parts[0]?.lastStatus).toBe('5.0.0');
    expect(shown.lastError).toBe('5.0.0 TP-ST 0x41 incompatible destination');
    expect(tq.queue.nextReady(T0 + 60_000)).toBeUndefined();
  });

  it('marks a validity-period-expired report expired with status 4.4.7', async () => {
    const qid = await sent(tq.queue, ['7'], T0);
    tq.queue.markReport(report({ state: 'expired', detail: 'TP-ST 0x46 SM validity period expired' }), T0 + 1_000);
    const shown = tq.queue.show(qid);
    expect(shown.state).toBe('expired');
    expect(shown.parts[0]).toMatchObject({ state: 'expired', lastStatus: '4.4.7' });
  });

  it('keeps the state on a pending report and notes its TP-ST', async () => {
    const qid = await sent(tq.queue, ['7'], T0);
    const match = tq.queue.markReport(report({ state: 'pending', detail: 'TP-ST 0x21 SME busy, SC still trying' }), T0 + 1_000);
    expect(match).toMatchObject({ qid, changed: false, segmentState: 'sent' });
    expect(tq.queue.show(qid).parts[0]).toMatchObject({ state: 'sent', finalAt: null, lastDiagnostic: 'TP-ST 0x21 SME busy, SC still trying' });
  });

  it('matches a repeated report but does not change a segment already final', async () => {
    const qid = await sent(tq.queue, ['7'], T0);
    tq.queue.markReport(report({ at: T0 + 1_000 }), T0 + 1_000);
    const again = tq.queue.markReport(report({ state: 'failed', detail: 'TP-ST 0x65 error in SME, SC gave up' }), T0 + 2_000);
    expect(again).toMatchObject({ qid, changed: false, segmentState: 'delivered', messageState: 'delivered' });
  });

  it('picks the newest send when the 8-bit reference has wrapped, and skips sends outside the window', async () => {
    const old = await sent(tq.queue, ['7'], T0 - REPORT_WINDOW_MS - 1);
    const recent = await sent(tq.queue, ['7'], T0 - 1_000);
    const newest = await sent(tq.queue, ['7'], T0);
    expect(tq.queue.markReport(report(), T0 + 1_000)?.qid).toBe(newest);
    // The newest is final now; the next report with the same reference is still matched to it.
    expect(tq.queue.markReport(report(), T0 + 2_000)).toMatchObject({ qid: newest, changed: false });
    expect(tq.queue.show(recent).parts[0]?.state).toBe('sent');
    expect(tq.queue.show(old).parts[0]?.state).toBe('sent');
  });

  it('matches by route and destination, not by reference alone', async () => {
    const other = await sent(tq.queue, ['7'], T0, { to: '+819099999999' });
    const otherRoute = await sent(tq.queue, ['7'], T0, {}, 'gsm2');
    expect(tq.queue.markReport(report(), T0 + 1_000)).toBeUndefined();
    expect(tq.queue.markReport(report({ route: 'gsm2' }), T0 + 1_000)?.qid).toBe(otherRoute);
    expect(tq.queue.show(other).parts[0]?.state).toBe('sent');
  });

  it('returns nothing for a reference no segment carries', async () => {
    await sent(tq.queue, ['7'], T0);
    expect(tq.queue.markReport(report({ messageRef: '200' }), T0 + 1_000)).toBeUndefined();
  });

  it('matches a national-format TP-RA to the E.164 destination it ends', async () => {
    const qid = await sent(tq.queue, ['7'], T0);
    expect(tq.queue.markReport(report({ recipient: '09012345678' }), T0 + 1_000)?.qid).toBe(qid);
  });
});

describe('sameRecipient', () => {
  const table: [string, string, boolean][] = [
    ['+4915259911630', '+4915259911630', true],
    ['+4915259911630', '+4915259911631', false],
    ['+4915259911630', '015259911630', true],
    ['+4915259911630', '9911630', true],
    ['+4915259911630', '11630', false],
    ['+4915259911630', '', true],
    ['+4915259911630', '+#08427829207025', false],
  ];
  for (const [destination, reported, expected] of table) {
    it(`${expected ? 'matches' : 'does not match'} ${destination} with TP-RA "${reported}"`, () => {
      expect(sameRecipient(destination, reported)).toBe(expected);
    });
  }
});
