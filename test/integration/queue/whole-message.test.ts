/*
 * A transport that sends a whole message at once (Transport.sendMessage, SMPP `long: payload`):
 * the dispatcher gives it every part of a message in one call when all are queued and due
 * together, applies the one outcome to every part, and falls back to one part at a time for
 * what is left of a message part of which went out before. Real queue on a SQLite file.
 */
import { describe, expect, it, vi } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../../src/dispatch/index.js';
import type { OutboundSegment, SendOutcome, Transport } from '../../../src/transports/transport.js';
import { message } from './queue-fixtures.js';
import { useDispatchRig } from './dispatch-rig.js';
import { ScriptedTransport, type Step } from './scripted-transport.js';

const rig = useDispatchRig('mail2sms-whole-');

/** A scripted transport that also takes whole messages, each call one step of the script. */
class WholeTransport extends ScriptedTransport {
  readonly messages: (readonly OutboundSegment[])[] = [];
  sendMessage(segments: readonly OutboundSegment[], signal: AbortSignal): Promise<SendOutcome> {
    this.messages.push(segments);
    // One call, one step: the first part stands for the message in the script's bookkeeping.
    return this.send(segments[0] as OutboundSegment, signal);
  }
}

function start(transports: Transport[]): Dispatcher {
  const d = createDispatcher({ queue: rig.queue, transports, logger: rig.logger(), now: () => rig.clock.now, setTimer: rig.clock.setTimer, random: () => 0.5 });
  rig.dispatcher = d;
  d.start();
  return d;
}

const partsOf = (qid: string) => rig.queue.show(qid).parts;

