/*
 * The SMTP listener on 127.0.0.1:0, driven by nodemailer's SMTP client and by a raw socket for
 * exact reply lines. The hooks below stand for the accept path: they use the real policy stage
 * and record what they were given.
 */
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { SmtpError } from '../../../src/errors.js';
import { checkRecipient } from '../../../src/policy/index.js';
import { replies, type Envelope, type SmtpHooks } from '../../../src/smtp/index.js';
import { hasOpenssl, selfSignedCertificate } from '../../helpers/tls.js';
import { useSmtpListener, type LogLine } from './listen.js';
import { RawSmtpClient } from './raw-client.js';


interface Harness {
  readonly port: number;
  readonly accepted: Array<{ envelope: Envelope; raw: Buffer }>;
  readonly logs: LogLine[];
  acceptWith: (envelope: Envelope, raw: Buffer) => Promise<{ qids: string[] }>;
  /** Replaces the recipient check when set. */
  rcptWith?: (address: string) => Promise<{ number: string }>;
}

const listen = useSmtpListener();

interface StartOptions {
  maxMessageSize?: number;
  maxRecipients?: number;
  earlyTalkerDelayMs?: number;
  tls?: { key: Buffer; cert: Buffer };
}

async function start(overrides: StartOptions = {}): Promise<Harness> {
  let counter = 0;
  const harness: Harness = {
    port: 0,
    accepted: [],
    logs: [],
    acceptWith: async (envelope) => ({ qids: envelope.rcptTo.map(() => `Q${++counter}`) }),
  };
  const hooks: SmtpHooks = {
    checkRecipient(address) {
      if (harness.rcptWith) return harness.rcptWith(address);
      const plan = address.toLowerCase().endsWith('@jp.example.lan') ? 'jp-mobile' : 'e164';
      const result = checkRecipient(address, { domains: ['sms.example.lan', 'jp.example.lan'], plan });
      if (!result.ok) return Promise.reject(replies.fromReply(result.reply));
      return Promise.resolve({ number: result.number });
    },
    async acceptMessage(envelope, raw) {
      const result = await harness.acceptWith(envelope, raw);
      harness.accepted.push({ envelope, raw });
      return result;
    },
  };
  const { port, logs } = await listen(hooks, {
    ...(overrides.maxMessageSize === undefined ? {} : { maxMessageSize: overrides.maxMessageSize }),
    ...(overrides.maxRecipients === undefined ? {} : { maxRecipients: overrides.maxRecipients }),
    earlyTalkerDelayMs: overrides.earlyTalkerDelayMs ?? 0,
    ...(overrides.tls ? { tls: overrides.tls } : {}),
  });
  return Object.assign(harness, { port, logs });
}

function transport(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
}

const events = (logs: readonly LogLine[], name: string) => logs.filter((l) => l.event === name);

