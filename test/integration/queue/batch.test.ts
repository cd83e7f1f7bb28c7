// Queue.batch(): several marks in one committed transaction, and the dispatcher's use of it.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDispatcher, type Dispatcher } from '../../../src/dispatch/index.js';
import { silentLogger } from '../../../src/log/index.js';
import type { Queue } from '../../../src/queue/index.js';
import type { OutboundSegment, SendOutcome } from '../../../src/transports/transport.js';
import { message, T0, tempQueue, type TempQueue } from './queue-fixtures.js';
import { FakeClock, ScriptedTransport } from './scripted-transport.js';

let tq: TempQueue;
let queue: Queue;
let other: Database.Database;
let dispatcher: Dispatcher | undefined;
beforeEach(() => {
  tq = tempQueue();
  queue = tq.queue;
  other = new Database(tq.path, { readonly: true });
});
afterEach(async () => {
  await dispatcher?.stop({ drain: false });
  dispatcher = undefined;
  other.close();
  await tq.cleanup();
});

/** Segment states as another connection sees them: committed data only. */
const committed = (qid: string): string[] =>
  (other.prepare('SELECT state FROM segments WHERE message_id = ? ORDER BY seq').all(qid) as { state: string }[]).map((r) => r.state);

describe('Queue.batch', () => {
  it('commits its marks together when it returns, and not before', async () => {
    const [a, b] = (await queue.enqueue([message({ to: '+819011111111' }), message({ to: '+819022222222' })])) as [string, string];
    queue.batch(() => {
      queue.markSending(a, 1, 'sim', T0);
      queue.markSending(b, 1, 'sim', T0);
      expect(committed(a)).toEqual(['queued']);
      expect(queue.nextReady(T0)).toBeUndefined(); // its own reads see its marks
    });
    expect(committed(a)).toEqual(['sending']);
    expect(committed(b)).toEqual(['sending']);
  });

  it('keeps nothing when its work throws', async () => {
    const [a] = (await queue.enqueue([message()])) as [string];
    expect(() =>
      queue.batch(() => {
        queue.markSending(a, 1, 'sim', T0);
        throw new Error('stop here');
      }),
    ).toThrow('stop here');
    expect(committed(a)).toEqual(['queued']);
    expect(queue.show(a).state).toBe('queued');
  });

  it('undoes only a mark that fails inside it and commits the others', async () => {
    const [a, b] = (await queue.enqueue([message({ to: '+819011111111' }), message({ to: '+819022222222' })])) as [string, string];
    queue.batch(() => {
      queue.markSending(a, 1, 'sim', T0);
      expect(() => queue.markSent(b, 1, '9', 'sim', T0)).toThrow(/markSent/); // b is not being sent
    });
    expect(committed(a)).toEqual(['sending']);
    expect(committed(b)).toEqual(['queued']);
    expect(queue.show(b).state).toBe('queued');
  });
});

/** A transport that notes, at each hand-over, what another connection sees of that message. */
class WitnessTransport extends ScriptedTransport {
  readonly seen: string[][] = [];
  override async send(segment: OutboundSegment, signal: AbortSignal): Promise<SendOutcome> {
    this.seen.push(committed(segment.qid));
    return super.send(segment, signal);
  }
}

describe('dispatcher commits', () => {
  it('hands part n + 1 over only once part n is committed sent and part n + 1 committed sending', async () => {
    const sim = new WitnessTransport('sim1');
    const clock = new FakeClock(T0);
    dispatcher = createDispatcher({ queue, transports: [sim], logger: silentLogger(), now: () => clock.now, setTimer: clock.setTimer });
    dispatcher.start();
    const [qid] = (await queue.enqueue([message({ texts: ['one', 'two', 'three'] })])) as [string];
    dispatcher.wake();
    await vi.waitFor(() => expect(committed(qid)).toEqual(['sent', 'sent', 'sent']));
    expect(sim.seen).toEqual([
      ['sending', 'queued', 'queued'],
      ['sent', 'sending', 'queued'],
      ['sent', 'sent', 'sending'],
    ]);
  });

  it('commits the outcome of the last send without a further send to carry it', async () => {
    const sim = new ScriptedTransport('sim1', ['hold']);
    const clock = new FakeClock(T0);
    dispatcher = createDispatcher({ queue, transports: [sim], logger: silentLogger(), now: () => clock.now, setTimer: clock.setTimer });
    dispatcher.start();
    const [qid] = (await queue.enqueue([message()])) as [string];
    dispatcher.wake();
    await vi.waitFor(() => expect(sim.heldCount).toBe(1));
    expect(committed(qid)).toEqual(['sending']);
    sim.release();
    await vi.waitFor(() => expect(committed(qid)).toEqual(['sent']));
  });
});
