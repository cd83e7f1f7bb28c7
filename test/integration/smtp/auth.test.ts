/*
 * SMTP AUTH on 127.0.0.1:0 (SPEC 4: "SMTP AUTH (PLAIN/LOGIN) offered only after STARTTLS and
 * required where the user has a password"), driven by nodemailer's client and by a raw socket
 * upgraded with node:tls. The hooks are small functions of this test: the hook interface is the
 * contract. The per-user requirement uses the real policy gate (checkAuthentication).
 */
import nodemailer from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAuthentication } from '../../../src/policy/index.js';
import { replies, type SmtpHooks, type SmtpSession } from '../../../src/smtp/index.js';
import { hasOpenssl, selfSignedCertificate, type TestCertificate } from '../../helpers/tls.js';
import { useSmtpListener, type LogLine } from './listen.js';
import { RawSmtpClient } from './raw-client.js';


const PASSWORD = 'Correct-Horse-7';
/** The users of this test: address -> password ('' = the user has no password). */
const USERS = new Map([
  ['alerts@site.example', PASSWORD],
  ['plc@site.example', ''],
]);

interface Harness {
  readonly port: number;
  readonly logs: LogLine[];
  /** Each authenticate call: username as given, and whether the session was secure. */
  readonly authCalls: Array<{ username: string; secure: boolean }>;
  /** session.user as each hook saw it. */
  readonly senderUsers: Array<string | undefined>;
  readonly acceptedUsers: Array<string | undefined>;
  authenticateWith?: (username: string, password: string) => Promise<boolean>;
}

const listen = useSmtpListener();

let certificate: TestCertificate;
beforeAll(() => {
  if (hasOpenssl) certificate = selfSignedCertificate();
});

async function start(options: { tls: boolean; authenticate: boolean; libraryGreetingDelay?: boolean }): Promise<Harness> {
  const harness: Harness = { port: 0, logs: [], authCalls: [], senderUsers: [], acceptedUsers: [] };
  const hooks: SmtpHooks = {
    async checkSender(address: string, session: SmtpSession) {
      harness.senderUsers.push(session.user);
      const password = USERS.get(address.toLowerCase());
      const decision = checkAuthentication(address, password !== undefined && password !== '', session.user);
      if (!decision.ok) throw replies.fromReply(decision.reply);
    },
    async checkRecipient() {
      return { number: '+447973100000' };
    },
    async acceptMessage(_envelope, _raw, session) {
      harness.acceptedUsers.push(session.user);
      return { qids: ['Q1'] };
    },
    ...(options.authenticate
      ? {
          async authenticate(username: string, password: string, session: SmtpSession) {
            harness.authCalls.push({ username, secure: session.secure });
            if (harness.authenticateWith) return harness.authenticateWith(username, password);
            const known = USERS.get(username.toLowerCase());
            return known !== undefined && known !== '' && known === password;
          },
        }
      : {}),
  };
  const { port, logs } = await listen(hooks, {
    ...(options.libraryGreetingDelay ? {} : { earlyTalkerDelayMs: 0 }),
    ...(options.tls ? { tls: certificate } : {}),
  });
  return Object.assign(harness, { port, logs });
}

function client(port: number, auth?: { user: string; pass: string }, authMethod?: string) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    ...(auth ? { auth } : {}),
    ...(authMethod ? { authMethod } : {}),
  });
}

const MAIL = { from: 'alerts@site.example', to: '447973100000@sms.example.lan', subject: 'pump 3', text: 'pressure low' };
const plain = (authzid: string, authcid: string, password: string) => Buffer.from(`${authzid}\0${authcid}\0${password}`).toString('base64');
const events = (logs: readonly LogLine[], name: string) => logs.filter((l) => l.event === name);
const authLine = (lines: readonly string[]) => lines.find((l) => /^250[- ]AUTH\b/.test(l));

/** Opens a raw session, EHLO, STARTTLS, EHLO again; returns the client and the second EHLO. */
async function rawOverTls(port: number) {
  const { client: raw } = await RawSmtpClient.open(port);
  await raw.command('EHLO client.example');
  const go = await raw.startTls();
  expect(go.code).toBe(220);
  const ehlo = await raw.command('EHLO client.example');
  return { raw, ehlo };
}

