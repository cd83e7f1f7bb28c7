/*
 * dispatcher.ts - the send path: takes ready segments from the queue and keeps every ready
 * transport of the route pool busy, in route order, up to its concurrency (route-pool.ts: which
 * route takes a segment, failover of a retried segment, sick routes out and probed back in) and
 * its pace (route-pace.ts: the route's `rate`, and the pause and probe after its upstream
 * answered `throttled`, which costs the segment no attempt and sends it to the next free route).
 *
 * Promises (SPEC 7, STYLE 4): a segment is marked `sending` and committed before the transport
 * sees it, so after a crash the queue knows it may have gone out; two parts of one message are
 * never on the wire at once as separate sends, and part n + 1 leaves only after part n (the
 * queue's ready order);
 * a transport that sends a whole message at once (Transport.sendMessage: SMPP `long: payload`)
 * gets all parts of a message of several parts in one call, as one of its sends, when all of
 * them are queued and due together (Queue.wholeMessage: none out, failed or in flight); the one
 * outcome is decided once and applied to every part (the same message reference, the same next
 * attempt, so they stay together; each part counts the attempt), else the head goes alone;
 * every outcome goes through decideOutcome() and is applied to the queue; one summary line is
 * logged per attempt, as Postfix's `status=sent|deferred|bounced`. Nothing escapes the loop: a
 * transport whose send() rejects has a bug, which is logged under `err` and treated as a
 * temporary failure, and a queue error is logged and retried later.
 *
 * One transaction per pass (SPEC 7 durability, WAL + synchronous=FULL, one fsync per commit):
 * a finished send's outcome is decided at once but recorded at the next pass, which runs from
 * setImmediate, so the outcomes of every send that finished in one event-loop turn and the
 * `sending` marks of the segments that follow are committed together in ONE queue.batch(),
 * and only after that commit are the new segments handed to their transports. Why this is safe:
 * - `sending` is still durable before a segment is handed over: after a power cut a segment that
 *   may have gone out is never mistaken for untried (that matters most to accounts that prefer
 *   loss to duplicates, whose unknown segments are not resent).
 * - `sent` waits at most until the next pass (the same or next loop turn), and no other segment
 *   is handed over before it is committed. A crash in that window leaves the segment `sending`,
 *   so it is treated as in flight: unknown, and resent where the account allows it. That is
 *   SPEC 7's at-least-once for "a segment that was being sent": its outcome was not yet on disk.
 *   With one slot per transport, at most one segment per slot is exposed at any instant, exactly
 *   as before: segment n + 1 of that slot leaves only after n's outcome is committed.
 * - If the commit fails, nothing of the pass is kept: its outcomes are kept in memory and tried
 *   again at the next pass, and its picked segments are not handed over (they are still ready).
 * The count falls from two commits per SMS (markSending, markSent) to one pass per completion
 * turn, and below one when several sends finish in one turn.
 *
 * Status reports (SPEC 8): every transport's onStatusReport is subscribed at start(); reports
 * are applied to the queue in the next pass, after that pass's outcomes (report.ts).
 *
 * Alert storms (SPEC 7, storms.ts): when `accountOf` is given, a message about to start (its
 * first segment picked, nothing of it gone out) passes the account's storm rules inside the same
 * batch, before its `sending` mark: it may start as it is, start as the carrier of identical
 * messages (`(xN) …`), wait for an identical one's coalesce window, be held by its number's hourly
 * cap, become an hourly summary, or expire for its age. A message that does not go now is simply
 * scheduled (its next attempt), so the dispatcher sleeps until then like for any retry.
 *
 * When idle it sleeps until the queue's next scheduled attempt (a timer, no polling); the
 * accept path calls wake() after each commit. outstanding() lists the sends handed over and not
 * answered yet, with their start, for /healthz. A route whose cool-down ended is noticed at its
 * end (a timer). A transport that turns ready (an SMPP bind, a modem back after recovery) has no
 * event in the Transport contract, so while a transport is not ready and work may be waiting for
 * it the dispatcher looks at health() (cheap and synchronous by contract) every `readyPollMs` and
 * passes as soon as one can take a send; no queue read per look. It stops looking at the next
 * pass, and when nothing waits it sleeps as above. A route held back by its rate or a throttle
 * pause arms ONE timer for the moment it may send again (no polling).
 */
