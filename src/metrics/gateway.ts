/*
 * gateway.ts - what /metrics and /healthz say about the running gateway, read when asked.
 *
 * Promise: observeGateway() adds scrape-time gauges (routes, queue backlog, sends in flight,
 * process memory) that are read at each render from the parts themselves, never cached;
 * gatewayHealth() is a pure reading of the same parts. Neither throws: a queue that cannot be
 * read is said in the report (and makes it not ok), so /healthz answers 503, not 500.
 *
 * Health: ok when every route is ready, the queue can be read and written, and no send has gone
 * unanswered past its expected time. `degraded` (still 200) when some routes are not ready (a
 * modem recovering, unplugged, without network, or stopped on a locked SIM, with the reason in
 * its detail), when the queue's last write failed (disk full, read-only: every mail is answered
 * 451 until a write succeeds, queue/write-health.ts), or when a send handed to a route has had
 * no answer for longer than `sendExpectedMs` (a modem hanging on AT+CMGS: the route and how long
 * are said). `down` (503) when no route is ready or the queue cannot be read (mail is still
 * accepted and queued when only the routes are down). `problems` says, one line each, every
 * check that failed and why; it is empty when the status is ok. A route whose upstream asked to
 * be sent to more slowly (throttled, dispatch/route-pace.ts) says so in its `throttled` field and
 * in mail2sms_route_throttled, but is not a problem: it is healthy and the pool works around it.
 */
import type { OutstandingSend, ThrottledRoute } from '../dispatch/index.js';
import type { Backlog, Queue, QueueWritable } from '../queue/index.js';
import type { Transport } from '../transports/transport.js';
import type { Metrics } from './registry.js';

/**
 * How long a send may stay unanswered before /healthz says so: an AT+CMGS normally answers in
 * seconds, the network may take tens (the modem gives up at its submit timeout, 60 s), so a
 * send still open after half of that is the hang the operator should see before it ends.
 */
export const DEFAULT_SEND_EXPECTED_MS = 30_000;

export interface ObservedGateway {
  readonly transports: readonly Transport[];
  readonly queue: Pick<Queue, 'backlog' | 'writable'>;
  /** Sends under way (dispatcher.inFlight). */
  readonly inFlight: () => number;
  /** Sends handed over and not answered yet (dispatcher.outstanding); none when absent. */
  readonly outstanding?: () => readonly OutstandingSend[];
  /** Routes slowed down by their upstream (dispatcher.throttled); none when absent. */
  readonly throttled?: () => readonly ThrottledRoute[];
  /** A send unanswered for longer than this makes the status degraded (default DEFAULT_SEND_EXPECTED_MS). */
  readonly sendExpectedMs?: number;
  /** Received SMS by inbound state (received, mailed, held, failed); absent: not shown. */
  readonly inbound?: () => Readonly<Record<string, number>>;
  /** Process start, ms since the epoch. */
  readonly startedAt: number;
  readonly now?: () => number;
}

export interface RouteHealth {
  readonly name: string;
  readonly kind: Transport['kind'];
  readonly ready: boolean;
  readonly state: string;
  readonly detail?: string;
  /** SMPP: submit_sm outstanding of the window. */
  readonly window?: { readonly inUse: number; readonly size: number };
  /** The route's oldest send not answered yet, when it has one. */
  readonly sending?: { readonly qid: string; readonly seg: string; readonly outstandingMs: number; readonly expectedMs: number; readonly overdue: boolean };
  /** Set while the route's upstream has it slowed down: throttled answers in a row, paused until (ISO 8601; null: probing). */
  readonly throttled?: { readonly throttles: number; readonly pausedUntil: string | null };
}

/** The queue's write state as /healthz shows it: the failure, since when (ISO 8601), how many writes failed. */
type WriteView = { readonly writable: true } | { readonly writable: false; readonly writeError: string; readonly writeFailedSince: string; readonly writeFailures: number };

export interface GatewayHealth {
  readonly ok: boolean;
  readonly body: {
    readonly status: 'ok' | 'degraded' | 'down';
    readonly routes: readonly RouteHealth[];
    readonly queue: ({ readonly segments: Backlog['segments']; readonly oldestOpenAgeSeconds: number | null } & WriteView) | { readonly error: string };
    readonly inFlight: number;
    readonly uptimeSeconds: number;
    /** Each failed check and why, one line each; empty when ok. */
    readonly problems: readonly string[];
  };
}

