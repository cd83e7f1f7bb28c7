// A stand-in for the radio network: implements the Transport contract and answers each send()
// with the next scripted step. Steps: an outcome, 'reject' (a transport bug), or 'hold' (the
// send stays open until release() or the abort signal; an aborted send answers unknown).
import type { OutboundSegment, SendOutcome, StatusReport, Transport, TransportHealth } from '../../../src/transports/transport.js';

export type Step = SendOutcome | 'reject' | 'hold';

export class ScriptedTransport implements Transport {
  readonly kind = 'sim' as const;
  readonly sends: OutboundSegment[] = [];
  ready = true;
  /** Largest number of sends of one message open at once, and of all messages. */
  maxOpenPerMessage = 0;
  maxOpen = 0;
  private readonly open = new Map<string, number>();
  private readonly held: Array<(outcome: SendOutcome) => void> = [];
  private ref = 0;

  constructor(
    readonly name: string,
    private readonly script: Step[] = [],
    readonly concurrency = 1,
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health(): TransportHealth {
    return { ready: this.ready, state: this.ready ? 'ready' : 'unplugged' };
  }
  /** Receives nothing. */
  onReceived(): () => void {
    return () => undefined;
  }
  onStatusReport(_listener: (report: StatusReport) => void): () => void {
    return () => undefined;
  }

  /** Answers the oldest held send. */
  release(outcome?: SendOutcome): void {
    const answer = this.held.shift();
    if (answer === undefined) throw new Error('no held send to release');
    answer(outcome ?? this.nextSent());
  }
  get heldCount(): number {
    return this.held.length;
  }

  async send(segment: OutboundSegment, signal: AbortSignal): Promise<SendOutcome> {
    this.sends.push(segment);
    const openNow = (this.open.get(segment.qid) ?? 0) + 1;
    this.open.set(segment.qid, openNow);
    this.maxOpenPerMessage = Math.max(this.maxOpenPerMessage, openNow);
    this.maxOpen = Math.max(this.maxOpen, [...this.open.values()].reduce((a, b) => a + b, 0));
    try {
      const step = this.script.shift() ?? this.nextSent();
      if (step === 'reject') throw new Error('driver bug: cannot read property of undefined');
      if (step !== 'hold') return step;
      return await new Promise<SendOutcome>((resolve) => {
        this.held.push(resolve);
        signal.addEventListener('abort', () => resolve({ kind: 'unknown', diagnostic: 'aborted at shutdown' }));
      });
    } finally {
      this.open.set(segment.qid, (this.open.get(segment.qid) ?? 1) - 1);
    }
  }

  private nextSent(): SendOutcome {
    this.ref += 1;
    return { kind: 'sent', messageRef: String(this.ref) };
  }
}

/** A clock and timer pair the test moves by hand. */
export class FakeClock {
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  constructor(public now: number) {}

  readonly setTimer = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: this.now + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  };

  /** Moves the clock to `to` and fires the timers due by then. */
  advanceTo(to: number): void {
    this.now = to;
    const due = this.timers.filter((t) => t.live && t.at <= to);
    this.timers = this.timers.filter((t) => t.live && t.at > to);
    for (const t of due) t.fn();
  }

  pendingTimers(): number[] {
    return this.timers.filter((t) => t.live).map((t) => t.at);
  }
}
