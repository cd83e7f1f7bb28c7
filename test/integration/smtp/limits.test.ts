/*
 * The SMTP listener's limits against hostile clients (issue 12), each through a real socket on
 * 127.0.0.1 with small limits so the tests are quick. Other clients are other loopback addresses
 * (127.0.0.2, 127.0.0.3: any 127.x is loopback on Linux). Counters are the real /metrics ones.
 */
import { describe, expect, it } from 'vitest';
import { createGatewayCounters, Metrics } from '../../../src/metrics/index.js';
import { smtpLimits, type SmtpLimits } from '../../../src/smtp/index.js';
import { acceptAllHooks, useSmtpListener, type LogLine } from './listen.js';
import { RawSmtpClient } from './raw-client.js';

const listen = useSmtpListener();

const hooks = acceptAllHooks;

async function start(limits: Partial<SmtpLimits>) {
  const metrics = new Metrics();
  const { port, logs } = await listen(hooks, { earlyTalkerDelayMs: 0, limits: { ...smtpLimits(), ...limits }, counters: createGatewayCounters(metrics) });
  return { port, logs, metrics };
}

const events = (logs: readonly LogLine[], name: string) => logs.filter((l) => l.event === name);
const errors = (logs: readonly LogLine[]) => logs.filter((l) => l.level === 'error' || l.level === 'fatal');

/** Resolves once `test` holds for the log (condition-based, no fixed sleep). */
async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !test(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!test()) throw new Error(`timed out waiting for ${what}`);
}

async function mailFrom(port: number, localAddress?: string): Promise<string> {
  const { client, greeting } = await RawSmtpClient.open(port, localAddress);
  expect(greeting.code).toBe(220);
  await client.envelope('ops@example.com', ['447973100000@sms.example.lan']);
  const reply = await client.data('Subject: test\r\n\r\nhello');
  await client.quit();
  return reply.text;
}

/** A session in DATA: the 354 came, nothing of the message sent yet. */
async function inData(port: number, localAddress?: string) {
  const { client } = await RawSmtpClient.open(port, localAddress);
  await client.envelope('ops@example.com', ['447973100000@sms.example.lan']);
  return { client, reply: await client.command('DATA') };
}

describe('connection limits', () => {
  it('answers a client over max_connections_per_client 421 4.7.0 and closes, logs and counts it, while another client is served', async () => {
    const { port, logs, metrics } = await start({ maxConnectionsPerClient: 3 });
    const held = await Promise.all([1, 2, 3].map(() => RawSmtpClient.open(port)));
    expect(held.map((h) => h.greeting.code)).toEqual([220, 220, 220]);
    const fourth = await RawSmtpClient.connect(port);
    expect((await fourth.reply()).text).toBe('421 4.7.0 Too many connections: your address has as many connections open as it may, try again later');
    await fourth.closed;
    expect(await mailFrom(port, '127.0.0.2')).toMatch(/^250 2\.0\.0 Ok: queued as Q1$/);
    expect(events(logs, 'smtp.connection.refused')).toEqual([expect.objectContaining({ level: 'warn', reason: 'per-client', client: '127.0.0.1', open: 3, limit: 3 })]);
    expect(metrics.render()).toContain('mail2sms_smtp_connections_refused_total{reason="per-client"} 1');
    // a closed connection frees its place
    await held[0]!.client.quit();
    await until(() => events(logs, 'smtp.close').length >= 2, 'the first close');
    const again = await RawSmtpClient.open(port);
    expect(again.greeting.code).toBe(220);
    await Promise.all([again.client, ...held.slice(1).map((h) => h.client)].map((c) => c.quit()));
    expect(errors(logs)).toEqual([]);
  });

  it('counts every refusal of one client but logs one line for a burst of them', async () => {
    const { port, logs, metrics } = await start({ maxConnectionsPerClient: 1 });
    const held = await RawSmtpClient.open(port);
    for (let i = 0; i < 5; i += 1) {
      const over = await RawSmtpClient.connect(port);
      expect((await over.reply()).code).toBe(421);
      await over.closed;
    }
    expect(metrics.render()).toContain('mail2sms_smtp_connections_refused_total{reason="per-client"} 5');
    expect(events(logs, 'smtp.connection.refused')).toEqual([expect.objectContaining({ reason: 'per-client', client: '127.0.0.1' })]);
    expect(events(logs, 'smtp.connection.refused')[0]).not.toHaveProperty('suppressed');
    await held.client.quit();
  });

  it('answers a connection over max_connections 421 4.7.0 whatever its address', async () => {
    const { port, logs, metrics } = await start({ maxConnections: 2 });
    const a = await RawSmtpClient.open(port, '127.0.0.2');
    const b = await RawSmtpClient.open(port, '127.0.0.3');
    const c = await RawSmtpClient.connect(port, '127.0.0.1', '127.0.0.4');
    expect((await c.reply()).text).toBe('421 4.7.0 Too many connections: this gateway has as many connections open as it takes, try again later');
    await c.closed;
    expect(events(logs, 'smtp.connection.refused')).toEqual([expect.objectContaining({ reason: 'total', client: '127.0.0.4', open: 2, limit: 2 })]);
    expect(metrics.render()).toContain('mail2sms_smtp_connections_refused_total{reason="total"} 1');
    await Promise.all([a.client.quit(), b.client.quit()]);
  });
});

