/*
 * What failed SMTP logins cost (issue 12): a growing delay before the 535, the connection cut
 * at auth_failures_per_connection, the client address blocked at auth_failures_per_client, the
 * user name logged and the password never; and scrypt (the real accounts/password.ts) never
 * holding up other sessions. Real sockets on 127.0.0.1, STARTTLS with a throw-away certificate.
 * Delays are shown by the logged delayMs and by the order of events, never by a stopwatch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPasswordHash } from '../../../src/accounts/index.js';
import { createGatewayCounters, Metrics } from '../../../src/metrics/index.js';
import { smtpLimits, type SmtpHooks, type SmtpLimits } from '../../../src/smtp/index.js';
import { hasOpenssl, selfSignedCertificate, type TestCertificate } from '../../helpers/tls.js';
import { useSmtpListener, type LogLine } from './listen.js';
import { RawSmtpClient } from './raw-client.js';

const PASSWORD = 'Correct-Horse-7';
const listen = useSmtpListener();
let certificate: TestCertificate;
let hash: string;
beforeAll(async () => {
  if (hasOpenssl) certificate = selfSignedCertificate();
  hash = await hashPassword(PASSWORD);
});

async function start(limits: Partial<SmtpLimits>) {
  const calls: string[] = [];
  const hooks: SmtpHooks = {
    async checkRecipient() {
      return { number: '+447973100000' };
    },
    async acceptMessage() {
      return { qids: ['Q1'] };
    },
    async authenticate(username, password) {
      calls.push(username);
      return username === 'alerts@site.example' && verifyPasswordHash(hash, password);
    },
  };
  const metrics = new Metrics();
  const { port, logs } = await listen(hooks, { earlyTalkerDelayMs: 0, tls: certificate, limits: { ...smtpLimits(), ...limits }, counters: createGatewayCounters(metrics) });
  return { port, logs, metrics, calls };
}

const plain = (user: string, password: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`;
const events = (logs: readonly LogLine[], name: string) => logs.filter((l) => l.event === name);

async function overTls(port: number, localAddress?: string): Promise<RawSmtpClient> {
  const { client } = await RawSmtpClient.open(port, localAddress);
  await client.command('EHLO client.example');
  expect((await client.startTls()).code).toBe(220);
  await client.command('EHLO client.example');
  return client;
}

describe.skipIf(!hasOpenssl)('failed SMTP logins', () => {
  it('answers each failure after a doubling delay and closes the connection at the third with 421 4.7.0, naming the user and never the password', async () => {
    const { port, logs, metrics } = await start({ authFailureDelayMs: 20, authFailuresPerConnection: 3 });
    const client = await overTls(port);
    const replies = [];
    for (const guess of ['guess-1', 'guess-2', 'guess-3']) replies.push((await client.command(plain('alerts@site.example', guess))).text);
    await client.closed;
    expect(replies).toEqual([
      '535 5.7.8 Authentication credentials invalid',
      '535 5.7.8 Authentication credentials invalid',
      '421 4.7.0 Authentication credentials invalid; 3 failed logins on this connection, closing',
    ]);
    const failed = events(logs, 'smtp.auth.failed');
    expect(failed.map((l) => [l['user'], l['failures'], l['delayMs']])).toEqual([
      ['alerts@site.example', 1, 20],
      ['alerts@site.example', 2, 40],
      ['alerts@site.example', 3, 80],
    ]);
    expect(events(logs, 'smtp.auth.blocked')).toEqual([expect.objectContaining({ level: 'warn', reason: 'connection', user: 'alerts@site.example', failures: 3, errorCode: 'M2S_SMTP_AUTH_TOO_MANY_FAILURES' })]);
    // each failure is logged before its answer goes out: the answer waits for the delay
    const order = logs.filter((l) => l.event === 'smtp.auth.failed' || (l.event === 'smtp.wire' && /^S: (535|421)/.test(String(l.msg)))).map((l) => (l.event === 'smtp.auth.failed' ? 'failed' : 'answer'));
    expect(order).toEqual(['failed', 'answer', 'failed', 'answer', 'failed', 'answer']);
    expect(JSON.stringify(logs)).not.toMatch(/guess-\d/);
    const text = metrics.render();
    expect(text).toContain('mail2sms_smtp_auth_failures_total 3');
    expect(text).toContain('mail2sms_smtp_auth_blocked_total{reason="connection"} 1');
  });

  it('keeps answering the other clients while one waits out its delay', async () => {
    const { port } = await start({ authFailureDelayMs: 60_000 });
    const guesser = await overTls(port);
    const order: string[] = [];
    const answered = guesser.command(plain('alerts@site.example', 'wrong')).then((r) => order.push(`guesser ${r.code}`));
    const other = await RawSmtpClient.open(port, '127.0.0.2');
    order.push(`other ${other.greeting.code}`);
    await other.client.envelope('ops@example.com', ['447973100000@sms.example.lan']);
    order.push(`other ${(await other.client.data('Subject: x\r\n\r\ny')).code}`);
    await other.client.quit();
    expect(order).toEqual(['other 220', 'other 250']);
    guesser.destroy();
    void answered;
  });

  it('blocks a client address at auth_failures_per_client with 421 4.7.0 without checking any more passwords; another address still logs in', async () => {
    const { port, logs, metrics, calls } = await start({ authFailureDelayMs: 1, authFailuresPerConnection: 3, authFailuresPerClient: 4, authBlockMs: 60_000 });
    const first = await overTls(port);
    for (let i = 0; i < 3; i += 1) await first.command(plain('alerts@site.example', `guess-${i}`));
    await first.closed;
    const second = await overTls(port);
    expect((await second.command(plain('alerts@site.example', 'guess-4'))).text).toBe('421 4.7.0 Too many failed logins from your address: AUTH refused for up to 1 min, try again later');
    await second.closed;
    const third = await overTls(port);
    expect((await third.command(plain('alerts@site.example', PASSWORD))).text).toMatch(/^421 4\.7\.0 Too many failed logins from your address/);
    await third.closed;
    expect(calls).toHaveLength(4);
    const blocked = events(logs, 'smtp.auth.blocked').filter((l) => l['reason'] === 'client');
    expect(blocked).toEqual([
      expect.objectContaining({ user: 'alerts@site.example', client: '127.0.0.1', failures: 4, until: expect.any(String), errorCode: 'M2S_SMTP_AUTH_BLOCKED' }),
      expect.objectContaining({ user: 'alerts@site.example', client: '127.0.0.1', until: expect.any(String) }),
    ]);
    const elsewhere = await overTls(port, '127.0.0.2');
    expect((await elsewhere.command(plain('alerts@site.example', PASSWORD))).code).toBe(235);
    await elsewhere.quit();
    expect(metrics.render()).toContain('mail2sms_smtp_auth_blocked_total{reason="client"} 2');
  });

  it('greets a new connection while sixteen scrypt checks are in progress (scrypt runs off the event loop)', async () => {
    const { port } = await start({});
    const clients = await Promise.all(Array.from({ length: 16 }, (_, i) => overTls(port, `127.0.1.${i + 1}`)));
    const order: string[] = [];
    const logins = clients.map((c) => c.command(plain('alerts@site.example', PASSWORD)).then((r) => order.push(`auth ${r.code}`)));
    const greeted = await RawSmtpClient.open(port, '127.0.0.9');
    order.push(`greeting ${greeted.greeting.code}`);
    await Promise.all(logins);
    expect(order).toHaveLength(17);
    expect(order.filter((o) => o === 'auth 235')).toHaveLength(16);
    // the greeting did not wait for the checks to end
    expect(order.indexOf('greeting 220')).toBeLessThan(16);
    await Promise.all([greeted.client, ...clients].map((c) => c.quit()));
  });
});
