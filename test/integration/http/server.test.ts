/*
 * The observability listener on 127.0.0.1:0, spoken to with fetch, node:http and a raw socket.
 */
import { request, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { CLOSE_GRACE_MS, startHttpServer, type HealthReport, type HttpServer } from '../../../src/http/index.js';
import { createLogger } from '../../../src/log/index.js';
import { Metrics } from '../../../src/metrics/index.js';

interface LogLine {
  readonly level: string;
  readonly event?: string;
  readonly [key: string]: unknown;
}

const running: HttpServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(options: { health?: () => HealthReport; metrics?: Metrics; port?: number } = {}) {
  const logs: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const metrics = options.metrics ?? new Metrics();
  const server = await startHttpServer({
    listen: { host: '127.0.0.1', port: options.port ?? 0 },
    logger: createLogger({ level: 'debug', destination }),
    metrics,
    health: options.health ?? (() => ({ ok: true, body: { routes: [] } })),
  });
  running.push(server);
  return { server, logs, base: `http://127.0.0.1:${server.address.port}` };
}

/** Everything the server sends on one raw connection for `text`, until it closes. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.write(text);
  });
}

describe('GET /healthz', () => {
  it('answers 200 with the report body as JSON, not cached, when the report is ok', async () => {
    const { base } = await start({ health: () => ({ ok: true, body: { routes: [{ name: 'sim', ready: true, state: 'ready' }] } }) });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ routes: [{ name: 'sim', ready: true, state: 'ready' }] });
  });

  it('answers 503 with the JSON body when the report is not ok', async () => {
    const { base } = await start({ health: () => ({ ok: false, body: { routes: [{ name: 'gsm1', ready: false, state: 'unplugged' }] } }) });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ routes: [{ name: 'gsm1', ready: false, state: 'unplugged' }] });
  });

  it('asks health() again on every request and ignores the query string', async () => {
    let ok = true;
    const { base } = await start({ health: () => ({ ok, body: { ok } }) });
    expect((await fetch(`${base}/healthz?verbose=1`)).status).toBe(200);
    ok = false;
    const res = await fetch(`${base}/healthz?verbose=1`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false });
  });
});

describe('GET /metrics', () => {
  it('answers the registry in the Prometheus text format with its content type, filled at scrape time', async () => {
    const metrics = new Metrics();
    const accepted = metrics.counter('m2s_mails_accepted_total', 'Mails accepted.');
    const depth = metrics.gauge('m2s_queue_depth', 'Messages waiting.');
    let waiting = 3;
    metrics.onCollect(() => depth.set({}, waiting));
    accepted.inc();
    const { base } = await start({ metrics });
    const res = await fetch(`${base}/metrics?name[]=x`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toBe(
      '# HELP m2s_mails_accepted_total Mails accepted.\n# TYPE m2s_mails_accepted_total counter\nm2s_mails_accepted_total 1\n' +
        '# HELP m2s_queue_depth Messages waiting.\n# TYPE m2s_queue_depth gauge\nm2s_queue_depth 3\n',
    );
    waiting = 0;
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('m2s_queue_depth 0\n');
  });
});

describe('HEAD, other methods and other paths', () => {
  it('answers HEAD with the GET headers and no body bytes', async () => {
    const metrics = new Metrics();
    metrics.counter('m2s_x_total', 'X.');
    const { base, server } = await start({ metrics });
    const getLength = (await (await fetch(`${base}/metrics`)).arrayBuffer()).byteLength;
    const raw = await rawExchange(server.address.port, 'HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toContain('Content-Type: text/plain; version=0.0.4; charset=utf-8');
    expect(head).toContain(`Content-Length: ${getLength}`);
    expect(body).toBe('');
    const health = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toBe('application/json');
  });

  it.each([
    ['POST', '/metrics'],
    ['DELETE', '/healthz'],
    ['PUT', '/healthz?x=1'],
  ])('answers %s %s with 405 and Allow: GET, HEAD', async (method, path) => {
    const { base } = await start();
    const res = await fetch(`${base}${path}`, { method, ...(method === 'DELETE' ? {} : { body: 'ignored' }) });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.text()).toContain('use GET, HEAD');
  });

  it.each(['/', '/metrics/', '/health', '/admin/queue'])('answers %s with 404 naming the known paths', async (path) => {
    const { base } = await start();
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('not found; known paths: /metrics, /healthz\n');
  });
});

describe('a failing health check or collector', () => {
  it('answers 500, logs http.error with the path once, and keeps serving', async () => {
    let broken = true;
    const { base, logs } = await start({
      health: () => {
        if (broken) throw new Error('queue store closed');
        return { ok: true, body: {} };
      },
    });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('queue store closed');
    const errors = logs.filter((l) => l.event === 'http.error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ level: 'error', path: '/healthz', method: 'GET', err: { message: 'queue store closed' } });
    broken = false;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers 500 for /metrics when a collect callback throws, and /healthz still answers', async () => {
    const metrics = new Metrics();
    metrics.onCollect(() => {
      throw new Error('collector broke');
    });
    const { base, logs } = await start({ metrics });
    expect((await fetch(`${base}/metrics`)).status).toBe(500);
    expect(logs.find((l) => l.event === 'http.error')).toMatchObject({ path: '/metrics' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('listening and closing', () => {
  it('logs one http.listening line with the bound host and port', async () => {
    const { server, logs } = await start();
    expect(server.address.host).toBe('127.0.0.1');
    expect(server.address.port).toBeGreaterThan(0);
    expect(logs.filter((l) => l.event === 'http.listening')).toEqual([
      expect.objectContaining({ level: 'info', host: '127.0.0.1', port: server.address.port }),
    ]);
  });

  it('rejects with M2S_HTTP_LISTEN_FAILED naming host:port and the reason when the port is in use', async () => {
    const { server } = await start();
    const port = server.address.port;
    const err: unknown = await start({ port }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'M2S_HTTP_LISTEN_FAILED', message: `cannot listen for HTTP on 127.0.0.1:${port}: address already in use` });
    expect((err as GatewayError).cause).toMatchObject({ code: 'EADDRINUSE' });
  });

  it('closes at once with an idle keep-alive connection open, and ends that connection', async () => {
    const { server } = await start();
    const agent = new Agent({ keepAlive: true });
    const socketClosed = new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.address.port, path: '/healthz', agent }, (res) => {
        expect(res.headers.connection).toBe('keep-alive');
        res.resume();
        res.on('end', () => req.socket?.once('close', () => resolve(Date.now())));
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise((r) => setTimeout(r, 50)); // the response is read; the socket sits idle in the agent
    const t0 = Date.now();
    await server.close();
    const closedAfter = Date.now() - t0;
    expect(closedAfter).toBeLessThan(CLOSE_GRACE_MS);
    expect((await socketClosed) - t0).toBeLessThan(CLOSE_GRACE_MS);
    agent.destroy();
    await expect(fetch(`http://127.0.0.1:${server.address.port}/healthz`)).rejects.toThrow();
  });

  it('cuts a connection still mid-request after the grace period instead of waiting for it', async () => {
    const { server } = await start();
    const socket = connect(server.address.port, '127.0.0.1');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'); // headers never finished
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await server.close();
    await ended;
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(CLOSE_GRACE_MS - 50);
    expect(elapsed).toBeLessThan(CLOSE_GRACE_MS + 2000);
  });

  it('resolves a second close() too', async () => {
    const { server } = await start();
    await Promise.all([server.close(), server.close()]);
    await server.close();
  });
});
