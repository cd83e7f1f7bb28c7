/*
 * dispatcher.ts - the send path: takes ready segments from the queue and keeps every ready
 * transport busy, in route order, up to its concurrency.
 *
 * Promises (SPEC 7, STYLE 4): a segment is marked `sending` and committed before the transport
 * sees it, so after a crash the queue knows it may have gone out; two parts of one message are
 * never on the wire at once, and part n + 1 leaves only after part n (the queue's ready order);
 * every outcome goes through decideOutcome() and is applied to the queue; one summary line is
 * logged per attempt, as Postfix's `status=sent|deferred|bounced`. Nothing escapes the loop: a
 * transport whose send() rejects has a bug, which is logged under `err` and treated as a
 * temporary failure, and a queue error is logged and retried later.
 *
 * When idle it sleeps until the queue's next scheduled attempt (a timer, no polling); the
 * accept path calls wake() after each commit. Limit: a transport that turns ready again is
 * noticed at the next wake, send completion or recheck (`recheckMs`), not at once.
 */
import type { Logger } from '../log/index.js';
import { isExpired, type BackoffPolicy, type Queue, type ReadySegment } from '../queue/index.js';
import type { SendOutcome, Transport } from '../transports/transport.js';
import { attemptStatus, decideOutcome, EXPIRED_STATUS, type Decision } from './outcome.js';

/** Runs `callback` after `ms`; returns a function that cancels it. Tests inject a fake clock. */
export type SetTimer = (callback: () => void, ms: number) => () => void;

export interface DispatcherOptions {
  readonly queue: Queue;
  /** In config order: earlier routes are filled first. */
  readonly transports: readonly Transport[];
  readonly logger: Logger;
  readonly now?: () => number;
  readonly setTimer?: SetTimer;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  /** SPEC 7 per account: resend a segment that may have gone out (default: yes). */
  readonly resendUnknown?: (account: string) => boolean;
  /** How soon to look again when work waits but no transport is ready, ms (default 1000). */
  readonly recheckMs?: number;
}

export interface Dispatcher {
  start(): void;
  /** New work was committed: look for it now. */
  wake(): void;
  /** drain: let sends under way finish; otherwise abort them. Each still gets its outcome applied. */
  stop(options: { readonly drain: boolean }): Promise<void>;
  /** Sends under way, for /healthz and tests. */
  inFlight(): number;
}

/** Expired messages ended in one pass before the loop yields (an outage can leave many). */
const MAX_EXPIRE_PER_PUMP = 1000;

