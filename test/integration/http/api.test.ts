/*
 * The admin HTTP API (issue 15, docs/api.md) of the gateway in process: every endpoint over real
 * HTTP on loopback, with the token, without it and with a wrong one; the same router on the unix
 * socket without a token; /metrics and /healthz with http.protect_metrics off and on; the refusals
 * at start for a token file that protects nothing. Real SQLite file, the simulated modem.
 */
import { request } from 'node:http';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';
import { until } from '../../helpers/wait.js';

const TOKEN = 'f3a9c2e1b4d5a6978877665544332211';

interface Answer { status: number; body: any; headers: Record<string, string | string[] | undefined> }

function call(target: { port?: number; socketPath?: string }, method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = request({ ...(target.socketPath ? { socketPath: target.socketPath } : { host: '127.0.0.1', port: target.port }), method, path, headers: { ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...(payload ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // /metrics is text
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function start(http: string, dir = tempDir()): Promise<{ gateway: Gateway; port: number; dir: string; device: SimDevice }> {
  const text = `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nhttp: ${http}\nroutes:\n  - { name: sim, transport: sim }\n`;
  const device = new SimDevice({ now: Date.now });
  const gateway = await startGateway({ config: parseConfigText(text, join(dir, 'c.yaml')), logger: silentLogger(), transportOverrides: { simDevices: new Map([['sim', device]]) } });
  return { gateway, port: gateway.http!.port, dir, device };
}

function tokenFile(dir: string, content: string, mode = 0o600): string {
  const path = join(dir, 'api-token');
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

describe('the admin API on http.listen with a token file', () => {
  let g: Awaited<ReturnType<typeof start>>;
  const tcp = () => ({ port: g.port });
  beforeAll(async () => {
    const dir = tempDir();
    g = await start(`{ listen: "127.0.0.1:0", token_file: ${tokenFile(dir, `${TOKEN}\n`)} }`, dir);
  });
  afterAll(async () => g?.gateway.stop());

  it('answers 401 with WWW-Authenticate: Bearer to every endpoint without the token or with a wrong one', async () => {
    const endpoints: Array<[string, string]> = [
      ['GET', '/api/queue'], ['GET', '/api/queue/stats'], ['POST', '/api/queue/purge'], ['GET', '/api/queue/X'], ['POST', '/api/queue/X/retry'], ['POST', '/api/queue/X/cancel'],
      ['GET', '/api/accounts'], ['POST', '/api/accounts'], ['GET', '/api/accounts/default'], ['PATCH', '/api/accounts/default'], ['DELETE', '/api/accounts/default'],
      ['GET', '/api/users'], ['POST', '/api/users'], ['GET', '/api/users/alerts@localhost'], ['PATCH', '/api/users/alerts@localhost'], ['DELETE', '/api/users/alerts@localhost'],
      ['GET', '/api/routes'], ['POST', '/api/send'], ['GET', '/api/inbox'], ['GET', '/api/inbox/X'],
    ];
    for (const [method, path] of endpoints) {
      for (const token of [undefined, 'wrong-token-of-some-length', `${TOKEN}x`]) {
        const r = await call(tcp(), method, path, token === undefined ? {} : { token });
        expect({ method, path, status: r.status, auth: r.headers['www-authenticate'], code: r.body.error?.code }).toEqual({ method, path, status: 401, auth: 'Bearer realm="mail2sms"', code: 'M2S_API_UNAUTHORIZED' });
      }
    }
    // Nothing was changed by the refused requests.
    expect(g.gateway.accounts.getAccount('default')).toBeDefined();
    expect(g.gateway.accounts.getUser('alerts@localhost')).toBeDefined();
  });

  it('serves every endpoint with the token: send, queue list/show/stats, cancel, retry, purge', async () => {
    const auth = { token: TOKEN };
    const sent = await call(tcp(), 'POST', '/api/send', { ...auth, body: { to: '+447973100000', text: 'pump P3 down' } });
    expect(sent.status).toBe(200);
    const qid = /queued as (\S+)/.exec(sent.body.response)?.[1] as string;
    await until(() => g.gateway.queue.show(qid).state === 'sent', 'the SMS sent by the simulated modem');
    expect((await call(tcp(), 'GET', '/api/queue?limit=5', auth)).body).toEqual([expect.objectContaining({ id: qid, state: 'sent' })]);
    expect((await call(tcp(), 'GET', '/api/queue?state=bogus', auth))).toMatchObject({ status: 400, body: { error: { code: 'M2S_BAD_PARAMS' } } });
    expect((await call(tcp(), 'GET', `/api/queue/${qid}`, auth)).body).toMatchObject({ id: qid, text: 'pump P3 down', notice: { state: 'none' } });
    expect((await call(tcp(), 'GET', '/api/queue/NOSUCH', auth))).toMatchObject({ status: 404, body: { error: { code: 'M2S_QUEUE_NOT_FOUND', message: 'no message with queue id NOSUCH' } } });
    expect((await call(tcp(), 'GET', '/api/queue/stats', auth)).body).toMatchObject({ messages: { sent: 1 }, open: 0 });
    expect((await call(tcp(), 'POST', `/api/queue/${qid}/retry`, auth))).toMatchObject({ status: 409, body: { error: { code: 'M2S_QUEUE_WRONG_STATE', message: `message ${qid} is sent: it went out; nothing to retry` } } });
    expect((await call(tcp(), 'POST', `/api/queue/${qid}/cancel`, auth))).toMatchObject({ status: 409, body: { error: { code: 'M2S_QUEUE_WRONG_STATE' } } });
    expect((await call(tcp(), 'POST', '/api/queue/purge', { ...auth, body: { olderThan: '1d' } })).body).toMatchObject({ messages: 0 });
    expect((await call(tcp(), 'POST', '/api/queue/purge', { ...auth, body: {} }))).toMatchObject({ status: 400, body: { error: { code: 'M2S_BAD_PARAMS' } } });
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await call(tcp(), 'POST', '/api/queue/purge', { ...auth, body: { before: future } })).body).toMatchObject({ messages: 1, byState: { sent: 1 } });
    expect((await call(tcp(), 'GET', `/api/queue/${qid}`, auth)).status).toBe(404);
    const metrics = (await call(tcp(), 'GET', '/metrics')).body as string;
    expect(metrics).toContain('mail2sms_queue_actions_total{action="purge"} 2');
    expect(metrics).toContain('mail2sms_queue_actions_total{action="retry"} 0');
  });

  it('serves accounts, users and routes with the token; the store\'s rules answer bad values with 400', async () => {
    const auth = { token: TOKEN };
    expect((await call(tcp(), 'POST', '/api/accounts', { ...auth, body: { name: 'noc', quota: 50, compose: 'body' } }))).toMatchObject({ status: 200, body: { name: 'noc', quota: 50, compose: 'body' } });
    expect((await call(tcp(), 'POST', '/api/accounts', { ...auth, body: { name: 'noc' } })).status).toBe(409);
    expect((await call(tcp(), 'POST', '/api/accounts', { ...auth, body: { name: 'x', compose: 'sideways' } }))).toMatchObject({ status: 400, body: { error: { code: 'M2S_ACCOUNT_INVALID' } } });
    expect((await call(tcp(), 'POST', '/api/accounts', { ...auth, body: { name: 'x', colour: 'red' } }))).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('"colour"') } } });
    expect((await call(tcp(), 'PATCH', '/api/accounts/noc', { ...auth, body: { quota: null } })).body).toMatchObject({ name: 'noc', quota: null });
    expect((await call(tcp(), 'GET', '/api/accounts/noc', auth)).body).toMatchObject({ name: 'noc' });
    expect((await call(tcp(), 'GET', '/api/accounts', auth)).body.map((a: { name: string }) => a.name).sort()).toEqual(['default', 'noc']);
    expect((await call(tcp(), 'POST', '/api/users', { ...auth, body: { email: 'pager@noc.lan', account: 'noc', dkim: 'PASS', password: 'correct horse' } })).body).toMatchObject({ email: 'pager@noc.lan', dkim: 'PASS', password: true });
    expect((await call(tcp(), 'PATCH', '/api/users/pager@noc.lan', { ...auth, body: { password: null, senderId: 'NOC' } })).body).toMatchObject({ password: false, senderId: 'NOC' });
    expect((await call(tcp(), 'GET', '/api/users?account=noc', auth)).body).toEqual([expect.objectContaining({ email: 'pager@noc.lan' })]);
    expect((await call(tcp(), 'GET', '/api/users/pager@noc.lan', auth)).body).not.toHaveProperty('passwordHash');
    expect((await call(tcp(), 'DELETE', '/api/accounts/noc', auth))).toMatchObject({ status: 409, body: { error: { code: 'M2S_ACCOUNT_IN_USE' } } });
    expect((await call(tcp(), 'DELETE', '/api/users/pager@noc.lan', auth)).status).toBe(200);
    expect((await call(tcp(), 'DELETE', '/api/accounts/noc', auth)).status).toBe(200);
    expect((await call(tcp(), 'GET', '/api/users/pager@noc.lan', auth)).status).toBe(404);
    expect((await call(tcp(), 'GET', '/api/routes', auth)).body).toMatchObject({ status: 'ok', routes: [expect.objectContaining({ name: 'sim', ready: true })] });
  });

  it('serves the SMS received with the token: inbox list and show, as `inbox list|show --json` prints them', async () => {
    const auth = { token: TOKEN };
    g.device.deliverMo({ from: '+447973100042', text: 'ack 42' });
    await until(() => g.gateway.inbound.list({ limit: 10 }).some((r) => r.text === 'ack 42' && r.state === 'held'), 'the SMS received and held (no smarthost)');
    const listed = await call(tcp(), 'GET', '/api/inbox?state=held&limit=5', auth);
    expect(listed).toMatchObject({ status: 200, body: [expect.objectContaining({ state: 'held', from: '+447973100042', route: 'sim', text: 'ack 42', mailedTo: null })] });
    const id = listed.body[0].id as string;
    expect((await call(tcp(), 'GET', `/api/inbox/${id}`, auth)).body).toMatchObject({ id, state: 'held', from: '+447973100042', text: 'ack 42', lastError: expect.stringContaining('no inbound address is set') });
    expect(await call(tcp(), 'GET', '/api/inbox/NOSUCH', auth)).toMatchObject({ status: 404, body: { error: { code: 'M2S_INBOX_NOT_FOUND', message: 'no received SMS NOSUCH (inbox list shows the ids)' } } });
    expect(await call(tcp(), 'GET', '/api/inbox?state=bogus', auth)).toMatchObject({ status: 400, body: { error: { code: 'M2S_BAD_PARAMS', message: expect.stringContaining('"state" must be one of received, mailed, held, failed') } } });
    expect((await call({ socketPath: g.gateway.controlSocket }, 'GET', '/api/inbox')).body).toEqual(listed.body);
  });

  it('answers a bad body, a big body, an unknown path and a wrong method as JSON errors, and keeps serving', async () => {
    const auth = { token: TOKEN };
    expect((await call(tcp(), 'POST', '/api/accounts', { ...auth, raw: '{"name":' }))).toMatchObject({ status: 400, body: { error: { code: 'M2S_BAD_PARAMS', message: expect.stringContaining('not JSON') } } });
    expect((await call(tcp(), 'POST', '/api/accounts', { ...auth, raw: '[1,2]' }))).toMatchObject({ status: 400 });
    expect((await call(tcp(), 'POST', '/api/send', { ...auth, raw: JSON.stringify({ to: '+1', text: 'x'.repeat(70_000) }) }))).toMatchObject({ status: 413, body: { error: { code: 'M2S_API_TOO_LARGE' } } });
    expect((await call(tcp(), 'GET', '/api/nothing', auth))).toMatchObject({ status: 404, body: { error: { code: 'M2S_API_NOT_FOUND' } } });
    expect((await call(tcp(), 'DELETE', '/api/queue', auth))).toMatchObject({ status: 405, body: { error: { code: 'M2S_API_METHOD' } } });
    expect((await call(tcp(), 'GET', '/api/queue/%E0%A4%A', auth)).status).toBe(400);
    expect((await call(tcp(), 'GET', '/api/queue/stats', auth)).status).toBe(200);
  });

  it('serves the same API on control.sock without a token; /metrics and /healthz stay open', async () => {
    const socketPath = g.gateway.controlSocket;
    expect((await call({ socketPath }, 'GET', '/api/queue/stats')).status).toBe(200);
    expect((await call({ socketPath }, 'GET', '/api/routes')).body.routes[0].name).toBe('sim');
    expect((await call(tcp(), 'GET', '/metrics')).status).toBe(200);
    expect((await call(tcp(), 'GET', '/healthz')).status).toBe(200);
  });
});

