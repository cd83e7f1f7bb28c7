/*
 * server.ts - the HTTP listener for observability: GET /metrics (Prometheus) and GET /healthz.
 *
 * Promise (SPEC 11, 12 `http.listen`):
 * - GET /metrics answers 200 with the registry in the Prometheus text format 0.0.4.
 * - GET /healthz answers the health report as JSON: 200 when it says ok, 503 when not, so a
 *   load balancer or systemd watchdog script needs only the status code.
 * - HEAD on either is GET without the body; any other method there is 405 with `Allow: GET,
 *   HEAD`; any other path is 404 naming the known paths. The query string is ignored.
 * - A health() or render() that throws is answered 500 and logged once as `http.error` with
 *   the path; the server keeps serving (nothing crashes the daemon after start-up, STYLE 4).
 * - A listen failure (address in use, no permission) rejects with GatewayError
 *   M2S_HTTP_LISTEN_FAILED naming host:port and the reason.
 * - close() stops accepting, ends idle keep-alive connections at once and any still busy after
 *   CLOSE_GRACE_MS, and resolves when the listener is closed.
 *
 * - Paths under /api/ go to the admin API (control/router.ts), which asks for the bearer token
 *   of `http.token_file` (control/auth.ts) and answers 403 when none is configured.
 *
 * Security: /metrics and /healthz are unauthenticated, as Prometheus scrapes them, unless
 * `http.protect_metrics` (then they ask for the API's token: 401 without it). They expose
 * counts and states, never message text or numbers; bind `http.listen` to loopback or the site
 * LAN only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkAccess, type Access } from '../control/index.js';
import { GatewayError, isGatewayError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { METRICS_CONTENT_TYPE, type Metrics } from '../metrics/index.js';

export interface HealthReport {
  readonly ok: boolean;
  /** Sent as the JSON body of /healthz (e.g. the routes and their TransportHealth). */
  readonly body: unknown;
}

export interface HttpServerOptions {
  readonly listen: { readonly host: string; readonly port: number };
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Called on every /healthz request; must be cheap and synchronous. */
  readonly health: () => HealthReport;
  /** The admin API's handler, for paths under /api/; absent: those are 404. */
  readonly api?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Set: /metrics and /healthz ask for the API's token too (`http.protect_metrics`). */
  readonly protectMetrics?: Access;
}

export interface HttpServer {
  /** The bound address (the real port when `listen.port` was 0). */
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

/** How long close() lets a connection that is mid-request finish before cutting it. */
export const CLOSE_GRACE_MS = 1000;

const ALLOW = 'GET, HEAD';
const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type Route = (options: HttpServerOptions) => Reply;

const ROUTES: Readonly<Record<string, Route>> = {
  '/metrics': ({ metrics }) => ({ status: 200, type: METRICS_CONTENT_TYPE, body: metrics.render() }),
  '/healthz': ({ health }) => {
    const report = health();
    return { status: report.ok ? 200 : 503, type: JSON_TYPE, body: `${JSON.stringify(report.body ?? null)}\n` };
  },
};

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const log = options.logger;
  const server = createServer((req, res) => answer(options, req, res));
  const address = await listen(server, options.listen.host, options.listen.port);
  // After listening, an 'error' event without a listener would crash the process.
  server.on('error', (err) => log.error({ event: 'http.error', err }, 'HTTP listener error'));
  log.info({ event: 'http.listening', ...address }, `HTTP listening on ${hostPort(address.host, address.port)} (/metrics, /healthz${options.api ? ', /api/' : ''})`);
  let closing: Promise<void> | undefined;
  return {
    address,
    close: () => (closing ??= closeServer(server)),
  };
}

/** Answers one request from the route table; a throwing route becomes a logged 500. */
function answer(options: HttpServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  if (options.api && (path === '/api' || path.startsWith('/api/'))) return options.api(req, res);
  req.resume(); // no route reads a body; drain it so the connection stays usable
  const method = req.method ?? 'GET';
  const route = ROUTES[path];
  let reply: Reply;
  const refused = route && options.protectMetrics ? accessRefused(options.protectMetrics, req) : undefined;
  if (refused) {
    reply = refused;
  } else if (!route) {
    reply = { status: 404, type: TEXT_TYPE, body: `not found; known paths: ${Object.keys(ROUTES).join(', ')}\n` };
  } else if (method !== 'GET' && method !== 'HEAD') {
    reply = { status: 405, type: TEXT_TYPE, body: `method ${method} not allowed on ${path}; use ${ALLOW}\n`, headers: { Allow: ALLOW } };
  } else {
    try {
      reply = route(options);
    } catch (err) {
      options.logger.error({ event: 'http.error', path, method, err }, `HTTP ${path} failed`);
      reply = { status: 500, type: TEXT_TYPE, body: 'internal error; see the gateway log (event http.error)\n' };
    }
  }
  send(res, method === 'HEAD', reply);
}

/** The 401 or 403 a protected /metrics or /healthz request gets; undefined when it may go on. */
function accessRefused(access: Access, req: IncomingMessage): Reply | undefined {
  try {
    checkAccess(access, req);
    return undefined;
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    const status = err.code === 'M2S_API_UNAUTHORIZED' ? 401 : 403;
    return { status, type: JSON_TYPE, body: `${JSON.stringify({ error: { code: err.code, message: err.message } })}\n`, headers: status === 401 ? { 'WWW-Authenticate': 'Bearer realm="mail2sms"' } : {} };
  }
}

function send(res: ServerResponse, head: boolean, reply: Reply): void {
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, {
    'Content-Type': reply.type,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    ...reply.headers,
  });
  res.end(head ? undefined : body);
}

function listen(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new GatewayError('M2S_HTTP_LISTEN_FAILED', `cannot listen for HTTP on ${hostPort(host, port)}: ${listenReason(err)}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound !== null ? { host: bound.address, port: bound.port } : { host, port });
    });
  });
}

function listenReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'address already in use';
    case 'EACCES':
      return 'permission denied (a port below 1024 needs CAP_NET_BIND_SERVICE)';
    case 'EADDRNOTAVAIL':
      return 'no such address on this host';
    default:
      return err.message;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** host:port, with an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