describe('time limits', () => {
  it('cuts a session past session_timeout with 421 4.4.2 however busy the client keeps it', async () => {
    const { port, logs, metrics } = await start({ sessionTimeoutMs: 1000 });
    const { client } = await RawSmtpClient.open(port);
    const replies: string[] = [];
    // a command every 50 ms keeps the idle timeout from ever firing: only the absolute limit cuts it
    // (the 421 comes by itself, and is read by the next command)
    for (;;) {
      const reply = await client.command('NOOP');
      replies.push(reply.text);
      if (reply.code !== 250) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await client.closed;
    expect(replies.at(-1)).toBe('421 4.4.2 Timeout: the session took longer than 1 s, closing connection');
    expect(replies.slice(0, -1).every((r) => r.startsWith('250'))).toBe(true);
    expect(events(logs, 'smtp.timeout')).toEqual([expect.objectContaining({ level: 'info', phase: 'session', client: '127.0.0.1', limitMs: 1000, errorCode: 'M2S_SMTP_TIMEOUT' })]);
    expect(metrics.render()).toContain('mail2sms_smtp_timeouts_total{phase="session"} 1');
  });

  it('cuts a DATA phase trickled a byte at a time at data_timeout with 421 4.4.2, logged once, and frees its DATA slot', async () => {
    const { port, logs, metrics } = await start({ dataTimeoutMs: 1000, maxConcurrentData: 1 });
    const { client, reply } = await inData(port);
    expect(reply.code).toBe(354);
    const cut = client.reply();
    let sent = 0;
    while (!client.isClosed) {
      client.write('x');
      sent += 1;
      await Promise.race([new Promise((r) => setTimeout(r, 50)), client.closed]);
    }
    expect((await cut).text).toBe('421 4.4.2 Timeout: the message (DATA) took longer than 1 s, closing connection');
    expect(events(logs, 'smtp.timeout')).toEqual([expect.objectContaining({ phase: 'data', limitMs: 1000, bytes: expect.any(Number) })]);
    expect(events(logs, 'smtp.timeout')[0]!['bytes']).toBeGreaterThan(0);
    expect(events(logs, 'smtp.timeout')[0]!['bytes']).toBeLessThanOrEqual(sent);
    expect(events(logs, 'smtp.data.aborted')).toEqual([]);
    expect(metrics.render()).toContain('mail2sms_smtp_timeouts_total{phase="data"} 1');
    // the one DATA slot is free again
    await until(() => events(logs, 'smtp.close').length === 1, 'the close of the cut session');
    expect(await mailFrom(port)).toMatch(/^250 /);
    expect(errors(logs)).toEqual([]);
  });
});

describe('DATA phases in flight', () => {
  it('answers DATA 421 4.3.2 past max_concurrent_data_per_client and past max_concurrent_data, and takes it again once a slot is free', async () => {
    const { port, logs, metrics } = await start({ maxConcurrentData: 2, maxConcurrentDataPerClient: 1 });
    const a = await inData(port);
    expect(a.reply.code).toBe(354);
    const a2 = await inData(port);
    expect(a2.reply.text).toBe('421 4.3.2 Busy: your address is sending as many messages at once as it may, try again later');
    await a2.client.closed;
    const b = await inData(port, '127.0.0.2');
    expect(b.reply.code).toBe(354);
    const c = await inData(port, '127.0.0.3');
    expect(c.reply.text).toBe('421 4.3.2 Busy: this gateway is receiving as many messages as it can hold, try again later');
    await c.client.closed;
    expect(events(logs, 'smtp.rejected').map((l) => [l['stage'], l['errorCode'], l['reason'], l['client']])).toEqual([
      ['data', 'M2S_SMTP_DATA_BUSY', 'per-client', '127.0.0.1'],
      ['data', 'M2S_SMTP_DATA_BUSY', 'total', '127.0.0.3'],
    ]);
    expect(metrics.render()).toContain('mail2sms_smtp_refused_total{stage="data",status="4.3.2"} 2');
    a.client.write('Subject: a\r\n\r\nfirst\r\n.\r\n');
    expect((await a.client.reply()).code).toBe(250);
    expect(await mailFrom(port, '127.0.0.3')).toMatch(/^250 /);
    b.client.write('Subject: b\r\n\r\nsecond\r\n.\r\n');
    expect((await b.client.reply()).code).toBe(250);
    await Promise.all([a.client.quit(), b.client.quit()]);
    expect(errors(logs)).toEqual([]);
  });

  it('logs a client that drops the connection in DATA as smtp.data.aborted at info, with its bytes and no stack, and frees its slot', async () => {
    const { port, logs } = await start({ maxConcurrentData: 1 });
    const { client, reply } = await inData(port);
    expect(reply.code).toBe(354);
    client.write('Subject: half\r\n\r\nthe first half');
    client.destroy();
    await until(() => events(logs, 'smtp.data.aborted').length === 1, 'smtp.data.aborted');
    const aborted = events(logs, 'smtp.data.aborted')[0]!;
    expect(aborted).toMatchObject({ level: 'info', client: '127.0.0.1', from: 'ops@example.com', bytes: expect.any(Number) });
    expect(aborted['err']).toBeUndefined();
    expect(events(logs, 'smtp.hook.failed')).toEqual([]);
    expect(await mailFrom(port)).toMatch(/^250 /);
    expect(errors(logs)).toEqual([]);
  });
});
