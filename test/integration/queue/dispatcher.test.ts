import { describe, expect, it, vi } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../../src/dispatch/index.js';
import type { Transport } from '../../../src/transports/transport.js';
import { message, T0 } from './queue-fixtures.js';
import { useDispatchRig } from './dispatch-rig.js';
import { ScriptedTransport, type Step } from './scripted-transport.js';

const rig = useDispatchRig('mail2sms-dispatch-');

function start(transports: Transport[], resendUnknown?: (account: string) => boolean): Dispatcher {
  const logger = rig.logger();
  const d = createDispatcher({ queue: rig.queue, transports, logger, now: () => rig.clock.now, setTimer: rig.clock.setTimer, ...(resendUnknown ? { resendUnknown } : {}) });
  rig.dispatcher = d;
  d.start();
  return d;
}

const attempts = () => rig.lines.filter((l) => l['event'] === 'delivery.attempt');
const settled = (qid: string, state: string) => vi.waitFor(() => expect(rig.queue.show(qid).state).toBe(state));

async function enqueueAndWake(d: Dispatcher, ...texts: string[]): Promise<string> {
  const [id] = await rig.queue.enqueue([message({ texts })]);
  d.wake();
  return id as string;
}

describe('dispatcher', () => {
  it('sends a newly committed message as soon as it is woken, and logs one summary line for the attempt', async () => {
    const sim = new ScriptedTransport('sim1');
    const d = start([sim]);
    const qid = await enqueueAndWake(d, 'Disk full');
    await settled(qid, 'sent');
    expect(sim.sends.map((s) => [s.qid, s.seq, s.text])).toEqual([[qid, 1, 'Disk full']]);
    expect(rig.queue.show(qid).parts[0]).toMatchObject({ state: 'sent', messageRef: '1', route: 'sim1', attempts: 1 });
    expect(attempts()).toEqual([
      expect.objectContaining({ qid, seg: '1/1', to: '+819012345678', transport: 'sim:sim1', delay: 0, dsn: '2.0.0', status: 'sent', reason: 'message reference 1' }),
    ]);
  });

  it('sends the parts of a message in order and never two at once, even with free slots', async () => {
    const sim = new ScriptedTransport('sim1', Array<Step>(6).fill('hold'), 4);
    const d = start([sim]);
    const [a, b] = await rig.queue.enqueue([message({ texts: ['a1', 'a2', 'a3'] }), message({ to: '+819099999999', texts: ['b1', 'b2', 'b3'] })]);
    d.wake();
    // Four slots, two messages: only each message's first part may be on the wire.
    await vi.waitFor(() => expect(sim.heldCount).toBe(2));
    for (let released = 0; released < 6; released += 1) {
      await vi.waitFor(() => expect(sim.heldCount).toBeGreaterThan(0));
      expect(sim.heldCount).toBeLessThanOrEqual(2);
      sim.release();
    }
    await settled(a as string, 'sent');
    await settled(b as string, 'sent');
    expect(sim.maxOpenPerMessage).toBe(1);
    expect(sim.sends.filter((s) => s.qid === a).map((s) => s.text)).toEqual(['a1', 'a2', 'a3']);
    expect(sim.sends.filter((s) => s.qid === b).map((s) => s.text)).toEqual(['b1', 'b2', 'b3']);
    expect(sim.sends[0]?.concat).toEqual({ ref: 0, total: 3, seq: 1 });
  });

  it('keeps a transport busy up to its concurrency', async () => {
    const sim = new ScriptedTransport('sim1', ['hold', 'hold', 'hold'], 2);
    const d = start([sim]);
    await rig.queue.enqueue([message({ to: '+819011111111' }), message({ to: '+819022222222' }), message({ to: '+819033333333' })]);
    d.wake();
    await vi.waitFor(() => expect(sim.heldCount).toBe(2));
    expect(d.inFlight()).toBe(2);
    sim.release();
    await vi.waitFor(() => expect(sim.sends).toHaveLength(3));
    sim.release();
    sim.release();
    await vi.waitFor(() => expect(rig.queue.list({ state: 'sent' })).toHaveLength(3));
    expect(sim.maxOpen).toBe(2);
  });

  it('retries a temporary failure after the backoff, by the injected clock', async () => {
    const sim = new ScriptedTransport('sim1', [{ kind: 'failed', temporary: true, status: '4.4.1', diagnostic: '+CMS ERROR: 332' }]);
    const d = start([sim]);
    const qid = await enqueueAndWake(d, 'retry me');
    await vi.waitFor(() => expect(attempts()).toHaveLength(1));
    expect(attempts()[0]).toMatchObject({ status: 'deferred', dsn: '4.4.1', reason: '+CMS ERROR: 332' });
    expect(rig.queue.show(qid).parts[0]).toMatchObject({ state: 'queued', attempts: 1, nextAttemptAt: new Date(T0 + 10_000).toISOString() });
    expect(rig.clock.pendingTimers()).toEqual([T0 + 10_000]);
    rig.clock.advanceTo(T0 + 9_999);
    expect(sim.sends).toHaveLength(1);
    rig.clock.advanceTo(T0 + 10_000);
    await settled(qid, 'sent');
    expect(sim.sends).toHaveLength(2);
    expect(rig.queue.show(qid).parts[0]?.attempts).toBe(2);
  });

  it('fails the whole message on a permanent failure and sends none of its later parts', async () => {
    const sim = new ScriptedTransport('sim1', [{ kind: 'failed', temporary: false, status: '5.1.1', diagnostic: '+CMS ERROR: 1' }]);
    const d = start([sim]);
    const qid = await enqueueAndWake(d, 'one', 'two');
    await settled(qid, 'failed');
    expect(sim.sends).toHaveLength(1);
    expect(rig.queue.show(qid).parts.map((p) => p.state)).toEqual(['failed', 'failed']);
    expect(attempts()[0]).toMatchObject({ seg: '1/2', status: 'bounced', dsn: '5.1.1' });
  });

  it('does not send a message whose validity has ended and reports it expired', async () => {
    const sim = new ScriptedTransport('sim1');
    const d = start([sim]);
    const [qid] = await rig.queue.enqueue([message({ validUntil: T0 - 1 })]);
    d.wake();
    await settled(qid as string, 'expired');
    expect(sim.sends).toHaveLength(0);
    expect(rig.lines.find((l) => l['event'] === 'delivery.expired')).toMatchObject({ qid, dsn: '4.4.7', status: 'bounced' });
  });

  it('stops retrying when the validity ends and expires the message', async () => {
    const temp: Step = { kind: 'failed', temporary: true, status: '4.4.1', diagnostic: 'no network' };
    const sim = new ScriptedTransport('sim1', [temp, temp, temp, temp]);
    const d = start([sim]);
    const [qid] = await rig.queue.enqueue([message({ validUntil: T0 + 15_000 })]);
    d.wake();
    await vi.waitFor(() => expect(sim.sends).toHaveLength(1));
    rig.clock.advanceTo(T0 + 10_000);
    await vi.waitFor(() => expect(sim.sends).toHaveLength(2));
    await vi.waitFor(() => expect(rig.clock.pendingTimers()).toEqual([T0 + 15_000]));
    rig.clock.advanceTo(T0 + 15_000);
    await settled(qid as string, 'expired');
    expect(sim.sends).toHaveLength(2);
  });

  it('survives a transport whose send rejects, logging the error and retrying later', async () => {
    const sim = new ScriptedTransport('sim1', ['reject']);
    const d = start([sim]);
    const qid = await enqueueAndWake(d, 'hello');
    await vi.waitFor(() => expect(attempts()).toHaveLength(1));
    const bug = rig.lines.find((l) => l['event'] === 'transport.send_rejected');
    expect(bug?.['err']).toMatchObject({ message: 'driver bug: cannot read property of undefined' });
    expect(attempts()[0]).toMatchObject({ status: 'deferred', dsn: '4.3.0' });
    rig.clock.advanceTo(T0 + 10_000);
    await settled(qid, 'sent');
  });

  it('skips a transport that is not ready and uses the next route', async () => {
    const down = new ScriptedTransport('gsm1');
    down.ready = false;
    const up = new ScriptedTransport('gsm2');
    const d = start([down, up]);
    const qid = await enqueueAndWake(d, 'hi');
    await settled(qid, 'sent');
    expect(down.sends).toHaveLength(0);
    expect(rig.queue.show(qid).parts[0]?.route).toBe('gsm2');
  });

  it('leaves an unknown segment unsent again where the account prefers loss to duplicates', async () => {
    const sim = new ScriptedTransport('sim1', [{ kind: 'unknown', diagnostic: 'modem stopped answering' }]);
    const d = start([sim], () => false);
    const qid = await enqueueAndWake(d, 'maybe');
    await settled(qid, 'unknown');
    expect(rig.queue.show(qid).finalAt).not.toBeNull();
    expect(rig.queue.nextWakeAt()).toBeUndefined();
    expect(attempts()[0]).toMatchObject({ status: 'unknown' });
  });

  it('on stop without drain aborts the send under way and still records its outcome', async () => {
    const sim = new ScriptedTransport('sim1', ['hold']);
    const d = start([sim]);
    const qid = await enqueueAndWake(d, 'slow');
    await vi.waitFor(() => expect(sim.heldCount).toBe(1));
    await d.stop({ drain: false });
    expect(d.inFlight()).toBe(0);
    expect(rig.queue.show(qid).parts[0]).toMatchObject({ state: 'unknown', lastDiagnostic: 'aborted at shutdown' });
  });
});