describe('http.token_file and http.protect_metrics', () => {
  it('without a token file, /api on TCP answers 403 saying so and the socket still works', async () => {
    const g = await start('{ listen: "127.0.0.1:0" }');
    try {
      const r = await call({ port: g.port }, 'GET', '/api/queue', { token: TOKEN });
      expect(r).toMatchObject({ status: 403, body: { error: { code: 'M2S_API_DISABLED', message: expect.stringContaining('no http.token_file is configured') } } });
      expect((await call({ socketPath: g.gateway.controlSocket }, 'GET', '/api/queue')).status).toBe(200);
      expect((await call({ port: g.port }, 'GET', '/metrics')).status).toBe(200);
    } finally {
      await g.gateway.stop();
    }
  });

  it('with protect_metrics, /metrics and /healthz need the token (401 without, 200 with)', async () => {
    const dir = tempDir();
    const g = await start(`{ listen: "127.0.0.1:0", token_file: ${tokenFile(dir, TOKEN)}, protect_metrics: true }`, dir);
    try {
      await until(() => g.gateway.transports.every((t) => t.health().ready), 'the simulated modem ready');
      for (const path of ['/metrics', '/healthz']) {
        expect((await call({ port: g.port }, 'GET', path)).status).toBe(401);
        expect((await call({ port: g.port }, 'GET', path, { token: 'wrong-token-wrong-token' })).headers['www-authenticate']).toBe('Bearer realm="mail2sms"');
        expect((await call({ port: g.port }, 'GET', path, { token: TOKEN })).status).toBe(200);
      }
    } finally {
      await g.gateway.stop();
    }
  });

  it('refuses to start with a token file that is missing, empty, too short or readable by everyone', async () => {
    const dir = tempDir();
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'absent'), /cannot be read: no such file or directory/],
      [tokenFile(dir, '\n'), /is empty/],
      [tokenFile(dir, 'short'), /holds a token of 5 characters/],
      [tokenFile(dir, TOKEN, 0o644), /readable or writable by every user \(mode 0644\)/],
    ];
    for (const [path, message] of cases) {
      await expect(start(`{ listen: "127.0.0.1:0", token_file: ${path} }`, tempDir())).rejects.toMatchObject({ code: 'M2S_HTTP_TOKEN_UNUSABLE', message });
    }
    await expect(start('{ listen: "127.0.0.1:0", protect_metrics: true }')).rejects.toMatchObject({ code: 'M2S_HTTP_TOKEN_UNUSABLE' });
  });
});
