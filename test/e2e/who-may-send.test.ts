/*
 * Who may send (SPEC 2, 3, 4, 7), against the built daemon (`npm run build` first): a real DNS
 * server on loopback (unbound) holding the sending domain's SPF, DKIM key and DMARC policy, a
 * throw-away TLS certificate, a smarthost in this process, accounts and users made with the CLI.
 *
 * Each kind of bad input (spoofed From, forged DKIM signature, replayed signature over an altered
 * body, unknown sender, user over quota, flood from one sender, client outside the allowed
 * addresses, AUTH without TLS, malformed address, 10 MB mail) gets its precise reply code,
 * enhanced status and text, a log line naming the user (where one is known) and the rule, and no
 * SMS: the last test reads `queue list --json` and finds only the good mails. verdict@ replies
 * through the smarthost and queues nothing.
 */
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig, type LogLine, type Proc } from '../helpers/daemon.js';
import { mail, rsaKey, sign } from '../helpers/dkim-kit.js';
import { startSmarthost, type Smarthost } from '../helpers/smarthost.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { startUnbound, type Unbound } from '../helpers/unbound.js';
import { RawSmtpClient, type RawReply } from '../integration/smtp/raw-client.js';

const DOMAIN = 'sms.example.lan';
const KEY = rsaKey();
/** A key whose public half is published nowhere: what it signs is a forgery. */
const FORGER = rsaKey();
const PASSWORD = 'correct horse battery staple';

/** example.com lets 127.0.0.1 send (the test's clients) and enforces DMARC; example.net does not let it. */
const ZONE = [
  { name: 'example.com', type: 'TXT', value: 'v=spf1 ip4:127.0.0.1 -all' },
  { name: 'sel1._domainkey.example.com', type: 'TXT', value: `v=DKIM1; k=rsa; p=${KEY.p}` },
  { name: '_dmarc.example.com', type: 'TXT', value: 'v=DMARC1; p=reject' },
  { name: 'example.net', type: 'TXT', value: 'v=spf1 ip4:192.0.2.10 -all' },
  { name: '_dmarc.example.net', type: 'TXT', value: 'v=DMARC1; p=reject' },
] as const;

/** Destination numbers, one per case, so the queue shows which mail became an SMS. */
const N = {
  good: '+447973100001',
  secure: '+447973100002',
  quotaFirst: '+447973100003',
  quotaTooBigA: '+447973100004',
  quotaTooBigB: '+447973100005',
  quotaLast: '+447973100006',
  quotaExhausted: '+447973100007',
  flood1: '+447973100008',
  flood2: '+447973100009',
  flood3: '+447973100010',
  cugOut: '+447973100012',
  spoofed: '+447973100013',
  forged: '+447973100014',
  replayed: '+447973100015',
  triple: '+447973100016',
  big: '+447973100017',
  unknown: '+447973100018',
  mixed: '+447973100019',
} as const;
const at = (number: string): string => `${number}@${DOMAIN}`;

let dir: string;
let config: string;
let unbound: Unbound;
let smarthost: Smarthost;
let gateway: Proc;
let port: number;

async function cli(args: readonly string[], input?: string): Promise<string> {
  const p = runCli([...args, '--config', config], {}, input === undefined ? {} : { input });
  const { code } = await p.exited;
  if (code !== 0) throw new Error(`mail2sms ${args.join(' ')} exited ${code}: ${p.stderr.join('\n')}`);
  return p.stdout.join('\n');
}

const judged = ['--dkim', 'PASS', '--spf', 'PASS', '--dmarc', 'PASS'];