describe('a transport with sendMessage', () => {
  it('gets all parts of a message in one call, and the one outcome marks every part sent with its reference, one attempt each', async () => {
    const up = new WholeTransport('up1');
    const d = start([up]);
    const [long, short] = (await rig.queue.enqueue([message({ texts: ['p1', 'p2', 'p3'] }), message({ to: '+819011112222', texts: ['alone'] })])) as [string, string];
    d.wake();
    await vi.waitFor(() => expect(rig.queue.show(short).state).toBe('sent'));
    await vi.waitFor(() => expect(rig.queue.show(long).state).toBe('sent'));
    expect(up.messages.map((m) => m.map((s) => [s.seq, s.text]))).toEqual([[[1, 'p1'], [2, 'p2'], [3, 'p3']]]);
    // The single-part message went through send(): sends holds it and the message's stand-in.
    expect(up.sends.map((s) => s.text)).toEqual(['p1', 'alone']);
    expect(partsOf(long).map((p) => [p.state, p.messageRef, p.attempts, p.route])).toEqual([['sent', '1', 1, 'up1'], ['sent', '1', 1, 'up1'], ['sent', '1', 1, 'up1']]);
    expect(rig.lines.filter((l) => l['event'] === 'delivery.attempt' && l['qid'] === long).map((l) => l['seg'])).toEqual(['1/3', '2/3', '3/3']);
    // Its one receipt settles all three parts.
    const match = rig.queue.markReport({ route: 'up1', messageRef: '1', recipient: '+819012345678', state: 'delivered', detail: 'stat:DELIVRD' }, rig.clock.now);
    expect(match).toMatchObject({ qid: long, seq: 3, seqs: [1, 2, 3], changed: true, messageState: 'delivered' });
    expect(partsOf(long).map((p) => p.state)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('counts a whole message as one of its sends: two long messages on a window of two are both on the wire', async () => {
    const up = new WholeTransport('up1', Array<Step>(2).fill('hold'), 2);
    const d = start([up]);
    const [a, b] = (await rig.queue.enqueue([message({ texts: ['a1', 'a2'] }), message({ to: '+819099999999', texts: ['b1', 'b2'] })])) as [string, string];
    d.wake();
    await vi.waitFor(() => expect(up.heldCount).toBe(2));
    expect(d.outstanding().map((o) => o.seg)).toEqual(['1-2/2', '1-2/2']);
    up.release();
    up.release();
    await vi.waitFor(() => expect([rig.queue.show(a).state, rig.queue.show(b).state]).toEqual(['sent', 'sent']));
    expect(up.messages).toHaveLength(2);
  });

  it('defers every part to the same attempt after a temporary failure, and sends them whole again then', async () => {
    const up = new WholeTransport('up1', [{ kind: 'failed', temporary: true, status: '4.3.0', diagnostic: 'ESME_RSYSERR (0x00000008): System Error' }]);
    const d = start([up]);
    const [qid] = (await rig.queue.enqueue([message({ texts: ['p1', 'p2', 'p3'] })])) as [string];
    d.wake();
    await vi.waitFor(() => expect(partsOf(qid).every((p) => p.state === 'queued' && p.attempts === 1)).toBe(true));
    const next = new Set(partsOf(qid).map((p) => p.nextAttemptAt));
    expect(next.size).toBe(1);
    rig.clock.advanceTo(Date.parse([...next][0] as string));
    await vi.waitFor(() => expect(rig.queue.show(qid).state).toBe('sent'));
    expect(up.messages.map((m) => m.length)).toEqual([3, 3]);
    expect(partsOf(qid).map((p) => p.attempts)).toEqual([2, 2, 2]);
  });

  it('takes back the attempt of every part when the whole message was throttled', async () => {
    const up = new WholeTransport('up1', [{ kind: 'throttled', diagnostic: 'ESME_RTHROTTLED (0x00000058)' }, 'hold']);
    const d = start([up]);
    const [qid] = (await rig.queue.enqueue([message({ texts: ['p1', 'p2'] })])) as [string];
    d.wake();
    await vi.waitFor(() => expect(partsOf(qid).map((p) => [p.state, p.attempts, p.lastStatus])).toEqual([['queued', 0, '4.4.5'], ['queued', 0, '4.4.5']]));
    expect(up.messages).toHaveLength(1);
  });

  it('sends a message again whole when all its parts were in flight at a crash (recovered unknown, resent)', async () => {
    const [qid] = (await rig.queue.enqueue([message({ texts: ['p1', 'p2', 'p3'] })])) as [string];
    // The stop came while the one submit_sm for all three was outstanding.
    rig.queue.batch(() => [1, 2, 3].forEach((seq) => rig.queue.markSending(qid, seq, 'up1', rig.clock.now)));
    expect(rig.queue.recover({ resendUnknown: true }, rig.clock.now)).toEqual({ unknown: 3, resent: 3 });
    const up = new WholeTransport('up1');
    start([up]);
    await vi.waitFor(() => expect(rig.queue.show(qid).state).toBe('sent'));
    expect(up.messages.map((m) => m.map((s) => s.seq))).toEqual([[1, 2, 3]]);
    expect(partsOf(qid).map((p) => p.attempts)).toEqual([2, 2, 2]);
  });

  it('sends the parts left one by one when part 1 went out on another route', async () => {
    const modem = new ScriptedTransport('gsm1', ['hold']);
    const up = new WholeTransport('up1');
    const d = start([modem, up]);
    const [qid] = (await rig.queue.enqueue([message({ texts: ['p1', 'p2', 'p3'] })])) as [string];
    d.wake();
    await vi.waitFor(() => expect(modem.heldCount).toBe(1));
    modem.ready = false; // unplugged once part 1 is out: the rest goes to up1
    modem.release();
    await vi.waitFor(() => expect(rig.queue.show(qid).state).toBe('sent'));
    expect(up.messages).toEqual([]);
    expect(up.sends.map((s) => [s.seq, s.concat?.seq])).toEqual([[2, 2], [3, 3]]);
    expect(partsOf(qid).map((p) => p.route)).toEqual(['gsm1', 'up1', 'up1']);
  });
});