import type { Logger } from '../log/index.js';
import { NO_COUNTERS, type GatewayCounters } from '../metrics/index.js';
import { isExpired, type BackoffPolicy, type Queue, type ReadySegment } from '../queue/index.js';
import type { SendOutcome, Transport } from '../transports/transport.js';
import { decideOutcome, EXPIRED_STATUS } from './outcome.js';
import { label, logAttempt, logRouteChange, logThrottleChange, recordSettled, type Settled } from './record.js';
import { applyReport, type PendingReport } from './report.js';
import { gateStart, type StormAccount, type StormContext } from './storms.js';
import { afterSend, chooseRoute, freeSlots, HEALTHY_ROUTE, type BreakerPolicy, type RouteState } from './route-pool.js';
import { afterAnswer, isThrottled, nextRateSlotAt, rateSlots, recentStarts, throttleSlots, UNTHROTTLED, type ThrottlePolicy, type ThrottleState } from './route-pace.js';

/** Runs `callback` after `ms`; returns a function that cancels it. Tests inject a fake clock. */
export type SetTimer = (callback: () => void, ms: number) => () => void;

export interface DispatcherOptions {
  readonly queue: Queue;
  /** In config order: earlier routes are filled first. */
  readonly transports: readonly Transport[];
  readonly logger: Logger;
  /** Counted next to the delivery.attempt, delivery.report and route.out lines (/metrics). */
  readonly counters?: GatewayCounters;
  readonly now?: () => number;
  readonly setTimer?: SetTimer;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  /** SPEC 7 per account: resend a segment that may have gone out (default: yes). */
  readonly resendUnknown?: (account: string) => boolean;
  /** How soon to read the queue again when work waits but no transport takes it, ms (default 1000). */
  readonly recheckMs?: number;
  /** How often health() is looked at while work waits and a transport is not ready, ms (default 25). */
  readonly readyPollMs?: number;
  /** When a route whose sends keep failing is taken out, and for how long (route-pool.ts). */
  readonly breaker?: BreakerPolicy;
  /** The account's alert-storm settings (SPEC 7), read at each decision; without it no storm rule applies. */
  readonly accountOf?: (account: string) => StormAccount | undefined;
  /** Route name -> most sends started in any second (the route's `rate`); no entry: no limit. */
  readonly rates?: Readonly<Record<string, number>>;
  /** How long a throttled route pauses when its upstream does not say (route-pace.ts). */
  readonly throttle?: ThrottlePolicy;
}

export interface Dispatcher {
  start(): void;
  /** New work was committed: look for it now. */
  wake(): void;
  /** drain: let sends under way finish; otherwise abort them. Each still gets its outcome applied. */
  stop(options: { readonly drain: boolean }): Promise<void>;
  /** Sends under way, for /healthz and tests. */
  inFlight(): number;
  /** Each send handed to its transport and not answered yet, oldest first (/healthz: a send that hangs). */
  outstanding(): readonly OutstandingSend[];
  /** The routes whose upstream asked to be sent to more slowly, for /healthz and /metrics. */
  throttled(): readonly ThrottledRoute[];
}

/** A route slowed down after `throttled` answers: how many in a row, paused until when (ms since the epoch). */
export interface ThrottledRoute {
  readonly route: string;
  readonly throttles: number;
  readonly pausedUntil: number | undefined;
}

/** A route's pace: its throttle state, the start times of its last window, its picks not started yet. */
interface Pace {
  throttle: ThrottleState;
  starts: readonly number[];
  unstarted: number;
}

/** A segment's send under way: on which route, since when (ms since the epoch). */
export interface OutstandingSend {
  readonly route: string;
  readonly qid: string;
  readonly seg: string;
  readonly since: number;
}

/** A segment picked this pass, to hand over once its `sending` mark is committed. */
interface Launch {
  readonly transport: Transport;
  /** The segment, or the first part of a whole message. */
  readonly item: ReadySegment;
  /** A whole message for transport.sendMessage: every part, `item` first. */
  readonly parts?: readonly ReadySegment[];
}