// Skipped only where the openssl command is missing: it makes the test certificate.
describe.skipIf(!hasOpenssl)('SMTP AUTH with a certificate (RFC 4954 over RFC 3207 STARTTLS)', () => {
  it('does not list AUTH before STARTTLS, and lists AUTH PLAIN LOGIN after it', async () => {
    const h = await start({ tls: true, authenticate: true });
    const { client: raw } = await RawSmtpClient.open(h.port);
    const before = await raw.command('EHLO client.example');
    expect(before.lines.some((l) => /^250[- ]STARTTLS$/.test(l))).toBe(true);
    expect(authLine(before.lines)).toBeUndefined();
    await raw.startTls();
    expect(raw.encrypted).toBe(true);
    const after = await raw.command('EHLO client.example');
    expect(authLine(after.lines)).toMatch(/^250[- ]AUTH PLAIN LOGIN$/);
    expect(after.lines.some((l) => /STARTTLS/.test(l))).toBe(false);
    await raw.quit();
  });

  it.each([
    ['AUTH PLAIN with the credentials on the line', `AUTH PLAIN ${plain('', 'alerts@site.example', PASSWORD)}`],
    ['AUTH PLAIN without them', 'AUTH PLAIN'],
    ['AUTH LOGIN', 'AUTH LOGIN'],
  ])('answers %s before STARTTLS with 538 5.7.11 and asks for nothing', async (_name, line) => {
    const h = await start({ tls: true, authenticate: true });
    const { client: raw } = await RawSmtpClient.open(h.port);
    await raw.command('EHLO client.example');
    const reply = await raw.command(line);
    expect(reply.text).toBe('538 5.7.11 Encryption required for requested authentication mechanism');
    // the session goes on: no 334 prompt is pending, the next command is a command
    expect((await raw.command('NOOP')).code).toBe(250);
    await raw.quit();
    expect(h.authCalls).toEqual([]);
    expect(events(h.logs, 'smtp.auth.refused')[0]).toMatchObject({ code: 538, enhanced: '5.7.11', errorCode: 'M2S_SMTP_AUTH_TLS_REQUIRED' });
  });

  it("guards AUTH the same way when smtp-server's own connect() (its 100 ms greeting wait) is in place", async () => {
    const h = await start({ tls: true, authenticate: true, libraryGreetingDelay: true });
    const { client: raw } = await RawSmtpClient.open(h.port);
    expect(authLine((await raw.command('EHLO client.example')).lines)).toBeUndefined();
    expect((await raw.command('AUTH LOGIN')).code).toBe(538);
    await raw.startTls();
    expect(authLine((await raw.command('EHLO client.example')).lines)).toMatch(/AUTH PLAIN LOGIN$/);
    await raw.quit();
  });

  it.each([
    ['PLAIN', 'PLAIN'],
    ['LOGIN', 'LOGIN'],
  ])('takes good credentials over %s and hands the lower-cased user to the later hooks', async (_name, method) => {
    const h = await start({ tls: true, authenticate: true });
    const info = await client(h.port, { user: 'Alerts@Site.Example', pass: PASSWORD }, method).sendMail(MAIL);
    expect(info.response).toBe('250 2.0.0 Ok: queued as Q1');
    expect(h.authCalls).toEqual([{ username: 'Alerts@Site.Example', secure: true }]);
    expect(h.senderUsers).toEqual(['alerts@site.example']);
    expect(h.acceptedUsers).toEqual(['alerts@site.example']);
    expect(events(h.logs, 'smtp.auth')[0]).toMatchObject({ level: 'info', user: 'alerts@site.example', method });
  });

  it('refuses a wrong password with 535 5.7.8, logging the username and never the password', async () => {
    const h = await start({ tls: true, authenticate: true });
    const wrong = 'Wrong-Battery-9';
    const err = await client(h.port, { user: 'alerts@site.example', pass: wrong })
      .sendMail(MAIL)
      .then(() => undefined, (e: unknown) => e as { responseCode?: number; response?: string });
    expect(err?.responseCode).toBe(535);
    expect(err?.response).toBe('535 5.7.8 Authentication credentials invalid');
    const failed = events(h.logs, 'smtp.auth.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'warn', user: 'alerts@site.example', client: '127.0.0.1' });
    const all = JSON.stringify(h.logs);
    expect(all).toContain('smtp.wire'); // the debug wire log was on, and still holds no secret
    for (const secret of [wrong, Buffer.from(wrong).toString('base64'), plain('', 'alerts@site.example', wrong)]) {
      expect(all).not.toContain(secret);
    }
  });

  it('never logs a good password either, in any form the client sent it', async () => {
    const h = await start({ tls: true, authenticate: true });
    const { raw } = await rawOverTls(h.port);
    const token = plain('', 'alerts@site.example', PASSWORD);
    expect((await raw.command(`AUTH PLAIN ${token}`)).code).toBe(235);
    await raw.quit();
    const all = JSON.stringify(h.logs);
    expect(all).toContain('smtp.wire');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(token);
  });

  it('refuses an unknown user with the same 535 5.7.8 as a wrong password', async () => {
    const h = await start({ tls: true, authenticate: true });
    const { raw } = await rawOverTls(h.port);
    const reply = await raw.command(`AUTH PLAIN ${plain('', 'nobody@site.example', PASSWORD)}`);
    expect(reply.text).toBe('535 5.7.8 Authentication credentials invalid');
    await raw.quit();
  });

  it('refuses PLAIN asking to act as another user (RFC 4616 authorization identity) without asking the hook', async () => {
    const h = await start({ tls: true, authenticate: true });
    const { raw } = await rawOverTls(h.port);
    const reply = await raw.command(`AUTH PLAIN ${plain('plc@site.example', 'alerts@site.example', PASSWORD)}`);
    expect(reply.text).toBe('535 5.7.8 Authentication credentials invalid');
    expect(h.authCalls).toEqual([]);
    await raw.quit();
  });

  it('answers 454 4.7.0 when the credential check throws, and logs it as a bug without the password', async () => {
    const h = await start({ tls: true, authenticate: true });
    h.authenticateWith = () => Promise.reject(new Error('accounts store closed'));
    const { raw } = await rawOverTls(h.port);
    const reply = await raw.command(`AUTH PLAIN ${plain('', 'alerts@site.example', PASSWORD)}`);
    expect(reply.text).toBe('454 4.7.0 Temporary authentication failure, try again later');
    await raw.quit();
    expect(events(h.logs, 'smtp.hook.failed')[0]).toMatchObject({ level: 'error', stage: 'auth', user: 'alerts@site.example' });
    expect(JSON.stringify(h.logs)).not.toContain(PASSWORD);
  });

  it('lets the accept path require AUTH per user: 530 5.7.0 for a user with a password, none for one without', async () => {
    const h = await start({ tls: true, authenticate: true });
    const { raw } = await rawOverTls(h.port);
    expect((await raw.command('MAIL FROM:<alerts@site.example>')).text).toBe('530 5.7.0 Authentication required');
    expect((await raw.command('MAIL FROM:<plc@site.example>')).code).toBe(250);
    await raw.quit();
    expect(h.senderUsers).toEqual([undefined, undefined]);
  });

  it('refuses MAIL FROM another user after AUTH, naming both', async () => {
    const h = await start({ tls: true, authenticate: true });
    const { raw } = await rawOverTls(h.port);
    expect((await raw.command(`AUTH PLAIN ${plain('', 'alerts@site.example', PASSWORD)}`)).code).toBe(235);
    const reply = await raw.command('MAIL FROM:<plc@site.example>');
    expect(reply.text).toBe('550 5.7.1 Sender <plc@site.example> refused: this session is authenticated as alerts@site.example');
    await raw.quit();
  });

  it('offers no AUTH, even after STARTTLS, when there is no authenticate hook', async () => {
    const h = await start({ tls: true, authenticate: false });
    const { raw, ehlo } = await rawOverTls(h.port);
    expect(authLine(ehlo.lines)).toBeUndefined();
    expect((await raw.command(`AUTH PLAIN ${plain('', 'alerts@site.example', PASSWORD)}`)).code).toBe(500);
    await raw.quit();
  });
});

describe('SMTP AUTH without a certificate', () => {
  it('neither advertises nor accepts AUTH, and never asks the hook', async () => {
    const h = await start({ tls: false, authenticate: true });
    const { client: raw } = await RawSmtpClient.open(h.port);
    const ehlo = await raw.command('EHLO client.example');
    expect(ehlo.lines.some((l) => /AUTH|STARTTLS/.test(l))).toBe(false);
    const reply = await raw.command(`AUTH PLAIN ${plain('', 'alerts@site.example', PASSWORD)}`);
    expect(reply.code).toBe(500);
    await raw.quit();
    expect(h.authCalls).toEqual([]);
  });
});
