/*
 * router.ts - the admin HTTP API (docs/api.md): one JSON router over the control operations,
 * served on the daemon's unix socket and under /api/ on `http.listen` (http/server.ts).
 *
 * Promise: every answer is JSON; a result is 200 with the operation's value, an error is
 * {"error":{"code","message"}} with the status of its code (STATUS below: 404 unknown id, 409
 * wrong state, 400 bad params, 401 no or wrong token, 503 stopping...). A body over
 * MAX_BODY_BYTES is 413, one that is not a JSON object 400; an operation that throws something
 * other than a GatewayError (a bug) is a 500 logged once as `api.error`. Nothing crashes the daemon.
 * Who may ask is decided before the route (auth.ts): the socket's file mode, or the bearer token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, isGatewayError, type ErrorCode } from '../errors.js';
import { type Access, checkAccess } from './auth.js';
import { runOperation, type ControlContext, type OperationName, type Params } from './operations.js';

/** Larger bodies are refused with 413: no operation takes more than an account or a short SMS. */
export const MAX_BODY_BYTES = 64 * 1024;

/** HTTP status by error code; a code not named is 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  M2S_BAD_PARAMS: 400, M2S_USAGE: 400, M2S_ACCOUNT_INVALID: 400, M2S_USER_INVALID: 400,
  M2S_API_UNAUTHORIZED: 401, M2S_API_DISABLED: 403,
  M2S_API_NOT_FOUND: 404, M2S_QUEUE_NOT_FOUND: 404, M2S_INBOX_NOT_FOUND: 404, M2S_ACCOUNT_NOT_FOUND: 404, M2S_USER_NOT_FOUND: 404,
  M2S_API_METHOD: 405,
  M2S_QUEUE_WRONG_STATE: 409, M2S_ACCOUNT_EXISTS: 409, M2S_USER_EXISTS: 409, M2S_ACCOUNT_IN_USE: 409,
  M2S_API_TOO_LARGE: 413,
  // The gateway's own SMTP listener refused the SMS (`send`): the message carries its reply.
  M2S_SUBMIT_FAILED: 422,
  M2S_API_NOT_READY: 503, M2S_QUEUE_UNAVAILABLE: 503, M2S_DB_UNAVAILABLE: 503, M2S_DAEMON_NOT_RUNNING: 503,
};

export const statusOf = (code: ErrorCode): number => STATUS[code] ?? 500;

interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path segments after /api; `:name` takes that segment as the param `name`. */
  readonly path: readonly string[];
  readonly op: OperationName;
}

const r = (method: Route['method'], path: string, op: OperationName): Route => ({ method, path: path.split('/').filter(Boolean), op });

/** Fixed paths first: /api/queue/stats is not the message "stats". */
export const ROUTES: readonly Route[] = [
  r('GET', 'queue', 'queue.list'),
  r('GET', 'queue/stats', 'queue.stats'),
  r('POST', 'queue/purge', 'queue.purge'),
  r('GET', 'queue/:id', 'queue.show'),
  r('POST', 'queue/:id/retry', 'queue.retry'),
  r('POST', 'queue/:id/cancel', 'queue.cancel'),
  r('GET', 'accounts', 'accounts.list'),
  r('POST', 'accounts', 'accounts.add'),
  r('GET', 'accounts/:name', 'accounts.show'),
  r('PATCH', 'accounts/:name', 'accounts.set'),
  r('DELETE', 'accounts/:name', 'accounts.remove'),
  r('GET', 'users', 'users.list'),
  r('POST', 'users', 'users.add'),
  r('GET', 'users/:email', 'users.show'),
  r('PATCH', 'users/:email', 'users.set'),
  r('DELETE', 'users/:email', 'users.remove'),
  r('GET', 'inbox', 'inbox.list'),
  r('GET', 'inbox/:id', 'inbox.show'),
  r('GET', 'routes', 'routes.list'),
  r('POST', 'send', 'send'),
];