/** Messages ended or held in one pass before the loop yields (an outage or a storm can leave many); the next pass goes on. */
const MAX_SKIPS_PER_PUMP = 1000;

const segmentKey = (item: ReadySegment): string => `${item.segment.qid}/${item.segment.seq}`;

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
  const readyPollMs = options.readyPollMs ?? 25;
  const logger = options.logger.child({ component: 'dispatch' });
  const counters = options.counters ?? NO_COUNTERS;
  /** Set when the storm rules ended or rewrote other messages: the pass's ready heads must be read again. */
  let readStale = false;
  /** The accounts the storm rules read in this pass: one store read per account and pass (an `account set` applies from the next pass). */
  const passAccounts = new Map<string, StormAccount | undefined>();
  const accountOf = options.accountOf;
  const storms: StormContext | undefined = accountOf && {
    queue,
    logger,
    counters,
    accountOf: (name) => {
      if (!passAccounts.has(name)) passAccounts.set(name, accountOf(name));
      return passAccounts.get(name);
    },
    othersChanged: () => (readStale = true),
  };
  const busy = new Map<Transport, number>(transports.map((t) => [t, 0]));
  const routes = new Map<Transport, RouteState>(transports.map((t) => [t, HEALTHY_ROUTE]));
  const paces = new Map<Transport, Pace>(transports.map((t) => [t, { throttle: UNTHROTTLED, starts: [], unstarted: 0 }]));
  const rateOf = (t: Transport): number | undefined => options.rates?.[t.name];
  /** `qid/seq` of a segment waiting to retry -> the route its last attempt failed on. */
  const failedOn = new Map<string, Transport>();
  const qidsInFlight = new Set<string>();
  const controllers = new Set<AbortController>();
  /** Sends handed over and not answered, in the order they started. */
  const outstanding = new Map<Launch, OutstandingSend>();
  const sends = new Set<Promise<void>>();
  /** Finished sends whose outcome the next pass records. */
  let finished: Settled[] = [];
  /** Status reports the next pass applies. */
  let reports: PendingReport[] = [];
  let unsubscribe: (() => void)[] = [];
  let running = false;
  let cancelTimer: (() => void) | undefined;
  let passQueued = false;

  const sleepUntil = (at: number): void => {
    cancelTimer?.();
    cancelTimer = setTimer(() => {
      cancelTimer = undefined;
      pump();
    }, Math.max(0, at - now()));
  };

  /** One pass at the end of this loop turn, however many sends finished or wakes came. */
  const schedulePass = (): void => {
    if (passQueued) return;
    passQueued = true;
    setImmediate(() => {
      passQueued = false;
      pump();
    });
  };

  /**
   * The next segment to send: within its validity and let through by the storm rules; expired,
   * held and coalesced ones are dealt with on the way. 'more': the pass's bound was reached.
   * `ready` holds the heads read for this pass and not used yet: one read fills as many as the
   * free slots (`wanted`), in send order, instead of one query per send. They stay valid within
   * the pass (its own transaction: only its own marks change the queue, and marking a head
   * `sending` leaves the others heads), except when the storm rules end or rewrite other
   * messages: then they are read again.
   */
  const nextSendable = (ready: ReadySegment[], wanted: () => number): ReadySegment | undefined | 'more' => {
    // Bounded: a queue that kept returning a segment it cannot send must not hang the loop.
    for (let skipped = 0; skipped < MAX_SKIPS_PER_PUMP; skipped += 1) {
      const at = now();
      if (readStale) ready.length = 0;
      readStale = false;
      if (ready.length === 0) ready.push(...queue.readyBatch(at, qidsInFlight, wanted()));
      const item = ready.shift();
      if (item === undefined) return undefined;
      if (isExpired(item.validUntil, at)) {
        const reason = 'validity ended before it could be sent';
        queue.expire(item.segment.qid, EXPIRED_STATUS, reason, at);
        counters.expired('validity');
        logger.info(
          { event: 'delivery.expired', qid: item.segment.qid, to: item.segment.destination, dsn: EXPIRED_STATUS, status: 'bounced', reason },
          'message expired unsent',
        );
        continue;
      }
      const go = storms === undefined ? item : gateStart(storms, item, at);
      if (go !== undefined) return go;
    }
    return 'more';
  };

  /** Inside the pass's batch: fills every free slot of the pool; marks each pick `sending`. */
  function pick(picked: Launch[]): 'drained' | 'full' | 'more' {
    const ready: ReadySegment[] = [];
    for (;;) {
      const free = transports.filter(hasFreeSlot);
      if (free.length === 0) return 'full';
      const item = nextSendable(ready, () => free.reduce((n, t) => n + slotsOf(t), 0));
      if (item === undefined) return 'drained';
      if (item === 'more') return 'more';
      const key = segmentKey(item);
      const transport = chooseRoute(free, failedOn.get(key)) as Transport;
      failedOn.delete(key);
      const parts = wholeFor(transport, item);
      for (const part of parts ?? [item]) queue.markSending(part.segment.qid, part.segment.seq, transport.name, now());
      // A whole message is one send: one slot of the window, one of the rate.
      busy.set(transport, (busy.get(transport) ?? 0) + 1);
      paceOf(transport).unstarted += 1;
      qidsInFlight.add(item.segment.qid);
      picked.push(parts === undefined ? { transport, item } : { transport, item, parts });
    }
  }

  const paceOf = (transport: Transport): Pace => paces.get(transport) as Pace;

  /** All parts of the head's message, when the transport sends whole messages and all can go together. */
  function wholeFor(transport: Transport, item: ReadySegment): readonly ReadySegment[] | undefined {
    if (transport.sendMessage === undefined || item.segment.total < 2 || item.segment.seq !== 1) return undefined;
    const parts = queue.wholeMessage(item.segment.qid, now());
    return parts?.[0]?.segment.seq === item.segment.seq ? parts : undefined;
  }

  /** How many more sends the transport may start now: its slots, its throttle, its rate; 0 when not ready. */
  function slotsOf(transport: Transport): number {
    const at = now();
    const inUse = busy.get(transport) ?? 0;
    const pace = paceOf(transport);
    let slots = Math.min(freeSlots(routes.get(transport) ?? HEALTHY_ROUTE, inUse, transport.concurrency, at), throttleSlots(pace.throttle, inUse, transport.concurrency, at));
    const rate = rateOf(transport);
    if (rate !== undefined) slots = Math.min(slots, rateSlots(pace.starts, rate, at) - pace.unstarted);
    return slots > 0 && transport.health().ready ? slots : 0;
  }

  const hasFreeSlot = (transport: Transport): boolean => slotsOf(transport) > 0;

  /** When a route held back by its cool-down, throttle pause or rate may send again (Infinity: not held back, or not by time). */
  function freeAgainAt(transport: Transport, at: number): number {
    const pace = paceOf(transport);
    const rate = rateOf(transport);
    const times = [routes.get(transport)?.outUntil, pace.throttle.pausedUntil];
    if (rate !== undefined && rateSlots(pace.starts, rate, at) - pace.unstarted <= 0) times.push(nextRateSlotAt(pace.starts, rate, at));
    return Math.min(...times.filter((t): t is number => t !== undefined && t > at));
  }

  const release = ({ transport, item }: Launch): void => {
    busy.set(transport, (busy.get(transport) ?? 1) - 1);
    qidsInFlight.delete(item.segment.qid);
  };

  /** Records finished sends and picks the next ones in one commit, then hands those over. */
  function pump(): void {
    cancelTimer?.();
    cancelTimer = undefined;
    passAccounts.clear();
    if (!running && finished.length === 0 && reports.length === 0) return;
    // Nothing to record and no free slot (a wake while every transport is busy): no transaction.
    if (finished.length === 0 && reports.length === 0 && !transports.some(hasFreeSlot)) return afterPass('full');
    const outcomes = finished;
    finished = [];
    const arrived = reports;
    reports = [];
    const picked: Launch[] = [];
    let result: 'drained' | 'full' | 'more' | 'error' = 'full';
    try {
      queue.batch(() => {
        for (const settled of outcomes) recordSettled(queue, logger, settled);
        applyReports(arrived);
        if (!running) return;
        try {
          result = pick(picked);
        } catch (err) {
          result = 'error'; // what was marked before the error is committed and sent
          logger.error({ event: 'dispatch.queue_error', err }, 'reading or marking the queue failed; trying again shortly');
        }
      });
    } catch (err) {
      // The commit failed: nothing of this pass is on disk. Keep the outcomes; send nothing.
      picked.forEach(release);
      for (const { transport } of picked) paceOf(transport).unstarted -= 1;
      finished = [...outcomes, ...finished];
      reports = [...arrived, ...reports];
      logger.error({ event: 'dispatch.queue_error', err }, 'committing the queue failed; trying again shortly');
      if (running) sleepUntil(now() + recheckMs);
      return;
    }
    for (const { transport, item, decision, at } of outcomes) logAttempt(logger, counters, transport, item, decision, at);
    picked.forEach(startSend);
    if (running) afterPass(result);
  }

  /** Inside the pass's batch; a report whose send is not recorded yet waits for the next pass. */
  function applyReports(arrived: readonly PendingReport[]): void {
    for (const pending of arrived) {
      const routeBusy = (busy.get(pending.transport) ?? 0) > 0;
      if (applyReport(queue, logger, counters, pending, routeBusy, now()) === 'retry') reports.push({ ...pending, passes: pending.passes + 1 });
    }
  }

  function afterPass(result: 'drained' | 'full' | 'more' | 'error'): void {
    try {
      if (result === 'more') return schedulePass();
      if (result === 'error') return sleepUntil(now() + recheckMs);
      if (result === 'drained') return sleepUntilNextAttempt();
      // Work may be waiting: every ready transport is full (a completion pumps again) or none is
      // ready; a route taken out of the pool takes its probe when its cool-down ends.
      const at = now();
      const back = Math.min(...transports.map((t) => freeAgainAt(t, at)));
      const waking = transports.some((t) => !t.health().ready);
      if (qidsInFlight.size > 0) {
        // A completion passes again; a transport that turns ready before it is looked for.
        if (waking) return watchReadiness(back);
        return back === Infinity ? undefined : sleepUntil(back);
      }
      const next = queue.nextWakeAt();
      if (next === undefined) return;
      const recheck = Math.min(back, Math.max(next, at + recheckMs));
      if (waking && next <= at) return watchReadiness(recheck);
      sleepUntil(recheck);
    } catch (err) {
      logger.error({ event: 'dispatch.queue_error', err }, 'reading the queue failed; trying again shortly');
      sleepUntil(now() + recheckMs);
    }
  }

  /** Passes as soon as a transport can take a send (health() every readyPollMs), or at `deadline`. */
  function watchReadiness(deadline: number): void {
    const look = (): void => {
      cancelTimer = undefined;
      if (now() >= deadline || transports.some(hasFreeSlot)) return pump();
      cancelTimer = setTimer(look, Math.min(readyPollMs, deadline - now()));
    };
    cancelTimer?.();
    cancelTimer = setTimer(look, Math.min(readyPollMs, Math.max(0, deadline - now())));
  }

  function sleepUntilNextAttempt(): void {
    const at = queue.nextWakeAt();
    if (at === undefined) return; // nothing waits: wake() brings new work
    // A due segment nothing could take (its message in flight) comes back with that send's outcome.
    sleepUntil(at > now() ? at : now() + recheckMs);
  }

  /** The segment's `sending` mark is committed: hand it to the transport. */
  function startSend(launch: Launch): void {
    const { transport, item } = launch;
    const controller = new AbortController();
    controllers.add(controller);
    const since = now();
    // The rate counts the moment the send starts, after the commit, not the pick before it.
    const pace = paceOf(transport);
    pace.unstarted -= 1;
    const rate = rateOf(transport);
    if (rate !== undefined) pace.starts = [...recentStarts(pace.starts, rate, since), since];
    const parts = launch.parts ?? [item];
    const seg = parts.length > 1 ? `${item.segment.seq}-${parts.at(-1)?.segment.seq}/${item.segment.total}` : `${item.segment.seq}/${item.segment.total}`;
    outstanding.set(launch, { route: transport.name, qid: item.segment.qid, seg, since });
    const done = sendSafely(transport, launch, controller.signal)
      .then((outcome) => {
        // Decided once for the whole message: its parts keep one attempt time and stay together.
        const settled = settle(transport, item, outcome);
        const all = parts.map((part) => ({ ...settled, item: part }));
        noteRoute(transport, outcome, all);
        finished.push(...all);
      })
      .finally(() => {
        outstanding.delete(launch);
        release(launch);
        controllers.delete(controller);
        sends.delete(done);
        schedulePass();
      });
    sends.add(done);
  }

  async function sendSafely(transport: Transport, { item, parts }: Launch, signal: AbortSignal): Promise<SendOutcome> {
    try {
      if (parts !== undefined && transport.sendMessage !== undefined) return await transport.sendMessage(parts.map((p) => p.segment), signal);
      return await transport.send(item.segment, signal);
    } catch (err) {
      // The contract says send() never rejects for an expected failure: this is a transport bug.
      logger.error({ event: 'transport.send_rejected', err, qid: item.segment.qid, transport: label(transport) }, 'transport send() rejected (a bug); treating it as a temporary failure');
      const text = err instanceof Error ? err.message : String(err);
      return { kind: 'failed', temporary: true, status: '4.3.0', diagnostic: `transport error: ${text}` };
    }
  }

  /** The pool's view of the route after this send, and where the retry of its segment(s) should not go. */
  function noteRoute(transport: Transport, outcome: SendOutcome, settled: readonly Settled[]): void {
    const { decision, at } = settled[0] as Settled;
    if (decision.kind === 'retry' || decision.kind === 'resend' || decision.kind === 'throttled') for (const { item } of settled) failedOn.set(segmentKey(item), transport);
    const pace = paceOf(transport);
    const throttleBefore = pace.throttle;
    pace.throttle = afterAnswer(throttleBefore, outcome.kind === 'throttled' ? outcome : undefined, at, options.throttle);
    logThrottleChange(logger, transport, throttleBefore, pace.throttle, outcome, at);
    const before = routes.get(transport) ?? HEALTHY_ROUTE;
    const after = afterSend(before, outcome, at, options.breaker);
    routes.set(transport, after);
    logRouteChange(logger, counters, transport, before, after, outcome, at);
  }

  function sharingReports(transport: Transport): readonly string[] {
    const scope = transport.reportScope;
    return scope === undefined ? [] : transports.filter((t) => t !== transport && t.reportScope === scope).map((t) => t.name);
  }

  function settle(transport: Transport, item: ReadySegment, outcome: SendOutcome): Settled {
    const at = now();
    const decision = decideOutcome(outcome, {
      attempts: item.attempts + 1,
      now: at,
      validUntil: item.validUntil,
      // Asked only for an unknown outcome: the account lookup is a store read.
      resendUnknown: outcome.kind === 'unknown' ? (options.resendUnknown?.(item.account) ?? true) : true,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    return { transport, item, decision, at };
  }

  return {
    start() {
      running = true;
      unsubscribe = transports.map((transport) =>
        transport.onStatusReport((report) => {
          reports.push({ transport, report, otherRoutes: sharingReports(transport), passes: 0 });
          schedulePass();
        }),
      );
      pump();
    },
    wake() {
      if (running) schedulePass();
    },
    async stop({ drain }) {
      running = false;
      cancelTimer?.();
      cancelTimer = undefined;
      if (!drain) for (const controller of controllers) controller.abort();
      await Promise.allSettled([...sends]);
      unsubscribe.forEach((off) => off());
      unsubscribe = [];
      pump(); // records the outcomes of the sends that just ended
    },
    inFlight: () => qidsInFlight.size,
    outstanding: () => [...outstanding.values()],
    throttled: () =>
      transports.flatMap((t) => {
        const { throttle } = paceOf(t);
        return isThrottled(throttle) ? [{ route: t.name, throttles: throttle.throttles, pausedUntil: throttle.pausedUntil }] : [];
      }),
  };
}
