/*
 * Hostile SMTP clients against the built daemon (issue 12; `npm run build` first), one test per
 * attack at reduced scale, each holding to its figure: the attacker from 127.0.0.1 is refused
 * or cut with its RFC 3463 code, the gateway's RSS stays under 200 MB (read from /metrics), and a
 * legitimate mail from another client address (127.0.0.2) gets its 250 during the attack.
 * The full-scale figures (20,000 connections, 1,500 unfinished 1 MB DATA phases) come from
 * scripts/bench/hostile.mjs, recorded in docs/benchmarks.md.
 *
 * Two daemons: `limits` (connections, DATA slots, AUTH; long time limits) and `clock` (short
 * session and DATA time limits), so no attack is cut by a limit it does not test.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig, type LogLine, type Proc } from '../helpers/daemon.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { RawSmtpClient, type RawReply } from '../integration/smtp/raw-client.js';

const PASSWORD = 'correct horse battery staple';
const RCPT = '447973100001@sms.test';
const RSS_FIGURE = 200 * 1024 * 1024;

interface Daemon {
  readonly proc: Proc;
  readonly port: number;
  readonly http: string;
  readonly config: string;
}

const dirs: string[] = [];
let limits: Daemon;
let clock: Daemon;

async function startDaemon(name: string, smtpKeys: string): Promise<Daemon> {
  const dir = tempDir(`mail2sms-hostile-${name}-`);
  dirs.push(dir);
  const tls = selfSignedCertificate();
  writeFileSync(join(dir, 'key.pem'), tls.key);
  writeFileSync(join(dir, 'cert.pem'), tls.cert);
  const config = writeConfig(
    dir,
    `domain: sms.test
hostname: gw.test
state_dir: ${join(dir, 'state')}
smtp:
  listen: "127.0.0.1:0"
  tls: { key: ${join(dir, 'key.pem')}, cert: ${join(dir, 'cert.pem')} }
  greeting_delay_ms: 0
${smtpKeys}
http: { listen: "127.0.0.1:0" }
routes:
  - { name: sim, transport: sim }
`,
  );
  const cli = async (args: readonly string[], input?: string) => {
    const p = runCli([...args, '--config', config], {}, input === undefined ? {} : { input });
    const { code } = await p.exited;
    if (code !== 0) throw new Error(`mail2sms ${args.join(' ')} exited ${code}: ${p.stderr.join('\n')}`);
  };
  await cli(['account', 'add', 'ops', '--allow-ip', '127.0.0.0/8']);
  await cli(['user', 'add', 'ops@example.com', '--account', 'ops']);
  await cli(['user', 'add', 'secure@example.com', '--account', 'ops', '--password'], `${PASSWORD}\n`);
  const proc = runCli(['start', '--config', config]);
  const started = await proc.waitFor((l) => l.event === 'gateway.started', 15_000, 'gateway.started');
  const port = Number(String((started['smtp'] as string[])[0]).split(':').at(-1));
  return { proc, port, http: String(started['http']), config };
}

beforeAll(async () => {
  [limits, clock] = await Promise.all([
    startDaemon(
      'limits',
      `  max_connections_per_client: 3
  max_concurrent_data: 4
  max_concurrent_data_per_client: 2
  auth_failure_delay: 50ms
  auth_failures_per_connection: 3
  auth_failures_per_client: 5
  auth_block_time: 10m`,
    ),
    startDaemon('clock', '  session_timeout: 2s\n  data_timeout: 1s'),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([limits?.proc.stop(), clock?.proc.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function metrics(d: Daemon): Promise<string> {
  return (await fetch(`http://${d.http}/metrics`)).text();
}

async function rss(d: Daemon): Promise<number> {
  return Number(/^mail2sms_process_resident_memory_bytes (\d+)/m.exec(await metrics(d))?.[1]);
}

/** One mail in its own session from `localAddress`; with `auth`, STARTTLS and AUTH PLAIN first. */
async function mail(d: Daemon, localAddress: string, options: { from?: string; auth?: string } = {}): Promise<RawReply> {
  const { client, greeting } = await RawSmtpClient.open(d.port, localAddress);
  expect(greeting.code).toBe(220);
  const from = options.from ?? 'ops@example.com';
  await client.command('EHLO legit.example');
  if (options.auth !== undefined) {
    await client.startTls();
    await client.command('EHLO legit.example');
    expect((await client.command(`AUTH PLAIN ${Buffer.from(`\0${from}\0${options.auth}`).toString('base64')}`)).code).toBe(235);
  }
  expect((await client.command(`MAIL FROM:<${from}>`)).code).toBe(250);
  expect((await client.command(`RCPT TO:<${RCPT}>`)).code).toBe(250);
  const reply = await client.data(`From: ${from}\r\nSubject: legit\r\n\r\nDisk 91% full`);
  await client.quit();
  return reply;
}