const defaultSetTimer: SetTimer = (callback, ms) => {
  const handle = setTimeout(callback, ms);
  handle.unref();
  return () => clearTimeout(handle);
};

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { queue, transports } = options;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? defaultSetTimer;
  const recheckMs = options.recheckMs ?? 1000;
  const logger = options.logger.child({ component: 'dispatch' });
  const busy = new Map<Transport, number>(transports.map((t) => [t, 0]));
  const qidsInFlight = new Set<string>();
  const controllers = new Set<AbortController>();
  const sends = new Set<Promise<void>>();
  let running = false;
  let cancelTimer: (() => void) | undefined;
  let wakeQueued = false;

  const sleepUntil = (at: number): void => {
    cancelTimer?.();
    cancelTimer = setTimer(() => {
      cancelTimer = undefined;
      pump();
    }, Math.max(0, at - now()));
  };

  /** The next segment still within its validity; expired ones are ended on the way. */
  const nextSendable = (): ReadySegment | undefined => {
    // Bounded: a queue that kept returning an expired segment must not hang the loop.
    for (let expired = 0; expired < MAX_EXPIRE_PER_PUMP; expired += 1) {
      const at = now();
      const item = queue.nextReady(at, qidsInFlight);
      if (item === undefined || !isExpired(item.validUntil, at)) return item;
      const reason = 'validity ended before it could be sent';
      queue.expire(item.segment.qid, EXPIRED_STATUS, reason, at);
      logger.info(
        { event: 'delivery.expired', qid: item.segment.qid, to: item.segment.destination, dsn: EXPIRED_STATUS, status: 'bounced', reason },
        'message expired unsent',
      );
    }
    return undefined;
  };

  function pump(): void {
    if (!running) return;
    cancelTimer?.();
    cancelTimer = undefined;
    try {
      for (const transport of transports) {
        if (!transport.health().ready) continue;
        while ((busy.get(transport) ?? 0) < transport.concurrency) {
          const item = nextSendable();
          if (item === undefined) return sleepUntilNextAttempt();
          launch(transport, item);
        }
      }
      // Work may be waiting: every ready transport is full (a completion pumps again) or none is ready.
      const next = queue.nextWakeAt();
      if (qidsInFlight.size === 0 && next !== undefined) sleepUntil(Math.max(next, now() + recheckMs));
    } catch (err) {
      logger.error({ event: 'dispatch.queue_error', err }, 'reading or marking the queue failed; trying again shortly');
      sleepUntil(now() + recheckMs);
    }
  }

  function sleepUntilNextAttempt(): void {
    const at = queue.nextWakeAt();
    if (at === undefined) return; // nothing waits: wake() brings new work
    // A due segment nothing could take (its message in flight) comes back with that send's outcome.
    sleepUntil(at > now() ? at : now() + recheckMs);
  }

  function launch(transport: Transport, item: ReadySegment): void {
    const { segment } = item;
    queue.markSending(segment.qid, segment.seq, transport.name, now()); // committed before the send
    busy.set(transport, (busy.get(transport) ?? 0) + 1);
    qidsInFlight.add(segment.qid);
    const controller = new AbortController();
    controllers.add(controller);
    const done = sendSafely(transport, item, controller.signal)
      .then((outcome) => settle(transport, item, outcome))
      .finally(() => {
        busy.set(transport, (busy.get(transport) ?? 1) - 1);
        qidsInFlight.delete(segment.qid);
        controllers.delete(controller);
        sends.delete(done);
        pump();
      });
    sends.add(done);
  }

  async function sendSafely(transport: Transport, item: ReadySegment, signal: AbortSignal): Promise<SendOutcome> {
    try {
      return await transport.send(item.segment, signal);
    } catch (err) {
      // The contract says send() never rejects for an expected failure: this is a transport bug.
      logger.error({ event: 'transport.send_rejected', err, qid: item.segment.qid, transport: label(transport) }, 'transport send() rejected (a bug); treating it as a temporary failure');
      const text = err instanceof Error ? err.message : String(err);
      return { kind: 'failed', temporary: true, status: '4.3.0', diagnostic: `transport error: ${text}` };
    }
  }

  function settle(transport: Transport, item: ReadySegment, outcome: SendOutcome): void {
    const at = now();
    const decision = decideOutcome(outcome, {
      attempts: item.attempts + 1,
      now: at,
      validUntil: item.validUntil,
      resendUnknown: options.resendUnknown?.(item.account) ?? true,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    try {
      applyDecision(queue, item, transport.name, decision, at);
    } catch (err) {
      logger.error({ event: 'dispatch.queue_error', err, qid: item.segment.qid }, 'recording a send outcome failed');
    }
    logAttempt(logger, transport, item, decision, at);
  }

  return {
    start() {
      running = true;
      pump();
    },
    wake() {
      if (!running || wakeQueued) return;
      wakeQueued = true;
      setImmediate(() => {
        wakeQueued = false;
        pump();
      });
    },
    async stop({ drain }) {
      running = false;
      cancelTimer?.();
      cancelTimer = undefined;
      if (!drain) for (const controller of controllers) controller.abort();
      await Promise.allSettled([...sends]);
    },
    inFlight: () => qidsInFlight.size,
  };
}

function applyDecision(queue: Queue, item: ReadySegment, route: string, decision: Decision, now: number): void {
  const { qid, seq } = item.segment;
  switch (decision.kind) {
    case 'sent':
      return queue.markSent(qid, seq, decision.messageRef, route, now);
    case 'retry':
      return queue.markFailed(qid, seq, { temporary: true, status: decision.status, diagnostic: decision.diagnostic, nextAttemptAt: decision.at }, now);
    case 'fail':
      return queue.markFailed(qid, seq, { temporary: false, status: decision.status, diagnostic: decision.diagnostic }, now);
    case 'expire':
      queue.markFailed(qid, seq, { temporary: true, status: decision.status, diagnostic: decision.diagnostic, nextAttemptAt: now }, now);
      return queue.expire(qid, decision.status, decision.diagnostic, now);
    case 'resend':
      return queue.markUnknown(qid, seq, decision.diagnostic, decision.at, now);
    case 'keep-unknown':
      return queue.markUnknown(qid, seq, decision.diagnostic, undefined, now);
  }
}

const label = (transport: Transport): string => `${transport.kind}:${transport.name}`;

/** One Postfix-style summary line per attempt (STYLE 5): qid, seg, to, transport, delay, dsn, status, reason. */
function logAttempt(logger: Logger, transport: Transport, item: ReadySegment, decision: Decision, now: number): void {
  const { segment } = item;
  logger.info(
    {
      event: 'delivery.attempt',
      qid: segment.qid,
      seg: `${segment.seq}/${segment.total}`,
      to: segment.destination,
      transport: label(transport),
      delay: Math.round((now - item.createdAt) / 10) / 100, // seconds since acceptance, as Postfix's delay=
      dsn: decision.status,
      status: attemptStatus(decision),
      reason: decision.kind === 'sent' ? `message reference ${decision.messageRef}` : decision.diagnostic,
    },
    `delivery attempt ${attemptStatus(decision)}`,
  );
}
