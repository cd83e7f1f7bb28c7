// Throttling is not failure (SPEC 9, issue 13 items 3 and 6): an upstream that answers
// `throttled` (ESME_RTHROTTLED) costs the segment no attempt, pauses the route and probes it,
// never takes it out of the pool, and the other routes take the segments meanwhile. Real queue
// on a real SQLite file; the clock and timers are moved by hand.
import { describe, expect, it } from 'vitest';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../../../src/dispatch/index.js';
import { createLogger } from '../../../src/log/index.js';
import { createGatewayCounters, gatewayHealth, Metrics, observeGateway } from '../../../src/metrics/index.js';
import { useDispatchRig } from './dispatch-rig.js';
import { message, T0, tempQueue } from './queue-fixtures.js';
import { ThrottlingTransport } from './throttling-transport.js';

const rig = useDispatchRig('mail2sms-throttle-');

const turns = async (n: number) => {
  for (let i = 0; i < n; i += 1) await new Promise((r) => setImmediate(r));
};

function start(transports: ThrottlingTransport[], extra: Partial<DispatcherOptions> = {}): Dispatcher {
  const d = createDispatcher({
    queue: rig.queue,
    transports,
    logger: rig.logger(),
    now: () => rig.clock.now,
    setTimer: rig.clock.setTimer,
    breaker: { threshold: 2, coolDownMs: 10_000, maxCoolDownMs: 40_000 },
    ...extra,
  });
  rig.dispatcher = d;
  d.start();
  return d;
}

async function enqueue(d: Dispatcher, n: number): Promise<string[]> {
  const ids = await rig.queue.enqueue(Array.from({ length: n }, (_, i) => message({ to: `+8190${String(30000000 + i)}`, texts: [`alert ${i}`] })));
  d.wake();
  return ids;
}

/** Lets the passes run, then moves the clock to the one timer the dispatcher armed, until `done`. */
async function runUntil(done: () => boolean, label: string, onStep: () => void = () => undefined): Promise<void> {
  for (let step = 0; step < 5_000; step += 1) {
    await turns(4);
    onStep();
    if (done()) return;
    const timers = rig.clock.pendingTimers();
    expect(timers.length).toBeLessThanOrEqual(1); // one timer for the next moment, no polling
    if (timers[0] !== undefined) rig.clock.advanceTo(timers[0]);
  }
  throw new Error(`never reached: ${label}`);
}

const events = (name: string) => rig.lines.filter((l) => l['event'] === name);