const events = (d: Daemon, name: string): LogLine[] => d.proc.lines.filter((l) => l.event === name);
const waitForCount = (d: Daemon, name: string, n: number): Promise<LogLine> => d.proc.waitFor(() => events(d, name).length >= n, 10_000, `${n} ${name} lines`);

describe('hostile SMTP clients against the built daemon (issue 12)', () => {
  it('answers connections beyond max_connections_per_client 421 4.7.0, while a legitimate client gets 250', async () => {
    const attempts = await Promise.all(Array.from({ length: 10 }, () => RawSmtpClient.connect(limits.port)));
    const firsts = await Promise.all(attempts.map((c) => c.reply()));
    expect(firsts.filter((r) => r.code === 220)).toHaveLength(3);
    const refused = firsts.filter((r) => r.code !== 220);
    expect(refused.map((r) => r.text)).toEqual(Array(7).fill('421 4.7.0 Too many connections: your address has as many connections open as it may, try again later'));
    expect((await mail(limits, '127.0.0.2')).text).toMatch(/^250 2\.0\.0 Ok: queued as /);
    // every refusal is counted; one client's refusals log one line a minute, not one each
    expect(await metrics(limits)).toContain('mail2sms_smtp_connections_refused_total{reason="per-client"} 7');
    expect(events(limits, 'smtp.connection.refused')).toEqual([expect.objectContaining({ level: 'warn', reason: 'per-client', client: '127.0.0.1', limit: 3 })]);
    await Promise.all(attempts.map((c) => c.quit()));
    await waitForCount(limits, 'smtp.close', 4);
  });

  it('refuses DATA past the per-client budget with 421 4.3.2 while unfinished DATA phases are held, stays under 200 MB, and a legitimate mail gets 250', async () => {
    const flood = await Promise.all(Array.from({ length: 3 }, () => RawSmtpClient.open(limits.port)));
    const replies: RawReply[] = [];
    for (const { client } of flood) {
      await client.envelope('ops@example.com', [RCPT]);
      const go = await client.command('DATA');
      replies.push(go);
      if (go.code === 354) client.write(`Subject: flood\r\n\r\n${'x'.repeat(998)}\r\n`.repeat(100));
    }
    expect(replies.map((r) => r.code)).toEqual([354, 354, 421]);
    expect(replies[2]!.text).toBe('421 4.3.2 Busy: your address is sending as many messages at once as it may, try again later');
    expect((await mail(limits, '127.0.0.2')).text).toMatch(/^250 2\.0\.0 Ok: queued as /);
    expect(await rss(limits)).toBeLessThan(RSS_FIGURE);
    expect(events(limits, 'smtp.rejected').find((l) => l['errorCode'] === 'M2S_SMTP_DATA_BUSY')).toMatchObject({ stage: 'data', reason: 'per-client', client: '127.0.0.1' });
    expect(await metrics(limits)).toContain('mail2sms_smtp_refused_total{stage="data",status="4.3.2"} 1');
    const before = events(limits, 'smtp.data.aborted').length;
    for (const { client } of flood) client.destroy();
    // the client-caused aborts are their own info event, not a bug
    await waitForCount(limits, 'smtp.data.aborted', before + 2);
    expect(events(limits, 'smtp.data.aborted').at(-1)).toMatchObject({ level: 'info', client: '127.0.0.1', from: 'ops@example.com' });
    expect(events(limits, 'smtp.hook.failed')).toEqual([]);
  });

  it('cuts a DATA phase trickled a byte at a time at data_timeout, and a session kept alive by trickled bytes at session_timeout, both 421 4.4.2; a legitimate mail gets 250 meanwhile', async () => {
    const data = await RawSmtpClient.open(clock.port);
    await data.client.envelope('ops@example.com', [RCPT]);
    expect((await data.client.command('DATA')).code).toBe(354);
    const idle = await RawSmtpClient.open(clock.port);
    const dataCut = data.client.reply();
    const idleCut = idle.client.reply();
    const trickle = setInterval(() => {
      data.client.write('x');
      idle.client.write('N');
    }, 100);
    try {
      expect((await mail(clock, '127.0.0.2')).text).toMatch(/^250 /);
      expect((await dataCut).text).toBe('421 4.4.2 Timeout: the message (DATA) took longer than 1 s, closing connection');
      expect((await idleCut).text).toBe('421 4.4.2 Timeout: the session took longer than 2 s, closing connection');
    } finally {
      clearInterval(trickle);
    }
    await Promise.all([data.client.closed, idle.client.closed]);
    const cuts = events(clock, 'smtp.timeout');
    expect(cuts.map((l) => l['phase']).sort()).toEqual(['data', 'session']);
    const text = await metrics(clock);
    expect(text).toContain('mail2sms_smtp_timeouts_total{phase="data"} 1');
    expect(text).toContain('mail2sms_smtp_timeouts_total{phase="session"} 1');
  });

  it('slows AUTH guessing with a doubling delay, cuts the connection at 3 failures and blocks the address at 5, while a legitimate user logs in from another address', async () => {
    const guess = (n: number) => `AUTH PLAIN ${Buffer.from(`\0secure@example.com\0guess-${n}`).toString('base64')}`;
    const over = async () => {
      const { client } = await RawSmtpClient.open(limits.port);
      await client.command('EHLO guesser.example');
      await client.startTls();
      await client.command('EHLO guesser.example');
      return client;
    };
    const first = await over();
    const answers: string[] = [];
    for (let n = 1; n <= 3; n += 1) answers.push((await first.command(guess(n))).text.slice(0, 9));
    await first.closed;
    const second = await over();
    for (let n = 4; n <= 5; n += 1) answers.push((await second.command(guess(n))).text.slice(0, 9));
    await second.closed;
    const third = await over();
    const withRightPassword = await third.command(`AUTH PLAIN ${Buffer.from(`\0secure@example.com\0${PASSWORD}`).toString('base64')}`);
    await third.closed;
    expect(answers).toEqual(['535 5.7.8', '535 5.7.8', '421 4.7.0', '535 5.7.8', '421 4.7.0']);
    expect(withRightPassword.text).toMatch(/^421 4\.7\.0 Too many failed logins from your address/);
    expect((await mail(limits, '127.0.0.2', { from: 'secure@example.com', auth: PASSWORD })).text).toMatch(/^250 2\.0\.0 Ok: queued as /);
    const failed = events(limits, 'smtp.auth.failed');
    expect(failed.map((l) => [l['user'], l['clientFailures'], l['delayMs']])).toEqual([1, 2, 3, 4, 5].map((n) => ['secure@example.com', n, 50 * 2 ** (n - 1)]));
    expect(events(limits, 'smtp.auth.blocked').map((l) => l['reason'])).toEqual(['connection', 'client', 'client']);
    expect(limits.proc.stdout.join('\n')).not.toContain('guess-');
    const text = await metrics(limits);
    expect(text).toContain('mail2sms_smtp_auth_failures_total 5');
    expect(text).toContain('mail2sms_smtp_auth_blocked_total{reason="client"} 2');
    expect(await rss(limits)).toBeLessThan(RSS_FIGURE);
  });

  it('logged no error line in either daemon', () => {
    expect(limits.proc.unexpectedErrors()).toEqual([]);
    expect(clock.proc.unexpectedErrors()).toEqual([]);
  });
});