export interface ApiOptions {
  readonly context: () => ControlContext;
  /** False once the daemon is stopping: 503. */
  readonly ready: () => boolean;
  readonly access: Access;
}

/** The request handler of the API: for the unix socket whole, for http.listen under /api/. */
export function createApiHandler(options: ApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    answer(options, req).then(
      ([status, value, headers]) => reply(res, status, value, headers),
      (err: unknown) => {
        const ctx = safeContext(options);
        ctx?.logger.error({ event: 'api.error', method: req.method, path: req.url, err }, 'admin API request failed unexpectedly');
        reply(res, 500, { error: { code: 'M2S_INTERNAL', message: 'internal error; see the gateway log (event api.error)' } });
      },
    );
  };
}

type Answer = [number, unknown, Record<string, string>?];

async function answer(options: ApiOptions, req: IncomingMessage): Promise<Answer> {
  try {
    checkAccess(options.access, req);
    if (!options.ready()) throw new GatewayError('M2S_API_NOT_READY', 'the gateway is stopping; try again once it has started');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [route, pathParams] = match(req.method ?? 'GET', url.pathname);
    const body = route.method === 'GET' || route.method === 'DELETE' ? {} : await readJson(req);
    const query = Object.fromEntries(url.searchParams);
    const result = await runOperation(options.context(), route.op, { ...query, ...body, ...pathParams });
    return [200, result ?? null];
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    req.resume(); // an unread body must not hold the connection
    const status = statusOf(err.code);
    if (status === 500) safeContext(options)?.logger.error({ event: 'api.error', method: req.method, path: req.url, err }, 'admin API operation failed');
    return [status, { error: { code: err.code, message: err.message } }, status === 401 ? { 'WWW-Authenticate': 'Bearer realm="mail2sms"' } : undefined];
  }
}

function safeContext(options: ApiOptions): ControlContext | undefined {
  try {
    return options.context();
  } catch {
    return undefined;
  }
}

function match(method: string, pathname: string): [Route, Params] {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] !== 'api') throw new GatewayError('M2S_API_NOT_FOUND', `no endpoint at ${pathname}; the admin API is under /api/ (docs/api.md)`);
  let decoded: string[];
  try {
    decoded = parts.slice(1).map((p) => decodeURIComponent(p));
  } catch {
    throw new GatewayError('M2S_BAD_PARAMS', `the path ${pathname} is not validly percent-encoded`);
  }
  const fits = ROUTES.flatMap((route) => {
    if (route.path.length !== decoded.length) return [];
    const params: Record<string, string> = {};
    for (const [i, seg] of route.path.entries()) {
      if (seg.startsWith(':')) params[seg.slice(1)] = decoded[i] as string;
      else if (seg !== decoded[i]) return [];
    }
    return [[route, params] as [Route, Params]];
  });
  const found = fits.find(([route]) => route.method === method);
  if (found) return found;
  if (fits.length === 0) throw new GatewayError('M2S_API_NOT_FOUND', `no endpoint at ${pathname} (docs/api.md lists them)`);
  throw new GatewayError('M2S_API_METHOD', `${pathname} does not take ${method}; it takes ${[...new Set(fits.map(([route]) => route.method))].join(', ')}`);
}

/** The body as a JSON object ({} when empty); 413 past MAX_BODY_BYTES, 400 when not an object. */
function readJson(req: IncomingMessage): Promise<Params> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (err: GatewayError): void => {
      if (!done) (done = true), reject(err);
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return fail(tooLarge());
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) fail(tooLarge());
      else chunks.push(chunk);
    });
    req.on('error', () => fail(new GatewayError('M2S_BAD_PARAMS', 'the request body could not be read')));
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        return reject(new GatewayError('M2S_BAD_PARAMS', `the request body is not JSON: ${(err as Error).message}`));
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject(new GatewayError('M2S_BAD_PARAMS', 'the request body must be a JSON object'));
      resolve(value as Params);
    });
  });
}

const tooLarge = (): GatewayError => new GatewayError('M2S_API_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`);

function reply(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const body = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}