async function provision(): Promise<void> {
  await cli(['account', 'add', 'ops', '--allow-ip', '127.0.0.1/32', '--quota', '20']);
  await cli(['account', 'add', 'field', '--allow-ip', '127.0.0.1/32', '--cug', '+447973100011']);
  await cli(['account', 'add', 'flood', '--allow-ip', '127.0.0.1/32', '--burst', '2']);
  await cli(['account', 'add', 'plant', '--allow-ip', '127.0.0.3/32']);
  await cli(['user', 'add', 'ops@example.com', '--account', 'ops', ...judged]);
  await cli(['user', 'add', 'secure@example.com', '--account', 'ops', ...judged, '--password'], `${PASSWORD}\n`);
  await cli(['user', 'add', 'quota@example.com', '--account', 'ops', ...judged, '--quota', '2']);
  await cli(['user', 'add', 'field@example.com', '--account', 'field', ...judged]);
  await cli(['user', 'add', 'flood@example.com', '--account', 'flood', ...judged, '--tps', '0.1']);
  await cli(['user', 'add', 'plant@example.com', '--account', 'plant', ...judged]);
  await cli(['user', 'add', 'net@example.net', '--account', 'ops', ...judged]);
}

beforeAll(async () => {
  dir = tempDir('mail2sms-who-may-send-');
  const tls = selfSignedCertificate();
  writeFileSync(join(dir, 'key.pem'), tls.key);
  writeFileSync(join(dir, 'cert.pem'), tls.cert);
  [unbound, smarthost] = await Promise.all([startUnbound(ZONE), startSmarthost()]);
  config = writeConfig(
    dir,
    `domain: ${DOMAIN}
hostname: gw.example.lan
state_dir: ${join(dir, 'state')}
smtp:
  listen: "127.0.0.1:0"
  tls: { key: ${join(dir, 'key.pem')}, cert: ${join(dir, 'cert.pem')} }
  max_message_size: 1MB
  greeting_delay_ms: 0
verdict: dns
dns: { servers: ["${unbound.servers[0]}"] }
smarthost: { host: 127.0.0.1, port: ${smarthost.port}, from: postmaster@${DOMAIN} }
routes:
  - { name: sim, transport: sim }
`,
  );
  await provision();
  gateway = runCli(['start', '--config', config]);
  const started = await gateway.waitFor((l) => l.event === 'gateway.started', 15_000, 'gateway.started');
  port = Number(String((started['smtp'] as string[])[0]).split(':').at(-1));
}, 90_000); // unbound, a certificate and a dozen CLI calls: 30 s was reached on a loaded machine

