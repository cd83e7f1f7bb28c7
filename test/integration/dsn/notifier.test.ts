/*
 * SPEC 8 end to end in process: the real dispatcher sends through the real modem driver to the
 * simulated modem, the queue is a SQLite file, and the notifier hands its RFC 3464 reports to
 * submitMail, which speaks SMTP to a test smarthost on 127.0.0.1 that keeps what it gets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT } from '../../../src/accounts/index.js';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../../../src/dispatch/index.js';
import { startDsnNotifier, submitMail, type DsnNotifier, type DsnNotifierOptions } from '../../../src/dsn/index.js';
import { createLogger, silentLogger } from '../../../src/log/index.js';
import { openQueue, type MailKey, type NewMessage, type Queue } from '../../../src/queue/index.js';
import { createSimTransport, SimDevice, type SimFault } from '../../../src/transports/sim/index.js';
import { startSmarthost, type ReceivedMail, type Smarthost } from '../../helpers/smarthost.js';
import { message } from '../queue/queue-fixtures.js';

type LogLine = Record<string, unknown>;

const HOUR = 3_600_000;
const SENDER = 'alerts@example.lan';
const UNASSIGNED = '+CMS ERROR: 1 (unassigned (unallocated) number)';

interface Rig {
  readonly queue: Queue;
  readonly device: SimDevice;
  readonly dispatcher: Dispatcher;
  readonly smarthost: Smarthost;
  readonly lines: LogLine[];
  /** Where reports go; a test may point it elsewhere. */
  port: number;
  notifiers: DsnNotifier[];
  cleanup(): Promise<void>;
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.cleanup();
  rig = undefined;
});

