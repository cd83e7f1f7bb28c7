import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { message, T0, tempQueue, type TempQueue } from './queue-fixtures.js';

let tq: TempQueue;
beforeEach(() => {
  tq = tempQueue();
});
afterEach(async () => {
  await tq.cleanup();
});

async function crashWhileSending(texts: readonly string[], account = 'default'): Promise<string> {
  const [id] = await tq.queue.enqueue([message({ texts, account })]);
  tq.queue.markSending(id as string, 1, 'gsm1', T0);
  // A crash: the connection goes away with the segment still marked sending.
  await tq.queue.close();
  tq.reopen();
  return id as string;
}

describe('restart recovery (SPEC 7)', () => {
  it('resends a segment that was being sent when the gateway stopped', async () => {
    const id = await crashWhileSending(['only part']);
    expect(tq.queue.show(id).parts[0]?.state).toBe('sending'); // opening alone changes nothing
    const result = tq.queue.recover({ resendUnknown: true }, T0 + 1000);
    expect(result).toEqual({ unknown: 1, resent: 1 });
    const shown = tq.queue.show(id);
    expect(shown.state).toBe('unknown');
    expect(shown.parts[0]).toMatchObject({ state: 'unknown', attempts: 1 });
    const ready = tq.queue.nextReady(T0 + 1000);
    expect(ready?.segment).toMatchObject({ qid: id, seq: 1 });
    expect(ready?.attempts).toBe(1);
  });

  it('does not resend an unknown segment for an account that prefers loss to duplicates, and goes on with the next part', async () => {
    const id = await crashWhileSending(['one', 'two'], 'no-dupes');
    const result = tq.queue.recover({ resendUnknown: (account) => account !== 'no-dupes' }, T0 + 1000);
    expect(result).toEqual({ unknown: 1, resent: 0 });
    const ready = tq.queue.nextReady(T0 + 1000);
    expect(ready?.segment).toMatchObject({ qid: id, seq: 2 });
    tq.queue.markSending(id, 2, 'gsm1', T0 + 1000);
    tq.queue.markSent(id, 2, '5', 'gsm1', T0 + 1000);
    const shown = tq.queue.show(id);
    expect(shown.state).toBe('unknown');
    expect(shown.finalAt).not.toBeNull();
  });

  it('resends nothing that was queued, sent or failed', async () => {
    const [queued, sent, failed] = await tq.queue.enqueue([message(), message(), message()]);
    tq.queue.markSending(sent as string, 1, 'gsm1', T0);
    tq.queue.markSent(sent as string, 1, '3', 'gsm1', T0);
    tq.queue.markSending(failed as string, 1, 'gsm1', T0);
    tq.queue.markFailed(failed as string, 1, { temporary: false, status: '5.1.1', diagnostic: 'bad number' }, T0);
    await tq.queue.close();
    tq.reopen();
    expect(tq.queue.recover({ resendUnknown: true }, T0)).toEqual({ unknown: 0, resent: 0 });
    expect(tq.queue.nextReady(T0)?.segment.qid).toBe(queued);
    expect(tq.queue.list().map((m) => m.state).sort()).toEqual(['failed', 'queued', 'sent']);
  });
});
