// The route pool (SPEC 9): every ready route busy at once, a route that is not ready skipped and
// used again once ready, a retried segment handed to another route, a route whose sends keep
// failing taken out and probed back in. Real queue on a real SQLite file; scripted transports.
import { describe, expect, it, vi } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../../src/dispatch/index.js';
import type { SendOutcome, Transport } from '../../../src/transports/transport.js';
import { message, T0 } from './queue-fixtures.js';
import { useDispatchRig } from './dispatch-rig.js';
import { ScriptedTransport, type Step } from './scripted-transport.js';

const rig = useDispatchRig('mail2sms-pool-');

const TEMP: SendOutcome = { kind: 'failed', temporary: true, status: '4.4.2', diagnostic: '+CMS ERROR: 332 (network timeout)' };

function start(transports: Transport[]): Dispatcher {
  const logger = rig.logger();
  const d = createDispatcher({
    queue: rig.queue,
    transports,
    logger,
    now: () => rig.clock.now,
    setTimer: rig.clock.setTimer,
    backoff: { baseMs: 60_000, factor: 1, maxMs: 60_000, jitter: 0 },
    breaker: { threshold: 2, coolDownMs: 10_000, maxCoolDownMs: 40_000 },
  });
  rig.dispatcher = d;
  d.start();
  return d;
}

/** `n` one-part messages to distinct numbers, committed, then a wake. */
async function enqueue(d: Dispatcher, n: number): Promise<string[]> {
  const ids = await rig.queue.enqueue(Array.from({ length: n }, (_, i) => message({ to: `+8190${String(10000000 + i)}`, texts: [`alert ${i}`] })));
  d.wake();
  return ids;
}

const events = (name: string) => rig.lines.filter((l) => l['event'] === name);

describe('the route pool', () => {
  it('keeps every ready modem busy at once, with one outstanding send each', async () => {
    const pool = ['gsm1', 'gsm2', 'gsm3'].map((name) => new ScriptedTransport(name, Array<Step>(4).fill('hold')));
    const d = start(pool);
    await enqueue(d, 5);
    await vi.waitFor(() => expect(pool.map((t) => t.heldCount)).toEqual([1, 1, 1]));
    expect(d.inFlight()).toBe(3);
    pool[1]?.release();
    // The freed modem takes the next waiting message; the others stay at one each.
    await vi.waitFor(() => expect(pool[1]?.sends).toHaveLength(2));
    expect(pool.map((t) => t.heldCount)).toEqual([1, 1, 1]);
    expect(Math.max(...pool.map((t) => t.maxOpen))).toBe(1);
  });

  it('skips a modem that is not ready, and gives it work again at the recheck once it is', async () => {
    const gsm1 = new ScriptedTransport('gsm1');
    gsm1.ready = false;
    const d = start([gsm1]);
    const [qid] = await enqueue(d, 1);
    await vi.waitFor(() => expect(rig.clock.pendingTimers().length).toBeGreaterThan(0));
    expect(gsm1.sends).toHaveLength(0);
    gsm1.ready = true;
    rig.clock.advanceTo(T0 + 1000);
    await vi.waitFor(() => expect(rig.queue.show(qid as string).state).toBe('sent'));
    expect(gsm1.sends).toHaveLength(1);
  });

  it('sends through the next route while the first is not ready', async () => {
    const gsm1 = new ScriptedTransport('gsm1');
    const gsm2 = new ScriptedTransport('gsm2');
    gsm1.ready = false;
    const d = start([gsm1, gsm2]);
    const [qid] = await enqueue(d, 1);
    await vi.waitFor(() => expect(rig.queue.show(qid as string).state).toBe('sent'));
    expect(rig.queue.show(qid as string).parts[0]?.route).toBe('gsm2');
    expect(gsm1.sends).toHaveLength(0);
  });

  it('hands a segment that failed temporarily on one route to another route on its retry', async () => {
    const gsm1 = new ScriptedTransport('gsm1', [TEMP]);
    const gsm2 = new ScriptedTransport('gsm2');
    const d = start([gsm1, gsm2]);
    const [qid] = await enqueue(d, 1);
    await vi.waitFor(() => expect(rig.queue.show(qid as string).parts[0]).toMatchObject({ state: 'queued', attempts: 1 }));
    expect(gsm1.sends).toHaveLength(1);
    rig.clock.advanceTo(T0 + 60_000);
    await vi.waitFor(() => expect(rig.queue.show(qid as string).state).toBe('sent'));
    // Both routes were free at the retry; the one it had failed on was passed over.
    expect([gsm1.sends.length, gsm2.sends.length]).toEqual([1, 1]);
    expect(rig.queue.show(qid as string).parts[0]).toMatchObject({ route: 'gsm2', attempts: 2 });
  });

  it('takes out a route whose sends keep failing and brings it back in when its probe is sent', async () => {
    const gsm1 = new ScriptedTransport('gsm1', [TEMP, TEMP]);
    const gsm2 = new ScriptedTransport('gsm2', Array<Step>(10).fill('hold'));
    const d = start([gsm1, gsm2]);
    // gsm2 holds the first message it gets; gsm1 fails two in a row and goes out.
    const ids = await enqueue(d, 5);
    await vi.waitFor(() => expect(events('route.out')).toHaveLength(1));
    expect(events('route.out')[0]).toMatchObject({ transport: 'sim:gsm1', faults: 2, until: new Date(T0 + 10_000).toISOString() });
    expect(gsm1.sends).toHaveLength(2);
    // Out: waiting messages stay queued although gsm1 is ready and idle.
    gsm2.release({ kind: 'sent', messageRef: '7' });
    await vi.waitFor(() => expect(gsm2.sends).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(gsm1.sends).toHaveLength(2);
    expect(ids.filter((id) => rig.queue.show(id).parts[0]?.attempts === 0)).toHaveLength(1);
    // The cool-down ends: one probe; it is sent, so gsm1 is back in and takes the rest.
    rig.clock.advanceTo(T0 + 10_000);
    await vi.waitFor(() => expect(events('route.in')).toHaveLength(1));
    expect(gsm1.sends).toHaveLength(3);
    // The two failed messages retry after their backoff; all five end sent, gsm2's held one too.
    rig.clock.advanceTo(T0 + 60_000);
    await vi.waitFor(() => expect(gsm1.sends.length + gsm2.sends.length).toBe(7));
    gsm2.release();
    for (const id of ids) await vi.waitFor(() => expect(rig.queue.show(id).state).toBe('sent'));
  });

  it('sets no timer for the past while a probe is on the wire', async () => {
    const gsm1 = new ScriptedTransport('gsm1', [TEMP, TEMP, 'hold']);
    const d = start([gsm1]);
    await enqueue(d, 3);
    await vi.waitFor(() => expect(events('route.out')).toHaveLength(1));
    rig.clock.advanceTo(T0 + 10_000);
    await vi.waitFor(() => expect(gsm1.heldCount).toBe(1));
    await new Promise((r) => setTimeout(r, 20));
    // The only wake left is the two failed messages' retry; a completion pumps again.
    expect(rig.clock.pendingTimers().filter((at) => at <= rig.clock.now)).toEqual([]);
    gsm1.release();
    await vi.waitFor(() => expect(events('route.in')).toHaveLength(1));
  });
});
