// An upstream that says "slow down", as an SMSC answers ESME_RTHROTTLED: it implements the
// Transport contract, answers each send at once, and answers `throttled` for the next
// `throttleNext` sends, or for every send above `throttleAbove` accepted sends in the last
// second. Every send's start (the clock's time) and answer is written down for the counting.
import type { OutboundSegment, SendOutcome, StatusReport, Transport, TransportHealth } from '../../../src/transports/transport.js';

export interface SendSeen {
  readonly key: string;
  readonly at: number;
  /** Sends of this transport under way when it started. */
  readonly open: number;
  readonly answer: 'sent' | 'throttled';
}

export class ThrottlingTransport implements Transport {
  readonly kind = 'smpp' as const;
  readonly seen: SendSeen[] = [];
  /** Answer `throttled` to this many of the next sends. */
  throttleNext = 0;
  /** Answer `throttled` to a send when this many were accepted in the last 1000 ms. */
  throttleAbove: number | undefined;
  /** The retry-after the throttled answers carry, if any. */
  retryAfterMs: number | undefined;
  private ref = 0;
  private open = 0;

  constructor(
    readonly name: string,
    private readonly clock: { readonly now: number },
    readonly concurrency = 1,
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health(): TransportHealth {
    return { ready: true, state: 'ready' };
  }
  /** Receives nothing. */
  onReceived(): () => void {
    return () => undefined;
  }
  onStatusReport(_listener: (report: StatusReport) => void): () => void {
    return () => undefined;
  }

  /** Sends started, by answer. */
  count(answer: SendSeen['answer']): number {
    return this.seen.filter((s) => s.answer === answer).length;
  }

  async send(segment: OutboundSegment): Promise<SendOutcome> {
    const at = this.clock.now;
    const accepted = this.seen.filter((s) => s.answer === 'sent' && s.at > at - 1000).length;
    const throttle = this.throttleNext > 0 || (this.throttleAbove !== undefined && accepted >= this.throttleAbove);
    if (this.throttleNext > 0) this.throttleNext -= 1;
    this.seen.push({ key: `${segment.qid}/${segment.seq}`, at, open: this.open, answer: throttle ? 'throttled' : 'sent' });
    this.open += 1;
    await Promise.resolve();
    this.open -= 1;
    if (throttle) return { kind: 'throttled', diagnostic: 'ESME_RTHROTTLED (0x00000058)', ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }) };
    this.ref += 1;
    return { kind: 'sent', messageRef: `${this.name}-${this.ref}` };
  }
}