describe('a throttled route', () => {
  it('costs the segment no attempt: 50 throttled answers, then sent, and the queue counts one attempt', async () => {
    const smsc = new ThrottlingTransport('smsc1', rig.clock);
    smsc.throttleNext = 50;
    const metrics = new Metrics();
    const d = start([smsc], { counters: createGatewayCounters(metrics) });
    const [qid] = await enqueue(d, 1);
    const part = () => rig.queue.show(qid as string).parts[0];
    await runUntil(() => smsc.seen.length >= 1, 'the first send');
    await turns(4);
    expect(part()).toMatchObject({ state: 'queued', attempts: 0, lastStatus: '4.4.5' });
    await runUntil(() => part()?.state === 'sent', 'the segment sent');
    expect(smsc.count('throttled')).toBe(50);
    expect(part()?.attempts).toBe(1);
    expect(events('delivery.attempt')).toHaveLength(1);
    // One warning for the whole episode, with the pause; one line when it ends; never taken out.
    expect(events('route.throttled')).toHaveLength(1);
    expect(events('route.throttled')[0]).toMatchObject({ level: 'warn', transport: 'smpp:smsc1', pauseMs: 1_000, reason: 'ESME_RTHROTTLED (0x00000058)' });
    expect(events('route.unthrottled')).toHaveLength(1);
    expect(events('route.out')).toHaveLength(0);
    expect(metrics.render()).toContain('mail2sms_route_throttled_total{route="smsc1"} 50');
    // The pause doubled up to its 60 s cap: 1 + 2 + … + 32 s, then 60 s for each of the other 44.
    expect(rig.clock.now - T0).toBe(63_000 + 44 * 60_000);
  });

  it('is not used during its pause but by one probe; traffic moves to the next route and comes back, none lost', async () => {
    const smsc = new ThrottlingTransport('smsc1', rig.clock, 5);
    const gsm = new ThrottlingTransport('gsm1', rig.clock);
    smsc.throttleNext = 1;
    smsc.retryAfterMs = 10_000;
    const metrics = new Metrics();
    const d = start([smsc, gsm], { rates: { gsm1: 1 } });
    observeGateway(metrics, { transports: [smsc, gsm], queue: rig.queue, inFlight: () => d.inFlight(), throttled: () => d.throttled(), startedAt: T0, now: () => rig.clock.now });
    const health = () => gatewayHealth({ transports: [smsc, gsm], queue: rig.queue, inFlight: () => d.inFlight(), throttled: () => d.throttled(), startedAt: T0, now: () => rig.clock.now });
    const ids = await enqueue(d, 20);
    let seenPaused = false;
    const sent = () => ids.every((qid) => rig.queue.show(qid).state === 'sent');
    await runUntil(sent, 'every message sent', () => {
      if (rig.clock.now < T0 + 10_000 && smsc.seen.length > 0) {
        seenPaused = true;
        expect(d.throttled()).toEqual([{ route: 'smsc1', throttles: 1, pausedUntil: T0 + 10_000 }]);
        expect(health().body).toMatchObject({ status: 'ok', problems: [], routes: [{ name: 'smsc1', ready: true, throttled: { throttles: 1, pausedUntil: new Date(T0 + 10_000).toISOString() } }, { name: 'gsm1' }] });
        expect(metrics.render()).toContain('mail2sms_route_throttled{route="smsc1"} 1');
      }
    });
    expect(seenPaused).toBe(true);
    const smscStarts = smsc.seen.map((s) => s.at - T0);
    expect(smscStarts[0]).toBe(0);
    // Nothing went to the throttled route during its pause; the next route took the segments.
    expect(smscStarts.filter((at) => at > 0 && at < 10_000)).toEqual([]);
    expect(gsm.seen.filter((s) => s.at < T0 + 10_000).length).toBeGreaterThanOrEqual(8);
    // After the pause one probe alone (the next send starts only once it is answered), then the
    // rest back on the first route at its full concurrency.
    const after = smsc.seen.filter((s) => s.at >= T0 + 10_000);
    expect(after.length).toBeGreaterThanOrEqual(6);
    expect(after.slice(0, 2).map((s) => s.open)).toEqual([0, 0]);
    expect(Math.max(...after.map((s) => s.open))).toBe(4);
    expect(d.throttled()).toEqual([]);
    expect(metrics.render()).toContain('mail2sms_route_throttled{route="smsc1"} 0');
    expect(events('route.throttled')[0]).toMatchObject({ retryAfterMs: 10_000, until: new Date(T0 + 10_000).toISOString() });
    // Each segment went out exactly once, with one attempt.
    const sentKeys = [...smsc.seen, ...gsm.seen].filter((s) => s.answer === 'sent').map((s) => s.key);
    expect(new Set(sentKeys).size).toBe(20);
    expect(sentKeys).toHaveLength(20);
    expect(ids.map((qid) => rig.queue.show(qid).parts[0]?.attempts)).toEqual(Array<number>(20).fill(1));
    expect(events('route.out')).toHaveLength(0);
  });

  it('throttled above N sends a second: the segments beyond go to the next route, and nothing is lost', async () => {
    const smsc = new ThrottlingTransport('smsc1', rig.clock, 10);
    const gsm = new ThrottlingTransport('gsm1', rig.clock);
    smsc.throttleAbove = 5;
    const d = start([smsc, gsm]);
    const ids = await enqueue(d, 60);
    await runUntil(() => ids.every((qid) => rig.queue.show(qid).state === 'sent'), 'every message sent');
    expect(smsc.count('throttled')).toBeGreaterThan(0);
    expect(gsm.count('sent')).toBeGreaterThan(0);
    expect(smsc.count('sent') + gsm.count('sent')).toBe(60);
    expect(ids.map((qid) => rig.queue.show(qid).parts[0]?.attempts)).toEqual(Array<number>(60).fill(1));
    expect(events('route.out')).toHaveLength(0);
  });

  it('lets the account max age end a segment that is throttled for ever', async () => {
    const smsc = new ThrottlingTransport('smsc1', rig.clock);
    smsc.throttleNext = Number.POSITIVE_INFINITY;
    const account = { coalesceMs: null, maxPerHour: null, maxAgeMs: 5 * 60_000, long: 'concatenate', maxSegments: 10, validityMs: 86_400_000 } as const;
    const d = start([smsc], { accountOf: () => account });
    const [qid] = await enqueue(d, 1);
    await runUntil(() => rig.queue.show(qid as string).state === 'expired', 'the message expired');
    expect(smsc.count('sent')).toBe(0);
    expect(smsc.count('throttled')).toBeGreaterThan(3);
    expect(rig.queue.show(qid as string).parts[0]?.attempts).toBe(0);
    expect(events('dispatch.max_age')).toHaveLength(1);
  });
});

describe('a throttled segment across a restart', () => {
  it('stays queued in the SQLite file, its attempt not counted, and is sent after the restart', async () => {
    const tq = tempQueue();
    try {
      const clock = tq.clock;
      const logger = createLogger({ level: 'silent' });
      const smsc = new ThrottlingTransport('smsc1', clock);
      smsc.throttleNext = 1;
      smsc.retryAfterMs = 3_600_000;
      const first = createDispatcher({ queue: tq.queue, transports: [smsc], logger, now: () => clock.now, setTimer: () => () => undefined });
      first.start();
      const [qid] = await tq.queue.enqueue([message()]);
      first.wake();
      await turns(6);
      expect(smsc.count('throttled')).toBe(1);
      await first.stop({ drain: true });
      await tq.queue.close();

      const queue = tq.reopen();
      expect(queue.recover({ resendUnknown: true }, clock.now)).toEqual({ unknown: 0, resent: 0 });
      expect(queue.show(qid as string).parts[0]).toMatchObject({ state: 'queued', attempts: 0 });
      const again = new ThrottlingTransport('smsc1', clock);
      const second = createDispatcher({ queue, transports: [again], logger, now: () => clock.now, setTimer: () => () => undefined });
      second.start();
      await turns(6);
      await second.stop({ drain: true });
      expect(again.count('sent')).toBe(1);
      expect(queue.show(qid as string).parts[0]).toMatchObject({ state: 'sent', attempts: 1 });
    } finally {
      await tq.cleanup();
    }
  });
});
