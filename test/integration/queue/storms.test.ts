/*
 * Alert storms (SPEC 7, issue #11 item 4) on a real SQLite file with the real dispatcher and a
 * clock moved by hand: coalescing of identical alerts, the hourly cap per number with its
 * summary, and the max age of a message whose turn comes late. Every accepted message is
 * accounted for in queue.list().
 */
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_ACCOUNT } from '../../../src/accounts/index.js';
import { createDispatcher, type Dispatcher, type StormAccount } from '../../../src/dispatch/index.js';
import type { NewMessage } from '../../../src/queue/index.js';
import { useDispatchRig } from './dispatch-rig.js';
import { message, T0 } from './queue-fixtures.js';
import { ScriptedTransport } from './scripted-transport.js';

const rig = useDispatchRig('mail2sms-storms-');
const TO = '+819012345678';
const HOUR = 3_600_000;

function start(transports: ScriptedTransport[], account: Partial<StormAccount>): Dispatcher {
  const settings: StormAccount = { ...DEFAULT_ACCOUNT, ...account };
  const d = createDispatcher({ queue: rig.queue, transports, logger: rig.logger(), now: () => rig.clock.now, setTimer: rig.clock.setTimer, accountOf: (name) => (name === 'default' ? settings : undefined) });
  rig.dispatcher = d;
  d.start();
  return d;
}

/** Accepts one message at the clock's time, as the accept path does, and lets the dispatcher run. */
async function accept(d: Dispatcher, overrides: Partial<NewMessage> & { texts?: readonly string[] }): Promise<string> {
  const [id] = await rig.queue.enqueue([message(overrides)]);
  d.wake();
  await settle();
  return id as string;
}

