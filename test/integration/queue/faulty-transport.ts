// A route that injects faults from a seeded generator until its share of a shared fault budget
// is spent: a temporary failure, an unknown outcome (the device went silent after the PDU may
// have left), a rejected send() (a transport bug), or an unplug (a temporary failure, then not
// ready until `downUntil`). Every send and its outcome is written down for the counting.
import type { OutboundSegment, SendOutcome, StatusReport, Transport, TransportHealth } from '../../../src/transports/transport.js';

export type Fault = 'temporary' | 'unknown' | 'reject' | 'unplug';
export const FAULTS: readonly Fault[] = ['temporary', 'unknown', 'reject', 'unplug'];

/** One send as the radio saw it. */
export interface SendRecord {
  readonly route: string;
  readonly key: string;
  readonly account: string;
  readonly result: 'sent' | Fault;
}

/** Faults left to inject, shared by the routes of one pool. */
export interface FaultBudget {
  left: number;
}

/** Mulberry32: a small seeded generator, so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultyTransport implements Transport {
  readonly kind = 'sim' as const;
  readonly concurrency = 1;
  downUntil = 0;
  private ref = 0;

  constructor(
    readonly name: string,
    private readonly clock: { now: number },
    private readonly random: () => number,
    private readonly budget: FaultBudget,
    private readonly log: SendRecord[],
    /** Account of a message id, for the records. */
    private readonly accountOf: (qid: string) => string,
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  /** Receives nothing. */
  onReceived(): () => void {
    return () => undefined;
  }
  onStatusReport(_listener: (report: StatusReport) => void): () => void {
    return () => undefined;
  }
  health(): TransportHealth {
    const ready = this.clock.now >= this.downUntil;
    return { ready, state: ready ? 'ready' : 'unplugged' };
  }

  async send(segment: OutboundSegment): Promise<SendOutcome> {
    const fault = this.budget.left > 0 && this.random() < 0.6 ? FAULTS[Math.floor(this.random() * FAULTS.length)] : undefined;
    const result = fault ?? 'sent';
    if (fault !== undefined) this.budget.left -= 1;
    this.log.push({ route: this.name, key: `${segment.qid}/${segment.seq}`, account: this.accountOf(segment.qid), result });
    await Promise.resolve();
    switch (result) {
      case 'sent':
        this.ref += 1;
        return { kind: 'sent', messageRef: `${this.name}-${this.ref}` };
      case 'temporary':
        return { kind: 'failed', temporary: true, status: '4.4.2', diagnostic: '+CMS ERROR: 332 (network timeout)' };
      case 'unknown':
        return { kind: 'unknown', diagnostic: 'no answer after the PDU' };
      case 'reject':
        throw new Error('driver bug');
      case 'unplug':
        this.downUntil = this.clock.now + 3_000;
        return { kind: 'failed', temporary: true, status: '4.4.1', diagnostic: 'port closed' };
    }
  }
}