export function gatewayHealth(gateway: ObservedGateway): GatewayHealth {
  const now = (gateway.now ?? Date.now)();
  const expectedMs = gateway.sendExpectedMs ?? DEFAULT_SEND_EXPECTED_MS;
  const open = gateway.outstanding?.() ?? [];
  const throttled = gateway.throttled?.() ?? [];
  const routes = gateway.transports.map((t) => withThrottle(withSending(routeHealth(t), open, now, expectedMs), throttled, now));
  const ready = routes.filter((r) => r.ready).length;
  const backlog = readBacklog(gateway.queue);
  const writes = writeView(gateway.queue.writable());
  const queue = 'error' in backlog ? backlog : { segments: backlog.segments, oldestOpenAgeSeconds: ageSeconds(backlog.oldestOpenAt, now), ...writes };
  const problems = [...routes.flatMap(routeProblems), ...('error' in backlog ? [backlog.error] : []), ...(writes.writable ? [] : [writeProblem(writes)])];
  const ok = ready > 0 && !('error' in backlog);
  const status = !ok ? 'down' : problems.length > 0 ? 'degraded' : 'ok';
  return { ok, body: { status, routes, queue, inFlight: gateway.inFlight(), uptimeSeconds: Math.round((now - gateway.startedAt) / 1000), problems } };
}

/** The route's oldest unanswered send, and whether it is past the expected time. */
function withSending(route: RouteHealth, open: readonly OutstandingSend[], now: number, expectedMs: number): RouteHealth {
  const oldest = open.find((s) => s.route === route.name);
  if (!oldest) return route;
  const outstandingMs = Math.max(0, now - oldest.since);
  return { ...route, sending: { qid: oldest.qid, seg: oldest.seg, outstandingMs, expectedMs, overdue: outstandingMs > expectedMs } };
}

/** The route's throttle, when it has one; a paused route whose pause has ended is probing. */
function withThrottle(route: RouteHealth, throttled: readonly ThrottledRoute[], now: number): RouteHealth {
  const t = throttled.find((r) => r.route === route.name);
  if (!t) return route;
  const pausedUntil = t.pausedUntil !== undefined && t.pausedUntil > now ? new Date(t.pausedUntil).toISOString() : null;
  return { ...route, throttled: { throttles: t.throttles, pausedUntil } };
}

function routeProblems(r: RouteHealth): string[] {
  const out: string[] = [];
  if (!r.ready) out.push(`route ${r.name} is ${r.state}${r.detail ? `: ${r.detail}` : ''}`);
  const s = r.sending;
  if (s?.overdue) out.push(`route ${r.name}: segment ${s.seg} of ${s.qid} unanswered for ${s.outstandingMs} ms, expected within ${s.expectedMs} ms`);
  return out;
}

function writeView(w: QueueWritable): WriteView {
  return w.writable ? w : { writable: false, writeError: w.error, writeFailedSince: new Date(w.since).toISOString(), writeFailures: w.failures };
}

function writeProblem(w: Extract<WriteView, { writable: false }>): string {
  return `the queue cannot be written: ${w.writeError} (since ${w.writeFailedSince}, ${w.writeFailures} failed write(s)); mail is refused with 451`;
}