async function start(faults: SimFault[] = [], storms?: Pick<DispatcherOptions, 'accountOf'>): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'mail2sms-dsn-'));
  const queue = openQueue({ path: join(dir, 'mail2sms.db'), logger: silentLogger() });
  const device = new SimDevice({ now: Date.now, faults, statusReportDelayMs: 5 });
  const transport = createSimTransport({ name: 'sim', logger: silentLogger(), device });
  await transport.start();
  const dispatcher = createDispatcher({ queue, transports: [transport], logger: silentLogger(), ...storms });
  dispatcher.start();
  const smarthost = await startSmarthost();
  const lines: LogLine[] = [];
  const r: Rig = {
    queue,
    device,
    dispatcher,
    smarthost,
    lines,
    port: smarthost.port,
    notifiers: [],
    async cleanup() {
      await Promise.all(r.notifiers.map((n) => n.stop()));
      await dispatcher.stop({ drain: false });
      await transport.stop({ drain: false });
      await smarthost.stop();
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  rig = r;
  return r;
}

function notify(r: Rig, overrides: Partial<DsnNotifierOptions> = {}): DsnNotifier {
  const notifier = startDsnNotifier({
    queue: r.queue,
    logger: createLogger({ level: 'info', destination: { write: (s: string) => void r.lines.push(JSON.parse(s) as LogLine) } }),
    hostname: 'gw.test',
    domains: ['sms.test'],
    send: async (mail) => {
      await submitMail({ host: '127.0.0.1', port: r.port }, { from: mail.from, to: [mail.to], raw: mail.raw });
    },
    pollMs: 20,
    ...overrides,
  });
  r.notifiers.push(notifier);
  return notifier;
}

/** A message valid for an hour from now (the queue fixture's validity is a fixed date). */
function sms(overrides: Partial<NewMessage> & { texts?: readonly string[] } = {}): NewMessage {
  return message({ validUntil: Date.now() + HOUR, ...overrides });
}

async function enqueue(r: Rig, messages: readonly NewMessage[]): Promise<string[]> {
  const qids = await r.queue.enqueue(messages);
  r.dispatcher.wake();
  return qids;
}

function keyOf(r: Rig, qid: string): MailKey {
  const shown = r.queue.show(qid);
  return { mailId: shown.mailId, from: shown.from, createdAt: Date.parse(shown.created) };
}

function dsnOf(r: Rig, qid: string) {
  return r.queue.dsnMail(keyOf(r, qid)).find((m) => m.qid === qid)?.dsn;
}

/** The message/delivery-status groups of a received report (mailparser folds that part into its text). */
function statusFields(mail: ReceivedMail): string {
  return mail.parsed.text ?? '';
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('delivery status notifications (SPEC 8)', () => {
  it('sends a success notice to the envelope sender, MAIL FROM:<>, after the +CDS says delivered', async () => {
    const r = await start(['status-report']);
    notify(r);
    const [qid] = await enqueue(r, [sms({
      mailId: '<ok@example.lan>',
      texts: ['nightly backup finished', 'all volumes verified'],
      statusReport: true,
      notify: { success: true, failure: true },
      original: { rcpt: '+819012345678@sms.test', headers: 'From: alerts@example.lan\r\nSubject: Backup\r\nMessage-ID: <ok@example.lan>' },
    })]);
    const mail = await r.smarthost.waitForMail(() => true);
    expect(r.queue.show(qid!).state).toBe('delivered');
    expect(mail.mailFrom).toBe('');
    expect(mail.rcptTo).toEqual([SENDER]);
    expect(mail.parsed.subject).toBe('Delivery Status Notification (Success): SMS to +819012345678');
    expect(mail.parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(mail.parsed.inReplyTo).toBe('<ok@example.lan>');
    const fields = statusFields(mail);
    expect(fields).toContain('Reporting-MTA: dns; gw.test');
    expect(fields).toContain('Final-Recipient: rfc822; +819012345678@sms.test\nAction: delivered\nStatus: 2.0.0');
    expect(fields).toContain(`Final-Log-ID: ${qid}\nX-Mail2SMS-Route: sim`);
    expect(mail.parsed.attachments.map((a) => [a.contentType, a.content.toString()])).toEqual([
      ['text/rfc822-headers', 'From: alerts@example.lan\r\nSubject: Backup\r\nMessage-ID: <ok@example.lan>\r\n'],
    ]);
    await expect.poll(() => dsnOf(r, qid!)?.mark).toBe('sent');
    expect(r.lines.find((l) => l['event'] === 'dsn.sent')).toMatchObject({ qids: [qid], to: SENDER, outcomes: ['+819012345678:delivered'] });

    // A restart reads the queue again: the notice already sent is not sent twice.
    await Promise.all(r.notifiers.map((n) => n.stop()));
    notify(r);
    await settle(200);
    expect(r.smarthost.received).toHaveLength(1);
  });

  it('sends a failure notice with the +CMS ERROR after a permanent refusal', async () => {
    const r = await start(['cms-error:1']);
    notify(r);
    const [qid] = await enqueue(r, [sms({ mailId: '<fail@example.lan>' })]);
    const mail = await r.smarthost.waitForMail(() => true);
    expect(r.queue.show(qid!).state).toBe('failed');
    expect(mail.parsed.subject).toBe('Delivery Status Notification (Failure): SMS to +819012345678');
    expect(mail.parsed.text).toContain(`NOT DELIVERED to +819012345678: ${UNASSIGNED}`);
    expect(statusFields(mail)).toContain(
      `Final-Recipient: rfc822; +819012345678@sms.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: X-mail2sms; ${UNASSIGNED}\nLast-Attempt-Date: `,
    );
    // The accept path kept no header block here: the fields come from the queue, and the part says so.
    expect(mail.parsed.attachments[0]?.content.toString()).toBe('Message-ID: <fail@example.lan>\r\nFrom: <alerts@example.lan>\r\nTo: <+819012345678@sms.test>\r\n');
  });

  it('reports every destination of one mail in one notice, one block each', async () => {
    const r = await start(['status-report', 'cms-error:1']);
    notify(r);
    const both = { mailId: '<two@example.lan>', statusReport: true, notify: { success: true, failure: true } };
    const qids = await enqueue(r, [sms({ ...both, to: '+819011111111' }), sms({ ...both, to: '+819022222222' })]);
    const mail = await r.smarthost.waitForMail(() => true);
    const states = Object.fromEntries(qids.map((q) => [r.queue.show(q).to, r.queue.show(q).state]));
    expect(Object.values(states).sort()).toEqual(['delivered', 'failed']);
    const fields = statusFields(mail);
    for (const [to, state] of Object.entries(states)) {
      expect(fields).toContain(`Final-Recipient: rfc822; ${to}@sms.test\nAction: ${state}\nStatus: ${state === 'failed' ? '5.1.1' : '2.0.0'}`);
    }
    expect(mail.parsed.subject).toMatch(/^Delivery Status Notification \(Failure\): SMS to \+8190(1111|2222)\d+, \+8190(1111|2222)\d+$/);
    await settle(150);
    expect(r.smarthost.received).toHaveLength(1);
    expect(qids.map((q) => dsnOf(r, q)?.mark)).toEqual(['sent', 'sent']);
  });

  it('sends nothing for NOTIFY=NEVER or to the null sender <>', async () => {
    const r = await start(['cms-error:1', 'cms-error:1', 'cms-error:1']);
    notify(r);
    const [never] = await enqueue(r, [sms({ mailId: '<never@example.lan>', notify: { success: false, failure: false } })]);
    const [nobody] = await enqueue(r, [sms({ mailId: '<nobody@example.lan>', from: '' })]);
    await expect.poll(() => [never, nobody].map((q) => r.queue.show(q!).state)).toEqual(['failed', 'failed']);
    // A third failure that asked for its notice shows the notifier was running meanwhile.
    const [control] = await enqueue(r, [sms({ mailId: '<control@example.lan>' })]);
    await r.smarthost.waitForMail(() => true);
    await expect.poll(() => dsnOf(r, control!)?.mark).toBe('sent');
    await settle(150);
    expect(r.smarthost.received.map((m) => m.parsed.inReplyTo)).toEqual(['<control@example.lan>']);
    expect([never, nobody].map((q) => dsnOf(r, q!)?.mark)).toEqual(['none', 'none']);
  });

  it('sends no notice back into the gateway: a sender at its own domain gets none', async () => {
    const r = await start(['cms-error:1', 'cms-error:1']);
    notify(r);
    const [loop] = await enqueue(r, [sms({ mailId: '<loop@example.lan>', from: 'postmaster@SMS.test' })]);
    await expect.poll(() => dsnOf(r, loop!)?.mark).toBe('none');
    expect(r.lines.find((l) => l['event'] === 'dsn.suppressed')).toMatchObject({ qids: [loop], reason: "the sender postmaster@SMS.test is the gateway's own address; a notice would loop" });
    const [control] = await enqueue(r, [sms({ mailId: '<control@example.lan>' })]);
    await r.smarthost.waitForMail(() => true);
    await expect.poll(() => dsnOf(r, control!)?.mark).toBe('sent');
    expect(r.smarthost.received).toHaveLength(1);
  });

  it('tries again after the smarthost was down, and sends the notice once', async () => {
    const r = await start(['cms-error:1']);
    r.port = await closedPort();
    notify(r, { retry: { baseMs: 100, maxMs: 100, jitter: 0 } });
    const [qid] = await enqueue(r, [sms({ mailId: '<retry@example.lan>' })]);
    await expect.poll(() => r.lines.find((l) => l['event'] === 'dsn.failed')).toBeDefined();
    const failed = r.lines.find((l) => l['event'] === 'dsn.failed')!;
    expect(failed).toMatchObject({ level: 'warn', qids: [qid], to: SENDER, permanent: false, code: 'M2S_SUBMIT_FAILED', reason: expect.any(String) });
    expect(dsnOf(r, qid!)).toMatchObject({ mark: null, attempts: 1 });
    expect(dsnOf(r, qid!)?.error).toContain('ECONNREFUSED');
    r.port = r.smarthost.port;
    await r.smarthost.waitForMail(() => true);
    await expect.poll(() => dsnOf(r, qid!)?.mark).toBe('sent');
    expect(dsnOf(r, qid!)?.attempts).toBe(2);
    await settle(250);
    expect(r.smarthost.received).toHaveLength(1);
  });

  it('marks a notice the smarthost refuses for good (5xx) and does not send it again', async () => {
    const r = await start(['cms-error:1']);
    const refusing = await startRefusingSmarthost();
    try {
      r.port = refusing.port;
      notify(r, { retry: { baseMs: 50, maxMs: 50, jitter: 0 } });
      const [qid] = await enqueue(r, [sms({ mailId: '<refused@example.lan>' })]);
      await expect.poll(() => dsnOf(r, qid!)?.mark).toBe('refused');
      expect(dsnOf(r, qid!)?.error).toContain('550');
      expect(r.lines.find((l) => l['event'] === 'dsn.failed')).toMatchObject({ level: 'error', permanent: true, qids: [qid] });
      await settle(200);
      expect(refusing.attempts()).toBe(1);
    } finally {
      await refusing.stop();
    }
  });

  it('looks at once on wake() instead of waiting for the next poll', async () => {
    const r = await start(['cms-error:1']);
    const notifier = notify(r, { pollMs: 60_000 });
    await settle(50); // the first round, at start, found nothing
    const [qid] = await enqueue(r, [sms({ mailId: '<woken@example.lan>' })]);
    await expect.poll(() => r.queue.show(qid!).state).toBe('failed');
    await settle(100);
    expect(r.smarthost.received).toHaveLength(0);
    notifier.wake();
    await r.smarthost.waitForMail(() => true, 2000);
  });

  it('reports an SMS whose status report never came as relayed once its validity has ended', async () => {
    const r = await start([]); // no +CDS: a network (or modem profile, noCds) that never reports
    const first = notify(r);
    const [qid] = await enqueue(r, [sms({ mailId: '<quiet@example.lan>', statusReport: true, notify: { success: true, failure: true } })]);
    await expect.poll(() => r.queue.show(qid!).state).toBe('sent');
    await settle(150);
    expect(r.smarthost.received).toHaveLength(0);
    await first.stop();
    notify(r, { now: () => Date.now() + 2 * HOUR });
    const mail = await r.smarthost.waitForMail(() => true);
    expect(mail.parsed.subject).toBe('Delivery Status Notification (Relayed): SMS to +819012345678');
    expect(statusFields(mail)).toContain('Action: relayed\nStatus: 2.0.0\nLast-Attempt-Date: ');
    expect(mail.parsed.text).toContain('The network sent no delivery report by the end of the wait');
  });
});

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An SMTP server on 127.0.0.1 that refuses every recipient with 550 5.7.1. */
async function startRefusingSmarthost(): Promise<{ port: number; attempts(): number; stop(): Promise<void> }> {
  let attempts = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(_address, _session, callback) {
      attempts += 1;
      const err = Object.assign(new Error('5.7.1 relay access denied'), { responseCode: 550 });
      callback(err);
    },
    onData(stream, _session, callback) {
      void simpleParser(stream).then(() => callback());
    },
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port)));
  return { port, attempts: () => attempts, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('notices of coalesced alerts (SPEC 7, 8; #11)', () => {
  it('tell the senders what the SMS that carried theirs became, naming it and the count', async () => {
    const r = await start(['status-report'], { accountOf: () => ({ ...DEFAULT_ACCOUNT, coalesceMs: 300 }) });
    notify(r);
    const qids: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      qids.push(...(await enqueue(r, [sms({ mailId: `<storm${i}@example.lan>`, texts: ['UPS on battery'], statusReport: true, notify: { success: true, failure: true } })])));
      await settle(20);
    }
    await expect.poll(() => r.smarthost.received.length, { timeout: 10_000 }).toBe(4);
    const carrier = qids[1]!;
    expect(r.queue.show(carrier)).toMatchObject({ state: 'delivered', storm: { carried: 2 } });
    for (const qid of qids.slice(2)) {
      const mail = r.smarthost.received.find((m) => statusFields(m).includes(`Final-Log-ID: ${qid}`))!;
      expect(mail.parsed.subject).toBe('Delivery Status Notification (Success): SMS to +819012345678');
      expect(statusFields(mail)).toContain(`Action: delivered\nStatus: 2.0.0\nDiagnostic-Code: X-mail2sms; coalesced into ${carrier}: sent once for 3 identical messages to this number, as (x3)`);
      expect(mail.parsed.text).toContain(`in message ${carrier}; this is that SMS's outcome.`);
    }
  });
});