afterAll(async () => {
  await gateway?.stop('SIGTERM');
  await Promise.allSettled([unbound?.stop(), smarthost?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A raw session greeted, EHLO sent; `from` given: MAIL FROM sent too and its reply returned. */
async function open(from?: string): Promise<{ client: RawSmtpClient; ehlo: RawReply; mailReply: RawReply | undefined }> {
  const { client, greeting } = await RawSmtpClient.open(port);
  expect(greeting.code).toBe(220);
  const ehlo = await client.command('EHLO client.example.com');
  const mailReply = from === undefined ? undefined : await client.command(`MAIL FROM:<${from}>`);
  return { client, ehlo, mailReply };
}

/** MAIL FROM, RCPT TO each (all must pass), then DATA; the reply to the message. */
async function transaction(client: RawSmtpClient, from: string, rcpts: readonly string[], message: Buffer): Promise<RawReply> {
  expect((await client.command(`MAIL FROM:<${from}>`)).text).toMatch(/^250 /);
  for (const rcpt of rcpts) expect((await client.command(`RCPT TO:<${rcpt}>`)).text).toMatch(/^250 /);
  return client.data(message.toString('utf8'));
}

/** One mail in its own session. */
async function send(from: string, rcpts: readonly string[], message: Buffer): Promise<RawReply> {
  const { client } = await open();
  try {
    return await transaction(client, from, rcpts, message);
  } finally {
    await client.quit();
  }
}

/** A mail from `from`, signed by example.com's published key (so DKIM, SPF and DMARC pass for example.com). */
function signed(from: string, body: string, options: { subject?: string; headerFrom?: string } = {}): Promise<Buffer> {
  return sign(mail({ from: options.headerFrom ?? from, to: `SMS <${DOMAIN}>`, subject: options.subject ?? 'Pump 3', body }), { domain: 'example.com', selector: 'sel1', key: KEY });
}

/** The daemon's log line carrying every given field, and a `reason` matching `reason` if given (already written or within 5 s). */
function logged(fields: Readonly<Record<string, unknown>>, reason?: RegExp): Promise<LogLine> {
  const test = (l: LogLine): boolean => Object.entries(fields).every(([k, v]) => l[k] === v) && (reason === undefined || reason.test(String(l['reason'])));
  return gateway.waitFor(test, 5_000, `log line ${JSON.stringify(fields)}${reason ? ` with reason ${String(reason)}` : ''}`);
}

/** Connects from `localAddress` (any 127.x is loopback on Linux) and returns the first reply line. */
async function firstLineFrom(localAddress: string): Promise<string> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => (text += chunk));
  await once(socket, 'close');
  return text.split('\r\n')[0] ?? '';
}

describe('who may send through the built daemon', () => {
  it('accepts a DKIM-signed mail from a user whose mail passes DKIM, SPF and DMARC, over STARTTLS, and queues it', async () => {
    const transport = createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } });
    try {
      const info = (await transport.sendMail({
        envelope: { from: 'ops@example.com', to: [at(N.good)] },
        raw: await signed('ops@example.com', 'Pressure 1.2 bar at 10:00.'),
      })) as { response: string };
      expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]+$/);
    } finally {
      transport.close();
    }
    expect(await logged({ event: 'mail.queued', user: 'ops@example.com', account: 'ops' })).toMatchObject({ to: [N.good] });
  });

  it('refuses a client outside every account\'s allowed addresses at connect with 554 5.7.1', async () => {
    expect(await firstLineFrom('127.0.0.2')).toBe('554 5.7.1 Client host 127.0.0.2 is not allowed to send through this gateway');
    expect(await logged({ event: 'smtp.rejected', stage: 'connect', errorCode: 'M2S_POLICY_CLIENT_NOT_ALLOWED' })).toMatchObject({ code: 554, enhanced: '5.7.1' });
  });

  it('refuses a user whose account does not allow the client address at MAIL FROM with 550 5.7.1', async () => {
    const { client, mailReply } = await open('plant@example.com');
    await client.quit();
    expect(mailReply?.text).toBe('550 5.7.1 Client host 127.0.0.1 is not allowed to send for account plant');
    expect(await logged({ event: 'smtp.rejected', stage: 'mail', from: 'plant@example.com' })).toMatchObject({
      errorCode: 'M2S_POLICY_CLIENT_NOT_ALLOWED_FOR_ACCOUNT',
      code: 550,
      enhanced: '5.7.1',
    });
  });

  it('refuses an unknown sender and the null sender at MAIL FROM with 550 5.7.1', async () => {
    const { client, mailReply } = await open('stranger@example.com');
    const nullReply = await client.command('MAIL FROM:<>');
    await client.quit();
    expect(mailReply?.text).toBe('550 5.7.1 Sender <stranger@example.com> is not a user of this gateway');
    expect(nullReply.text).toMatch(/^550 5\.7\.1 The null sender <> cannot send SMS/);
    expect(await logged({ event: 'smtp.rejected', stage: 'mail', from: 'stranger@example.com' })).toMatchObject({ errorCode: 'M2S_POLICY_UNKNOWN_SENDER', code: 550 });
    expect(await logged({ event: 'smtp.rejected', stage: 'mail', from: '' })).toMatchObject({ errorCode: 'M2S_POLICY_UNKNOWN_SENDER', code: 550 });
  });

  it('refuses AUTH without TLS with 538 5.7.11, and the user with a password who then sends unauthenticated with 530 5.7.0', async () => {
    const { client } = await open();
    const credentials = Buffer.from(`\0secure@example.com\0${PASSWORD}`).toString('base64');
    const auth = await client.command(`AUTH PLAIN ${credentials}`);
    const mailReply = await client.command('MAIL FROM:<secure@example.com>');
    await client.quit();
    expect(auth.text).toBe('538 5.7.11 Encryption required for requested authentication mechanism');
    expect(mailReply.text).toBe('530 5.7.0 Authentication required');
    expect(await logged({ event: 'smtp.auth.refused', errorCode: 'M2S_SMTP_AUTH_TLS_REQUIRED' })).toMatchObject({ code: 538, enhanced: '5.7.11' });
    expect(await logged({ event: 'smtp.rejected', stage: 'mail', from: 'secure@example.com' })).toMatchObject({ errorCode: 'M2S_POLICY_AUTH_REQUIRED', code: 530, enhanced: '5.7.0' });
  });

  it('refuses a wrong password over TLS with 535 5.7.8, and takes the user\'s mail after the right one', async () => {
    const { client } = await open();
    expect((await client.startTls()).code).toBe(220);
    const ehlo = await client.command('EHLO client.example.com');
    const wrong = await client.command(`AUTH PLAIN ${Buffer.from('\0secure@example.com\0guess').toString('base64')}`);
    const right = await client.command(`AUTH PLAIN ${Buffer.from(`\0secure@example.com\0${PASSWORD}`).toString('base64')}`);
    const reply = await transaction(client, 'secure@example.com', [at(N.secure)], await signed('secure@example.com', 'Valve 2 open.'));
    await client.quit();
    expect(ehlo.lines).toContain('250-AUTH PLAIN LOGIN');
    expect(wrong.text).toBe('535 5.7.8 Authentication credentials invalid');
    expect(right.code).toBe(235);
    expect(reply.text).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]+$/);
    expect(await logged({ event: 'smtp.auth.failed', user: 'secure@example.com' })).toMatchObject({ method: 'PLAIN' });
    expect(await logged({ event: 'mail.queued', user: 'secure@example.com' })).toMatchObject({ to: [N.secure] });
  });

  it('refuses a malformed number with 553 5.1.3 and a domain the gateway does not serve with 550 5.1.2, at RCPT', async () => {
    const { client } = await open('ops@example.com');
    const bad = await client.command(`RCPT TO:<12ab34@${DOMAIN}>`);
    const foreign = await client.command(`RCPT TO:<${N.unknown}@elsewhere.example>`);
    await client.quit();
    expect(bad.text).toMatch(/^553 5\.1\.3 Recipient refused: "12ab34" is not a valid destination number; expected a mobile number in international form/);
    expect(foreign.text).toBe('550 5.1.2 Recipient refused: domain elsewhere.example is not served by this gateway (no relaying)');
    expect(await logged({ event: 'smtp.rcpt.rejected', rcpt: `12ab34@${DOMAIN}` })).toMatchObject({ from: 'ops@example.com', errorCode: 'M2S_POLICY_BAD_NUMBER', code: 553, enhanced: '5.1.3' });
    expect(await logged({ event: 'smtp.rcpt.rejected', rcpt: `${N.unknown}@elsewhere.example` })).toMatchObject({ from: 'ops@example.com', errorCode: 'M2S_POLICY_UNKNOWN_DOMAIN', code: 550, enhanced: '5.1.2' });
  });

  it('refuses a number outside the account\'s closed user group with 550 5.7.1 at RCPT', async () => {
    const { client } = await open('field@example.com');
    const reply = await client.command(`RCPT TO:<${at(N.cugOut)}>`);
    await client.quit();
    expect(reply.text).toBe(`550 5.7.1 Recipient refused: ${N.cugOut} is outside this account's closed user group`);
    expect(await logged({ event: 'smtp.rcpt.rejected', rcpt: at(N.cugOut) })).toMatchObject({ from: 'field@example.com', errorCode: 'M2S_POLICY_CUG', code: 550, enhanced: '5.7.1' });
  });

  it('refuses a header From that is not the envelope sender (a spoofed From) with 550 5.7.1 after DATA', async () => {
    const message = await signed('ops@example.com', 'Transfer approved.', { headerFrom: 'ceo@example.com' });
    const reply = await send('ops@example.com', [at(N.spoofed)], message);
    expect(reply.text).toBe('550 5.7.1 Message refused: header From <ceo@example.com> does not match the envelope sender <ops@example.com>');
    expect(await logged({ event: 'smtp.rejected', stage: 'data', errorCode: 'M2S_POLICY_FROM_MISMATCH' })).toMatchObject({ from: 'ops@example.com', code: 550, enhanced: '5.7.1' });
  });

  it('refuses a DKIM signature made with a key the domain never published with 550 5.7.1 naming DKIM', async () => {
    const message = await sign(mail({ from: 'ops@example.com', to: DOMAIN, body: 'Forged alarm.' }), { domain: 'example.com', selector: 'sel1', key: FORGER });
    const reply = await send('ops@example.com', [at(N.forged)], message);
    expect(reply.text).toMatch(/^550 5\.7\.1 Message refused for ops@example\.com: DKIM FAIL is below the minimum PASS \(.*did not verify/);
    expect(reply.text).not.toMatch(/SPF|DMARC/);
    expect(await logged({ event: 'smtp.rejected', stage: 'data', errorCode: 'M2S_VERDICT_FAILED', from: 'ops@example.com' }, /DKIM FAIL .*did not verify/)).toMatchObject({ code: 550, enhanced: '5.7.1' });
  });

  it('refuses a replayed signature over an altered body with 550 5.7.1 naming the body hash', async () => {
    const original = (await signed('ops@example.com', 'Pressure 1.2 bar at 10:00.')).toString('utf8');
    const replayed = Buffer.from(original.replace('Pressure 1.2 bar', 'Pressure 9.9 bar'));
    expect(replayed.toString('utf8')).not.toBe(original);
    const reply = await send('ops@example.com', [at(N.replayed)], replayed);
    expect(reply.text).toMatch(/^550 5\.7\.1 Message refused for ops@example\.com: DKIM FAIL is below the minimum PASS \(.*body hash/i);
    expect(await logged({ event: 'smtp.rejected', stage: 'data', errorCode: 'M2S_VERDICT_FAILED', from: 'ops@example.com' }, /body hash/i)).toMatchObject({ code: 550, enhanced: '5.7.1' });
  });

  it('refuses a mail failing DKIM, SPF and DMARC at once with 550 5.7.26 naming all three', async () => {
    const message = await sign(mail({ from: 'net@example.net', to: DOMAIN, body: 'Not from here.' }), { domain: 'example.net', selector: 'sel1', key: FORGER });
    const reply = await send('net@example.net', [at(N.triple)], message);
    expect(reply.text).toMatch(/^550 5\.7\.26 Message refused for net@example\.net: DKIM FAIL is below the minimum PASS .*; SPF FAIL is below the minimum PASS .*; DMARC FAIL is below the minimum PASS/);
    // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF.
    expect(Buffer.byteLength(`${reply.text}\r\n`)).toBeLessThanOrEqual(512);
    const line = await logged({ event: 'smtp.rejected', stage: 'data', from: 'net@example.net' });
    expect(line).toMatchObject({ errorCode: 'M2S_VERDICT_FAILED', code: 550, enhanced: '5.7.26' });
    expect(String(line['reason'])).toMatch(/DKIM FAIL .*SPF FAIL .*DMARC FAIL/);
  });

  it('refuses a 10 MB mail with 552 5.3.4 naming the size limit', async () => {
    const line = 'x'.repeat(76);
    const body = Array.from({ length: Math.ceil((10 * 1024 * 1024) / 78) }, () => line).join('\r\n');
    const reply = await send('ops@example.com', [at(N.big)], mail({ from: 'ops@example.com', to: DOMAIN, body }));
    expect(reply.text).toBe('552 5.3.4 Message refused: larger than the 1048576 bytes this gateway takes');
    expect(await logged({ event: 'smtp.rejected', stage: 'data', errorCode: 'M2S_MAIL_TOO_BIG' })).toMatchObject({ from: 'ops@example.com', code: 552, enhanced: '5.3.4' });
  });


  it('refuses a 10 MB mail declared with SIZE= (RFC 1870) at MAIL FROM with 552 5.3.4 and logs the sender', async () => {
    const { client, ehlo } = await open();
    const reply = await client.command(`MAIL FROM:<ops@example.com> SIZE=${10 * 1024 * 1024}`);
    await client.quit();
    expect(ehlo.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^250[- ]SIZE 1048576$/)]));
    expect(reply.text).toBe('552 5.3.4 Message refused: larger than the 1048576 bytes this gateway takes');
    expect(await logged({ event: 'smtp.rejected', stage: 'mail', from: 'ops@example.com' })).toMatchObject({ errorCode: 'M2S_MAIL_TOO_BIG', code: 552, enhanced: '5.3.4' });
  });

  it('refuses a user over quota with 452 4.2.2: after DATA when the mail does not fit, at RCPT once nothing is left', async () => {
    const { client } = await open();
    const first = await transaction(client, 'quota@example.com', [at(N.quotaFirst)], await signed('quota@example.com', 'Tank 1 low.'));
    const tooBig = await transaction(client, 'quota@example.com', [at(N.quotaTooBigA), at(N.quotaTooBigB)], await signed('quota@example.com', 'Tank 2 low.'));
    const last = await transaction(client, 'quota@example.com', [at(N.quotaLast)], await signed('quota@example.com', 'Tank 3 low.'));
    expect((await client.command('MAIL FROM:<quota@example.com>')).code).toBe(250);
    const exhausted = await client.command(`RCPT TO:<${at(N.quotaExhausted)}>`);
    await client.quit();
    expect(first.text).toMatch(/^250 2\.0\.0 Ok: queued as/);
    expect(tooBig.text).toBe('452 4.2.2 Quota exceeded: this mail needs 2 SMS segments and quota@example.com has 1 of 2 left in the last 24 hours');
    expect(last.text).toMatch(/^250 2\.0\.0 Ok: queued as/);
    expect(exhausted.text).toBe('452 4.2.2 Quota exhausted: quota@example.com has used 2 of 2 SMS segments in the last 24 hours');
    expect(await logged({ event: 'smtp.rejected', stage: 'data', from: 'quota@example.com' })).toMatchObject({ errorCode: 'M2S_POLICY_QUOTA', code: 452, enhanced: '4.2.2' });
    expect(await logged({ event: 'smtp.rcpt.rejected', rcpt: at(N.quotaExhausted) })).toMatchObject({ from: 'quota@example.com', errorCode: 'M2S_POLICY_QUOTA', code: 452, enhanced: '4.2.2' });
  });

  it('refuses the third mail of a flood from one sender with 451 4.7.1 at RCPT (burst 2)', async () => {
    const { client } = await open();
    const first = await transaction(client, 'flood@example.com', [at(N.flood1)], await signed('flood@example.com', 'Alarm 1.'));
    const second = await transaction(client, 'flood@example.com', [at(N.flood2)], await signed('flood@example.com', 'Alarm 2.'));
    expect((await client.command('MAIL FROM:<flood@example.com>')).code).toBe(250);
    const third = await client.command(`RCPT TO:<${at(N.flood3)}>`);
    await client.quit();
    expect(first.text).toMatch(/^250 2\.0\.0 Ok: queued as/);
    expect(second.text).toMatch(/^250 2\.0\.0 Ok: queued as/);
    expect(third.text).toBe('451 4.7.1 Rate limit: flood@example.com may send 0.1 SMS per second (burst 2), try again later');
    expect(await logged({ event: 'smtp.rcpt.rejected', rcpt: at(N.flood3) })).toMatchObject({ from: 'flood@example.com', errorCode: 'M2S_POLICY_RATE', code: 451, enhanced: '4.7.1' });
  });

  it('answers a mail to verdict@ with 250, mails the three judgments, the decision and the SMS preview back, and queues nothing', async () => {
    const reply = await send('ops@example.com', [`verdict@${DOMAIN}`], await signed('ops@example.com', 'Pressure 1.2 bar at 10:00.', { subject: 'Verdict test' }));
    expect(reply.text).toBe('250 2.0.0 Ok: verdict sent to ops@example.com');
    const answer = await smarthost.waitForMail((m) => m.rcptTo.includes('ops@example.com') && /Verdict test/.test(m.parsed.subject ?? ''));
    const text = answer.parsed.text ?? '';
    expect(answer.mailFrom).toBe(`postmaster@${DOMAIN}`);
    expect(text).toMatch(/^ {2}DKIM +PASS +minimum PASS +ok/m);
    expect(text).toMatch(/^ {2}SPF +PASS +minimum PASS +ok/m);
    expect(text).toMatch(/^ {2}DMARC +PASS +minimum PASS +ok/m);
    expect(text).toContain('Decision: SMS WOULD BE SENT');
    expect(text).toContain('SMS preview (GSM 7-bit, 1 segment):');
    expect(text).toContain('  | (Verdict test) Pressure 1.2 bar at 10:00.');
    expect(await logged({ event: 'verdict.replied', user: 'ops@example.com' })).toMatchObject({ send: true });
  });

  it('says in the verdict@ reply what condensing left out of the SMS and why (issue 11 item 3)', async () => {
    const body = 'Pressure 1.2 bar at 10:00 on pump3.example.com.\r\n\r\nhttps://scada.example.com/plant/pump3?view=trend&range=24h\r\n';
    const reply = await send('ops@example.com', [`verdict@${DOMAIN}`], await signed('ops@example.com', body, { subject: 'Condensed verdict test' }));
    expect(reply.text).toBe('250 2.0.0 Ok: verdict sent to ops@example.com');
    const answer = await smarthost.waitForMail((m) => /Condensed verdict test/.test(m.parsed.subject ?? ''));
    const text = answer.parsed.text ?? '';
    expect(text).toContain('  | (Condensed verdict test) Pressure 1.2 bar at 10:00 on pump3.example.com.');
    expect(text).not.toMatch(/\| .*scada\.example\.com/);
    expect(text).toContain('How the mail became this SMS:');
    expect(text).toMatch(/^ {2}condensed: .*piece\(s\) left out; 1 segment\(s\) before, 1 after$/m);
    expect(text).toMatch(/^ {4}- [a-z:-]+: https:\/\/scada\.example\.com\/plant\/pump3\?view=trend&range=24h$/m);
  });

  it('answers a forged mail to verdict@ with a reply saying no SMS would be sent and why', async () => {
    const forged = await sign(mail({ from: 'ops@example.com', to: DOMAIN, subject: 'Forged verdict test', body: 'Forged.' }), { domain: 'example.com', selector: 'sel1', key: FORGER });
    const reply = await send('ops@example.com', [`verdict@${DOMAIN}`], forged);
    expect(reply.text).toBe('250 2.0.0 Ok: verdict sent to ops@example.com');
    const answer = await smarthost.waitForMail((m) => /Forged verdict test/.test(m.parsed.subject ?? ''));
    const text = answer.parsed.text ?? '';
    expect(text).toContain('Decision: SMS WOULD NOT BE SENT');
    expect(text).toMatch(/^ {2}DKIM +FAIL +minimum PASS +TOO LOW/m);
    expect(text).toContain('DKIM FAIL is below your minimum PASS');
    expect(await logged({ event: 'verdict.replied', user: 'ops@example.com', send: false })).toBeDefined();
  });

  it('refuses verdict@ in the same mail as a number with 550 5.5.3', async () => {
    const { client } = await open('ops@example.com');
    const number = await client.command(`RCPT TO:<${at(N.mixed)}>`);
    const verdict = await client.command(`RCPT TO:<verdict@${DOMAIN}>`);
    await client.quit();
    expect(number.code).toBe(250);
    expect(verdict.text).toBe('550 5.5.3 verdict@ must be the only recipient of a mail: a verdict test sends no SMS');
    expect(await logged({ event: 'smtp.rcpt.rejected', rcpt: `verdict@${DOMAIN}` })).toMatchObject({ from: 'ops@example.com', errorCode: 'M2S_VERDICT_NOT_ALONE', code: 550, enhanced: '5.5.3' });
  });

  it('queued only the good mails: no bad input became an SMS', async () => {
    const queued = JSON.parse(await cli(['queue', 'list', '--json'])) as Array<{ id: string; state: string; to: string; from: string; segments: number }>;
    const pairs = queued.map((m) => `${m.from} -> ${m.to}`).sort();
    expect(pairs).toEqual(
      [
        `ops@example.com -> ${N.good}`,
        `secure@example.com -> ${N.secure}`,
        `quota@example.com -> ${N.quotaFirst}`,
        `quota@example.com -> ${N.quotaLast}`,
        `flood@example.com -> ${N.flood1}`,
        `flood@example.com -> ${N.flood2}`,
      ].sort(),
    );
    expect(queued.every((m) => m.segments === 1)).toBe(true);
    expect(gateway.unexpectedErrors()).toEqual([]);
  });
});
