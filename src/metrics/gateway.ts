/*
 * gateway.ts - what /metrics and /healthz say about the running gateway, read when asked.
 *
 * Promise: observeGateway() adds scrape-time gauges (routes, queue backlog, sends in flight,
 * process memory) that are read at each render from the parts themselves, never cached;
 * gatewayHealth() is a pure reading of the same parts. Neither throws: a queue that cannot be
 * read is said in the report (and makes it not ok), so /healthz answers 503, not 500.
 *
 * Health: ok when at least one route is ready and the queue can be read. `degraded` when some
 * routes are not ready (a modem recovering, unplugged, without network, or stopped on a locked
 * SIM, with the reason in its detail), `down` when none is (mail is still accepted and queued).
 */
import type { Backlog, Queue } from '../queue/index.js';
import type { Transport } from '../transports/transport.js';
import type { Metrics } from './registry.js';

export interface ObservedGateway {
  readonly transports: readonly Transport[];
  readonly queue: Pick<Queue, 'backlog'>;
  /** Sends under way (dispatcher.inFlight). */
  readonly inFlight: () => number;
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
}

export interface GatewayHealth {
  readonly ok: boolean;
  readonly body: {
    readonly status: 'ok' | 'degraded' | 'down';
    readonly routes: readonly RouteHealth[];
    readonly queue: { readonly segments: Backlog['segments']; readonly oldestOpenAgeSeconds: number | null } | { readonly error: string };
    readonly inFlight: number;
    readonly uptimeSeconds: number;
  };
}

export function gatewayHealth(gateway: ObservedGateway): GatewayHealth {
  const now = (gateway.now ?? Date.now)();
  const routes = gateway.transports.map(routeHealth);
  const ready = routes.filter((r) => r.ready).length;
  const backlog = readBacklog(gateway.queue);
  const queue = 'error' in backlog ? backlog : { segments: backlog.segments, oldestOpenAgeSeconds: ageSeconds(backlog.oldestOpenAt, now) };
  const ok = ready > 0 && !('error' in backlog);
  const status = !ok ? 'down' : ready < routes.length ? 'degraded' : 'ok';
  return { ok, body: { status, routes, queue, inFlight: gateway.inFlight(), uptimeSeconds: Math.round((now - gateway.startedAt) / 1000) } };
}

/** Adds the gateway's scrape-time gauges to `metrics`. */
export function observeGateway(metrics: Metrics, gateway: ObservedGateway): void {
  const routeReady = metrics.gauge('mail2sms_route_ready', 'Whether the route can take a send now (1) or not (0).', ['route', 'kind']);
  const routeState = metrics.gauge('mail2sms_route_state', 'The route\'s state word (ready, recovering, unplugged, no-network, pin-required, puk-locked, offline …): 1 for the current one.', ['route', 'state']);
  const segments = metrics.gauge('mail2sms_queue_segments', 'Segments of messages not ended yet, by state.', ['state']);
  const oldest = metrics.gauge('mail2sms_queue_oldest_open_seconds', 'Age of the oldest message not ended yet (0 when none).');
  const readable = metrics.gauge('mail2sms_queue_readable', 'Whether the queue file could be read at this scrape (1) or not (0).');
  const inFlight = metrics.gauge('mail2sms_sends_in_flight', 'Segment sends under way.');
  const started = metrics.gauge('mail2sms_process_start_time_seconds', 'Start time of the process since the epoch, in seconds.');
  const rss = metrics.gauge('mail2sms_process_resident_memory_bytes', 'Resident memory of the process.');
  const heap = metrics.gauge('mail2sms_process_heap_used_bytes', 'V8 heap in use.');
  metrics.onCollect(() => {
    const now = (gateway.now ?? Date.now)();
    routeReady.reset();
    routeState.reset();
    for (const t of gateway.transports.map(routeHealth)) {
      routeReady.set({ route: t.name, kind: t.kind }, t.ready ? 1 : 0);
      routeState.set({ route: t.name, state: t.state }, 1);
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
  return { name: t.name, kind: t.kind, ready: h.ready, state: h.state, ...(h.detail === undefined ? {} : { detail: h.detail }) };
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