/** Adds the gateway's scrape-time gauges to `metrics`. */
export function observeGateway(metrics: Metrics, gateway: ObservedGateway): void {
  const routeReady = metrics.gauge('mail2sms_route_ready', 'Whether the route can take a send now (1) or not (0).', ['route', 'kind']);
  const routeState = metrics.gauge('mail2sms_route_state', 'The route\'s state word (ready, recovering, unplugged, no-network, pin-required, puk-locked, offline …): 1 for the current one.', ['route', 'state']);
  const segments = metrics.gauge('mail2sms_queue_segments', 'Segments of messages not ended yet, by state.', ['state']);
  const oldest = metrics.gauge('mail2sms_queue_oldest_open_seconds', 'Age of the oldest message not ended yet (0 when none).');
  const readable = metrics.gauge('mail2sms_queue_readable', 'Whether the queue file could be read at this scrape (1) or not (0).');
  const writable = metrics.gauge('mail2sms_queue_writable', 'Whether the queue file could be written at its last write (1) or not (0: disk full, read-only).');
  const routeThrottled = metrics.gauge('mail2sms_route_throttled', 'Whether the route\'s upstream has it slowed down (1: paused or probing after "throttled" answers) or not (0).', ['route']);
  const outstanding = metrics.gauge('mail2sms_send_outstanding_seconds', 'How long the route\'s oldest send has gone unanswered (0 when none is under way).', ['route']);
  const windowInUse = metrics.gauge('mail2sms_route_window_in_use', 'Requests outstanding on the route\'s window (SMPP submit_sm without submit_sm_resp).', ['route']);
  const windowSize = metrics.gauge('mail2sms_route_window_size', 'The route\'s window: most requests outstanding at once (SMPP `window`).', ['route']);
  const inFlight = metrics.gauge('mail2sms_sends_in_flight', 'Segment sends under way.');
  const inbound = metrics.gauge('mail2sms_inbound_sms', 'Received SMS kept, by state: received (to be mailed), mailed, held, failed.', ['state']);
  const started = metrics.gauge('mail2sms_process_start_time_seconds', 'Start time of the process since the epoch, in seconds.');
  const rss = metrics.gauge('mail2sms_process_resident_memory_bytes', 'Resident memory of the process.');
  const heap = metrics.gauge('mail2sms_process_heap_used_bytes', 'V8 heap in use.');
  metrics.onCollect(() => {
    const now = (gateway.now ?? Date.now)();
    routeReady.reset();
    routeState.reset();
    outstanding.reset();
    routeThrottled.reset();
    windowInUse.reset();
    windowSize.reset();
    const open = gateway.outstanding?.() ?? [];
    const throttled = new Set((gateway.throttled?.() ?? []).map((r) => r.route));
    for (const t of gateway.transports.map(routeHealth)) {
      routeReady.set({ route: t.name, kind: t.kind }, t.ready ? 1 : 0);
      routeState.set({ route: t.name, state: t.state }, 1);
      routeThrottled.set({ route: t.name }, throttled.has(t.name) ? 1 : 0);
      if (t.window) {
        windowInUse.set({ route: t.name }, t.window.inUse);
        windowSize.set({ route: t.name }, t.window.size);
      }
      const oldest = open.find((s) => s.route === t.name);
      outstanding.set({ route: t.name }, oldest ? Math.max(0, now - oldest.since) / 1000 : 0);
    }
    writable.set({}, gateway.queue.writable().writable ? 1 : 0);
    if (gateway.inbound) {
      try {
        for (const [state, n] of Object.entries(gateway.inbound())) inbound.set({ state }, n);
      } catch {
        // an unreadable state file is said by mail2sms_queue_readable; the inbound series keep their last values
      }
    }
    segments.reset();
    const backlog = readBacklog(gateway.queue);
    readable.set({}, 'error' in backlog ? 0 : 1);
    if (!('error' in backlog)) {
      for (const [state, n] of Object.entries(backlog.segments)) segments.set({ state }, n);
      oldest.set({}, ageSeconds(backlog.oldestOpenAt, now) ?? 0);
    }
    inFlight.set({}, gateway.inFlight());
    started.set({}, Math.floor(gateway.startedAt / 1000));
    const memory = process.memoryUsage();
    rss.set({}, memory.rss);
    heap.set({}, memory.heapUsed);
  });
}

function routeHealth(t: Transport): RouteHealth {
  const h = t.health();
  return { name: t.name, kind: t.kind, ready: h.ready, state: h.state, ...(h.detail === undefined ? {} : { detail: h.detail }), ...(h.window === undefined ? {} : { window: h.window }) };
}

function readBacklog(queue: Pick<Queue, 'backlog'>): Backlog | { error: string } {
  try {
    return queue.backlog();
  } catch (err) {
    return { error: `the queue cannot be read: ${(err as Error).message}` };
  }
}

function ageSeconds(at: number | undefined, now: number): number | null {
  return at === undefined ? null : Math.max(0, Math.round((now - at) / 1000));
}
