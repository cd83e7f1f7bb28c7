// The per-route send rate (SPEC 9 `rate`, issue 13 item 3): the dispatcher never starts more
// than `rate` sends on a route in any one-second window, waits for the next free slot with one
// timer (no polling), and gives segments beyond the rate to the next free route. Real queue on
// a real SQLite file; the clock and timers are moved by hand; the transport records the times.
import { describe, expect, it } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../../src/dispatch/index.js';
import { mostInAnySecond } from '../../helpers/rate-window.js';
import { useDispatchRig } from './dispatch-rig.js';
import { message, T0 } from './queue-fixtures.js';
import { ThrottlingTransport } from './throttling-transport.js';

const rig = useDispatchRig('mail2sms-rate-');

const turns = async (n: number) => {
  for (let i = 0; i < n; i += 1) await new Promise((r) => setImmediate(r));
};

function start(transports: ThrottlingTransport[], rates: Record<string, number>): Dispatcher {
  const d = createDispatcher({ queue: rig.queue, transports, logger: rig.logger(), now: () => rig.clock.now, setTimer: rig.clock.setTimer, rates });
  rig.dispatcher = d;
  d.start();
  return d;
}

async function enqueue(d: Dispatcher, n: number): Promise<string[]> {
  const ids = await rig.queue.enqueue(Array.from({ length: n }, (_, i) => message({ to: `+8190${String(40000000 + i)}`, texts: [`alert ${i}`] })));
  d.wake();
  return ids;
}

describe('the per-route rate', () => {
  it('starts at most 200 sends in any one-second window over 1,000 segments, one timer at a time', async () => {
    const smsc = new ThrottlingTransport('smsc1', rig.clock, 50);
    const d = start([smsc], { smsc1: 200 });
    await enqueue(d, 1_000);
    let most = 0;
    for (let step = 0; step < 2_000 && smsc.count('sent') < 1_000; step += 1) {
      await turns(4);
      const timers = rig.clock.pendingTimers();
      expect(timers.length).toBeLessThanOrEqual(1);
      if (d.inFlight() === 0 && timers[0] !== undefined) rig.clock.advanceTo(timers[0]);
      most = Math.max(most, timers.length);
    }
    expect(smsc.count('sent')).toBe(1_000);
    const starts = smsc.seen.map((s) => s.at);
    expect(mostInAnySecond(starts)).toBe(200);
    // It waited for its slots, not for longer: 1,000 at 200/s take five windows of one second.
    expect(Math.max(...starts) - T0).toBeLessThanOrEqual(4 * 1_001);
    expect(most).toBe(1);
  });

  it('gives the segments beyond a route\'s rate to the next free route', async () => {
    const smsc = new ThrottlingTransport('smsc1', rig.clock, 10);
    const gsm = new ThrottlingTransport('gsm1', rig.clock);
    const d = start([smsc, gsm], { smsc1: 5 });
    const ids = await enqueue(d, 20);
    await turns(40);
    // Within the first millisecond: five on the first route, the other fifteen through the second.
    expect(rig.clock.now).toBe(T0);
    expect(ids.every((qid) => rig.queue.show(qid).state === 'sent')).toBe(true);
    expect([smsc.count('sent'), gsm.count('sent')]).toEqual([5, 15]);
  });
});