/** Waits until `test` holds, checking every 10 ms; gives up after 5 s. */
async function waitFor(test: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !test(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('SMTP intake through nodemailer', () => {
  it('accepts one mail to several numbers and answers 250 with the queue ids the hook returned', async () => {
    const h = await start();
    const info = await transport(h.port).sendMail({
      from: 'alerts@site.example',
      to: ['447973100000@sms.example.lan', '+818012345678@SMS.example.lan'],
      subject: 'This is my message in the subject',
      text: 'This is my message',
    });
    expect(info.response).toBe('250 2.0.0 Ok: queued as Q1 Q2');
    expect(h.accepted).toHaveLength(1);
    const { envelope, raw } = h.accepted[0]!;
    expect(envelope.mailFrom).toBe('alerts@site.example');
    expect(envelope.rcptTo.map((r) => r.number)).toEqual(['+447973100000', '+818012345678']);
    expect(envelope.clientAddress).toBe('127.0.0.1');
    expect(envelope.sid).toMatch(/\S/);
    expect(raw.toString('utf8')).toContain('Subject: This is my message in the subject');
  });

  it('hands a hook refusal at DATA to the client with its own code', async () => {
    const h = await start();
    h.acceptWith = async () => {
      throw replies.queueUnavailable();
    };
    const error = await transport(h.port)
      .sendMail({ from: 'a@site.example', to: '447973100000@sms.example.lan', subject: 's', text: 'b' })
      .then(() => undefined, (err: unknown) => err as { responseCode?: number; response?: string });
    expect(error?.responseCode).toBe(451);
    expect(error?.response).toBe('451 4.3.0 Message not accepted: the queue is unavailable, try again later');
  });
});

describe('SMTP intake reply lines', () => {
  it('advertises SIZE with the limit and DSN, and neither AUTH nor STARTTLS without a certificate', async () => {
    const h = await start({ maxMessageSize: 12345 });
    const { client, greeting } = await RawSmtpClient.open(h.port);
    expect(greeting.text).toMatch(/^220 gw\.example\.lan ESMTP/);
    const ehlo = await client.command('EHLO client.example');
    expect(ehlo.lines.some((l) => /^250[- ]SIZE 12345$/.test(l))).toBe(true);
    expect(ehlo.lines.some((l) => l.endsWith('DSN'))).toBe(true);
    expect(ehlo.lines.some((l) => /AUTH|STARTTLS/.test(l))).toBe(false);
    await client.quit();
  });

  it('refuses a domain that is not the gateway’s with 550 5.1.2 and accepts the good recipients beside it', async () => {
    const h = await start();
    const { client } = await RawSmtpClient.open(h.port);
    const [good, foreign] = await client.envelope('a@site.example', ['447973100000@sms.example.lan', '447973100000@example.com']);
    expect(good?.text).toBe('250 Accepted');
    expect(foreign?.text).toBe('550 5.1.2 Recipient refused: domain example.com is not served by this gateway (no relaying)');
    expect((await client.data('Subject: x\r\n\r\nbody')).code).toBe(250);
    expect(h.accepted[0]?.envelope.rcptTo.map((r) => r.address)).toEqual(['447973100000@sms.example.lan']);
    await client.quit();
  });

  it('refuses a mailbox that is not a number with 553 5.1.3 naming the expected shape', async () => {
    const h = await start();
    const { client } = await RawSmtpClient.open(h.port);
    const [reply] = await client.envelope('a@site.example', ['alerts@sms.example.lan']);
    expect(reply?.text).toBe(
      '553 5.1.3 Recipient refused: "alerts" is not a valid destination number; expected a mobile number in ' +
        "international form: country code and number, 8 to 15 digits, optionally after a '+', no spaces or dashes " +
        '(e.g. +447973100000 or 447973100000)',
    );
    await client.quit();
  });

  it('refuses a jp-mobile number of 12 characters with the 13-character shape', async () => {
    const h = await start();
    const { client } = await RawSmtpClient.open(h.port);
    const [reply] = await client.envelope('a@site.example', ['+81801234567@jp.example.lan']);
    expect(reply?.text).toMatch(/^553 5\.1\.3 .*13 characters in all/);
    await client.quit();
  });

  it('refuses a full-width plus with 553 5.1.3 telling to use a half-width plus', async () => {
    const h = await start();
    const { client } = await RawSmtpClient.open(h.port);
    await client.command('EHLO client.example');
    await client.command('MAIL FROM:<a@site.example> SMTPUTF8');
    const reply = await client.command('RCPT TO:<\uFF0B818012345678@jp.example.lan>');
    expect(reply.text).toBe(
      "553 5.1.3 Recipient refused: the number starts with a full-width plus sign; use a half-width '+' (e.g. +818012345678)",
    );
    await client.quit();
  });

  it('refuses a message over the size limit with 552 5.3.4 and never calls the accept hook', async () => {
    const h = await start({ maxMessageSize: 2000 });
    const { client } = await RawSmtpClient.open(h.port);
    await client.envelope('a@site.example', ['447973100000@sms.example.lan']);
    const reply = await client.data(`Subject: big\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(60));
    expect(reply.text).toBe('552 5.3.4 Message refused: larger than the 2000 bytes this gateway takes');
    expect(h.accepted).toHaveLength(0);
    // the session goes on: the next transaction is accepted
    await client.command('MAIL FROM:<a@site.example>');
    await client.command('RCPT TO:<447973100000@sms.example.lan>');
    expect((await client.data('Subject: small\r\n\r\nok')).code).toBe(250);
    await client.quit();
  });

  it('refuses a MAIL FROM that declares a SIZE over the limit with 552', async () => {
    const h = await start({ maxMessageSize: 2000 });
    const { client } = await RawSmtpClient.open(h.port);
    await client.command('EHLO client.example');
    expect((await client.command('MAIL FROM:<a@site.example> SIZE=5000')).code).toBe(552);
    await client.quit();
  });

  it('refuses recipients past the limit with 452 4.5.3', async () => {
    const h = await start({ maxRecipients: 2 });
    const { client } = await RawSmtpClient.open(h.port);
    const rcpts = ['447973100000@sms.example.lan', '447973100001@sms.example.lan', '447973100002@sms.example.lan'];
    const codes = await client.envelope('a@site.example', rcpts);
    expect(codes.map((r) => r.code)).toEqual([250, 250, 452]);
    expect(codes[2]?.text).toBe('452 4.5.3 Too many recipients: at most 2 per message, send the rest in another message');
    await client.quit();
  });

  it('passes the null sender as an empty string and NOTIFY values per recipient (RFC 3461)', async () => {
    const h = await start();
    const { client } = await RawSmtpClient.open(h.port);
    await client.command('EHLO client.example');
    await client.command('MAIL FROM:<> RET=HDRS ENVID=abc123');
    await client.command('RCPT TO:<447973100000@sms.example.lan> NOTIFY=SUCCESS,FAILURE');
    await client.command('RCPT TO:<447973100001@sms.example.lan>');
    expect((await client.data('Subject: dsn\r\n\r\nbody')).text).toBe('250 2.0.0 Ok: queued as Q1 Q2');
    const envelope = h.accepted[0]?.envelope;
    expect(envelope?.mailFrom).toBe('');
    expect(envelope?.ret).toBe('HDRS');
    expect(envelope?.envid).toBe('abc123');
    expect(envelope?.rcptTo[0]?.notify).toEqual(['SUCCESS', 'FAILURE']);
    expect(envelope?.rcptTo[1]?.notify).toBeUndefined();
    await client.quit();
  });

  it('answers a hook that fails with a plain Error 451 4.3.0, logs it once, and keeps serving', async () => {
    const h = await start();
    h.acceptWith = async () => {
      throw new TypeError('a bug in the accept path');
    };
    const { client } = await RawSmtpClient.open(h.port);
    await client.envelope('a@site.example', ['447973100000@sms.example.lan']);
    expect((await client.data('Subject: x\r\n\r\ny')).text).toBe('451 4.3.0 Temporary local problem, try again later');
    expect(events(h.logs, 'smtp.hook.failed')).toHaveLength(1);
    h.acceptWith = async () => ({ qids: ['Q9'] });
    await client.command('MAIL FROM:<a@site.example>');
    await client.command('RCPT TO:<447973100000@sms.example.lan>');
    expect((await client.data('Subject: x\r\n\r\ny')).text).toBe('250 2.0.0 Ok: queued as Q9');
    await client.quit();
  });

  it('answers a hook that throws synchronously at RCPT 451 4.3.0 and keeps the session', async () => {
    const h = await start();
    h.rcptWith = () => {
      throw new RangeError('not even a promise');
    };
    const { client } = await RawSmtpClient.open(h.port);
    const [reply] = await client.envelope('a@site.example', ['447973100000@sms.example.lan']);
    expect(reply?.text).toBe('451 4.3.0 Temporary local problem, try again later');
    expect(events(h.logs, 'smtp.hook.failed')).toHaveLength(1);
    delete h.rcptWith;
    expect((await client.command('RCPT TO:<447973100000@sms.example.lan>')).code).toBe(250);
    await client.quit();
  });

  it('survives a client that drops the connection in the middle of DATA', async () => {
    const h = await start();
    const first = (await RawSmtpClient.open(h.port)).client;
    await first.envelope('a@site.example', ['447973100000@sms.example.lan']);
    await first.command('DATA');
    first.write('Subject: cut\r\n\r\nhalf a mess');
    first.destroy();
    await first.closed;
    const { client, greeting } = await RawSmtpClient.open(h.port);
    expect(greeting.code).toBe(220);
    await client.quit();
    expect(h.accepted).toHaveLength(0);
  });
});

describe('SMTP intake with a certificate', () => {
  // Skipped only where the openssl command is missing: it makes the test certificate.
  it.skipIf(!hasOpenssl)('offers STARTTLS and takes a mail over it', async () => {
    const h = await start({ tls: selfSignedCertificate() });
    const { client } = await RawSmtpClient.open(h.port);
    const ehlo = await client.command('EHLO client.example');
    expect(ehlo.lines.some((l) => /^250[- ]STARTTLS$/.test(l))).toBe(true);
    await client.quit();
    const info = await nodemailer
      .createTransport({ host: '127.0.0.1', port: h.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } })
      .sendMail({ from: 'a@site.example', to: '447973100000@sms.example.lan', subject: 'over TLS', text: 'b' });
    expect(info.response).toBe('250 2.0.0 Ok: queued as Q1');
  });
});

describe('SMTP intake logging', () => {
  it('logs connect, each refusal once with its code, the accepted qids, and close; wire lines only at debug', async () => {
    const h = await start();
    const { client } = await RawSmtpClient.open(h.port);
    await client.envelope('a@site.example', ['447973100000@sms.example.lan', 'alerts@sms.example.lan']);
    await client.data('Subject: x\r\n\r\ny');
    await client.quit();
    await waitFor(() => events(h.logs, 'smtp.close').length > 0);
    expect(events(h.logs, 'smtp.connect')).toHaveLength(1);
    const rejected = events(h.logs, 'smtp.rcpt.rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ code: 553, enhanced: '5.1.3', errorCode: 'M2S_POLICY_BAD_NUMBER', rcpt: 'alerts@sms.example.lan' });
    expect(events(h.logs, 'smtp.accepted')[0]).toMatchObject({ qids: ['Q1'] });
    expect(events(h.logs, 'smtp.close')).toHaveLength(1);
    const sid = events(h.logs, 'smtp.connect')[0]?.['sid'];
    expect(events(h.logs, 'smtp.close')[0]?.['sid']).toBe(sid);
    const wire = events(h.logs, 'smtp.wire');
    expect(wire.some((l) => String(l['msg']).includes('RCPT TO:<alerts@sms.example.lan>'))).toBe(true);
    expect(wire.every((l) => l.level === 'debug')).toBe(true);
  });

  it('logs a refusal at DATA once as smtp.rejected with its code', async () => {
    const h = await start({ maxMessageSize: 500 });
    const { client } = await RawSmtpClient.open(h.port);
    await client.envelope('a@site.example', ['447973100000@sms.example.lan']);
    await client.data(`Subject: big\r\n\r\n${'y'.repeat(1000)}`);
    await client.quit();
    const rejected = events(h.logs, 'smtp.rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ stage: 'data', code: 552, enhanced: '5.3.4', errorCode: 'M2S_MAIL_TOO_BIG' });
  });
});

describe('SMTP greeting delay (earlyTalkerDelayMs)', () => {
  it('answers a client that talks before a long greeting delay with 421 You talk too soon', async () => {
    const h = await start({ earlyTalkerDelayMs: 5000 });
    const client = await RawSmtpClient.connect(h.port);
    client.write('EHLO early.example\r\n');
    const reply = await client.reply();
    expect(reply.text).toBe('421 gw.example.lan You talk too soon');
    await client.closed;
  });

  it('greets and serves with smtp-server’s own delay when the option is left out', async () => {
    const h = await start({ earlyTalkerDelayMs: 100 });
    const { client, greeting } = await RawSmtpClient.open(h.port);
    expect(greeting.code).toBe(220);
    expect((await client.command('EHLO client.example')).code).toBe(250);
    await client.quit();
  });

  it('refuses with SmtpError instances whose codes match the registry', () => {
    const err = replies.tooManySegments(12, 10);
    expect(err).toBeInstanceOf(SmtpError);
    expect(err.message).toBe('5.3.4 Message refused: the text needs 12 SMS segments, this account allows at most 10');
  });
});