/** Lets the dispatcher's passes and the scripted sends run out. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

const events = (name: string) => rig.lines.filter((l) => l['event'] === name);
const byState = () => {
  const counts: Record<string, number> = {};
  for (const m of rig.queue.list({ limit: 10_000 })) counts[m.state] = (counts[m.state] ?? 0) + 1;
  return counts;
};

describe('coalescing identical alerts (SPEC 7)', () => {
  it('50 identical alerts in 10 s with a 60 s window: the first at once, one (x49) 60 s after it, all 50 accounted for', async () => {
    const sim = new ScriptedTransport('sim1');
    const d = start([sim], { coalesceMs: 60_000 });
    const text = 'CRITICAL db1 disk /var 97% full';
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      rig.clock.now = T0 + i * 200; // 50 alerts over 10 s
      ids.push(await accept(d, { mailId: `<a${i}@x>`, texts: [text] }));
    }
    await vi.waitFor(() => expect(sim.sends).toHaveLength(1));
    expect(sim.sends[0]).toMatchObject({ qid: ids[0], text });
    // Nothing busy-waits: the dispatcher sleeps until the window of the first ends.
    expect(rig.clock.pendingTimers()).toEqual([T0 + 60_000]);
    rig.clock.advanceTo(T0 + 60_000);
    await vi.waitFor(() => expect(sim.sends).toHaveLength(2));
    await settle();
    expect(sim.sends[1]).toMatchObject({ qid: ids[1], text: `(x49) ${text}` });
    expect(sim.sends).toHaveLength(2);

    expect(byState()).toEqual({ sent: 2, coalesced: 48 });
    for (const id of ids.slice(2)) {
      expect(rig.queue.show(id)).toMatchObject({ state: 'coalesced', storm: { coalescedInto: ids[1], coalesceReason: 'identical' } });
    }
    expect(rig.queue.show(ids[1] as string).storm).toMatchObject({ carried: 48, coalescedInto: null });
    expect(events('dispatch.held')).toHaveLength(49);
    expect(events('dispatch.coalesced')).toEqual([expect.objectContaining({ qid: ids[1], count: 49, absorbed: ids.slice(2) })]);
  });

  it('a pass filling several free slots at once sends the carrier and the other messages, never a message it just absorbed', async () => {
    // One read of the queue gives the pass all five heads; the first absorbs two of them.
    const smsc = new ScriptedTransport('smsc1', [], 5);
    const texts = ['CRITICAL db1 down', 'WARNING web2 slow', 'CRITICAL db1 down', 'CRITICAL db1 down', 'OK db3 back'];
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) {
      rig.clock.now = T0 + i;
      ids.push(...(await rig.queue.enqueue([message({ mailId: `<s${i}@x>`, texts: [text], to: text === 'CRITICAL db1 down' ? TO : `+81901234560${i}` })])));
    }
    start([smsc], { coalesceMs: 60_000 });
    await vi.waitFor(() => expect(smsc.sends).toHaveLength(3));
    await settle();
    expect(smsc.sends.map((s) => [s.qid, s.text])).toEqual([
      [ids[0], '(x3) CRITICAL db1 down'],
      [ids[1], 'WARNING web2 slow'],
      [ids[4], 'OK db3 back'],
    ]);
    expect(byState()).toEqual({ sent: 3, coalesced: 2 });
    // The absorbed ones are not decided again (as held behind their carrier) from a stale read.
    expect(events('dispatch.held')).toEqual([]);
    expect(events('dispatch.queue_error')).toEqual([]);
  });

  it('does not coalesce different texts, other numbers, other accounts or x-smpp encapsulated messages', async () => {
    const sim = new ScriptedTransport('sim1');
    const d = start([sim], { coalesceMs: 60_000 });
    await accept(d, { texts: ['same'] });
    await accept(d, { texts: ['other'] });
    await accept(d, { texts: ['same'], to: '+819099999999' });
    await accept(d, { texts: ['same'], account: 'other' });
    await accept(d, { texts: [''], encoding: 'binary', parts: [{ text: '', userDataHex: '0102', dcs: 4 }] });
    await accept(d, { texts: [''], encoding: 'binary', parts: [{ text: '', userDataHex: '0102', dcs: 4 }] });
    await vi.waitFor(() => expect(sim.sends).toHaveLength(6));
    expect(byState()).toEqual({ sent: 6 });
  });

  it('turned off (coalesce off) sends every identical alert as it is', async () => {
    const sim = new ScriptedTransport('sim1');
    const d = start([sim], { coalesceMs: null });
    for (let i = 0; i < 3; i += 1) await accept(d, { texts: ['same'] });
    await vi.waitFor(() => expect(sim.sends).toHaveLength(3));
    expect(sim.sends.map((s) => s.text)).toEqual(['same', 'same', 'same']);
  });

  it('re-segments a carrier whose count makes it longer, with a concatenation reference', async () => {
    const sim = new ScriptedTransport('sim1');
    const d = start([sim], { coalesceMs: 60_000 });
    const text = 'x'.repeat(158);
    for (let i = 0; i < 4; i += 1) await accept(d, { texts: [text] });
    rig.clock.advanceTo(T0 + 60_000);
    await vi.waitFor(() => expect(sim.sends).toHaveLength(3));
    expect(sim.sends.slice(1).map((s) => s.text).join('')).toBe(`(x3) ${text}`);
    expect(sim.sends[1]?.concat).toMatchObject({ total: 2, seq: 1 });
  });
});

describe('the hourly cap per number (SPEC 7)', () => {
  it('200 different alerts in an hour with max_per_hour 20: 20 SMS, then one summary naming the 200th, all 200 accounted for', async () => {
    const sim = new ScriptedTransport('sim1');
    const d = start([sim], { coalesceMs: 60_000, maxPerHour: 20 });
    const ids: string[] = [];
    for (let i = 0; i < 200; i += 1) {
      rig.clock.advanceTo(T0 + i * 17_000); // 200 alerts over 56 min
      ids.push(await accept(d, { mailId: `<b${i}@x>`, texts: [`alert ${i + 1}: host${i + 1} down`] }));
    }
    await settle();
    expect(sim.sends).toHaveLength(20);
    expect(sim.sends.map((s) => s.qid)).toEqual(ids.slice(0, 20));
    expect(rig.queue.show(ids[20] as string)).toMatchObject({ state: 'queued', storm: { heldReason: 'hourly-cap', heldUntil: new Date(T0 + HOUR).toISOString() } });
    rig.clock.advanceTo(T0 + HOUR);
    await vi.waitFor(() => expect(sim.sends).toHaveLength(21));
    await settle();
    expect(sim.sends).toHaveLength(21);
    const summary = sim.sends[20]!;
    expect(summary.text).toBe('180 more alerts held, last: alert 200: host200 down');
    expect(rig.queue.show(summary.qid)).toMatchObject({ state: 'sent', from: '', storm: { kind: 'summary', carried: 180 } });
    expect(byState()).toEqual({ sent: 21, coalesced: 180 });
    for (const id of ids.slice(20)) expect(rig.queue.show(id).storm).toMatchObject({ coalescedInto: summary.qid, coalesceReason: 'hourly-cap' });
    expect(events('dispatch.summary')).toEqual([expect.objectContaining({ qid: summary.qid, count: 180, last: ids[199] })]);

    // The summary opened the next hour: 19 more go, the 20th after it is held again.
    for (let i = 0; i < 20; i += 1) {
      rig.clock.advanceTo(T0 + HOUR + 1_000 + i * 1_000);
      await accept(d, { texts: [`next hour ${i}`] });
    }
    await settle();
    expect(sim.sends).toHaveLength(40);
    expect(byState()).toEqual({ sent: 40, coalesced: 180, queued: 1 });
  });

  it('a carrier of identical alerts counts once in the hour', async () => {
    const sim = new ScriptedTransport('sim1');
    const d = start([sim], { coalesceMs: 60_000, maxPerHour: 3 });
    await accept(d, { texts: ['a'] });
    sim.ready = false; // five identical alerts queue up while the modem is away
    for (let i = 0; i < 5; i += 1) await accept(d, { texts: ['b'] });
    sim.ready = true;
    d.wake();
    await vi.waitFor(() => expect(sim.sends).toHaveLength(2));
    await accept(d, { texts: ['c'] });
    const held = await accept(d, { texts: ['d'] });
    await settle();
    // a, (x5) b and c make the three of the hour; d waits for the hour to end.
    expect(sim.sends.map((s) => s.text)).toEqual(['a', '(x5) b', 'c']);
    expect(rig.queue.show(held).storm).toMatchObject({ heldReason: 'hourly-cap', heldUntil: new Date(T0 + HOUR).toISOString() });
    rig.clock.advanceTo(T0 + HOUR);
    // One held message is sent as itself, not as a summary of one.
    await vi.waitFor(() => expect(sim.sends).toHaveLength(4));
    expect(sim.sends[3]).toMatchObject({ qid: held, text: 'd' });
  });
});

describe('the max age of a message (SPEC 7)', () => {
  it('a message older than max_age when the modem comes back ends expired with a failure notice due; a younger one is sent', async () => {
    const sim = new ScriptedTransport('sim1');
    sim.ready = false;
    const d = start([sim], { maxAgeMs: 10 * 60_000 });
    const old = await accept(d, { mailId: '<old@x>', texts: ['old alert'] });
    rig.clock.advanceTo(T0 + 8 * 60_000);
    const young = await accept(d, { mailId: '<young@x>', texts: ['young alert'] });
    rig.clock.advanceTo(T0 + 11 * 60_000); // the modem comes back
    sim.ready = true;
    d.wake();
    await vi.waitFor(() => expect(sim.sends).toHaveLength(1));
    expect(sim.sends[0]).toMatchObject({ qid: young, text: 'young alert' });
    const expired = rig.queue.show(old);
    expect(expired).toMatchObject({ state: 'expired', lastError: expect.stringContaining("older than the account's max age (10m)") });
    expect(events('dispatch.max_age')).toEqual([expect.objectContaining({ qid: old, age: 660, maxAge: 600, dsn: '4.4.7' })]);
    // The failure notice is due at once (notify failure is on), as for a validity expiry.
    expect(rig.queue.dsnDue(rig.clock.now, HOUR)).toContainEqual(expect.objectContaining({ mailId: '<old@x>' }));
    const [notice] = rig.queue.dsnMail({ mailId: '<old@x>', from: 'alerts@example.lan', createdAt: T0 });
    expect(notice?.parts[0]).toMatchObject({ state: 'expired', lastStatus: '4.4.7', lastDiagnostic: expect.stringContaining('max age') });
  });
});

describe('the notices of coalesced messages (SPEC 7, 8)', () => {
  it('follow the message that carried them: due when it ends, with its outcome, naming it and the count', async () => {
    const sim = new ScriptedTransport('sim1', [{ kind: 'sent', messageRef: '1' }, 'hold']);
    const d = start([sim], { coalesceMs: 60_000 });
    const first = await accept(d, { mailId: '<c0@x>', texts: ['same'] });
    const carrier = await accept(d, { mailId: '<c1@x>', texts: ['same'] });
    const rider = await accept(d, { mailId: '<c2@x>', texts: ['same'], notify: { success: true, failure: true } });
    rig.clock.advanceTo(T0 + 60_000);
    await vi.waitFor(() => expect(sim.heldCount).toBe(1));
    // The carrier is on the wire: the coalesced one has ended, but its notice waits for the carrier.
    expect(rig.queue.show(rider).state).toBe('coalesced');
    expect(rig.queue.dsnDue(rig.clock.now, HOUR).map((k) => k.mailId)).toEqual(['<c0@x>']);
    sim.release({ kind: 'failed', temporary: false, status: '5.1.1', diagnostic: '+CMS ERROR: 1 (unassigned number)' });
    await vi.waitFor(() => expect(rig.queue.show(carrier).state).toBe('failed'));
    expect(rig.queue.dsnDue(rig.clock.now, HOUR).map((k) => k.mailId).sort()).toEqual(['<c0@x>', '<c1@x>', '<c2@x>']);
    const [message] = rig.queue.dsnMail({ mailId: '<c2@x>', from: 'alerts@example.lan', createdAt: T0 });
    expect(message).toMatchObject({ qid: rider, state: 'coalesced', carrier: { qid: carrier, state: 'failed', reason: 'identical', carried: 1 } });
    expect(first).not.toBe(carrier);
  });
});
