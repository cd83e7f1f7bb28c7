/*
 * The SMPP route's `long: payload` through the whole gateway (issue 13, SPEC 9/12): mail in over
 * real SMTP, a long message out as ONE submit_sm whose message_payload holds the whole text,
 * its receipt settling every part; what is left of a message some of whose parts went out
 * before goes part by part with the concatenation UDH. Read from the PDUs the test SMSC decoded.
 */
import nodemailer from 'nodemailer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { openQueue } from '../../../src/queue/index.js';
import { tempDir } from '../../helpers/daemon.js';
import { startSmarthost, type Smarthost } from '../../helpers/smarthost.js';
import { TestSmsc } from '../../helpers/smsc.js';
import { WAIT_MS } from '../../helpers/wait.js';

/** A gateway whose one route is `long: payload` on the test SMSC; `before` may fill its queue first. */
async function payloadGateway(smsc: TestSmsc, smarthost: Smarthost, lines: Record<string, unknown>[], before?: (dbPath: string) => Promise<void>): Promise<Gateway> {
  const dir = tempDir();
  writeFileSync(join(dir, 'smpp.pass'), 'secret\n');
  const config = parseConfigText(
    `domain: sms.test
hostname: gw.sms.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }
smarthost: { host: 127.0.0.1, port: ${smarthost.port} }
routes:
  - { name: up1, transport: smpp, host: 127.0.0.1, port: ${smsc.port}, system_id: gw1, password_file: ${join(dir, 'smpp.pass')}, window: 10, response_timeout: 2s, long: payload }
`,
    join(dir, 'c.yaml'),
  );
  await before?.(join(config.state_dir, 'mail2sms.db'));
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return startGateway({ config, logger, dsnPollMs: 100 });
}

type Pdu = Record<string, unknown>;

/** A text field as the package's SMSC side decodes it (by data_coding: GSM 03.38 table, UTF-16BE), and its UDH elements. */
const decoded = (field: unknown): { text: string; udh: Buffer } => {
  const value = field as { message: string | Buffer; udh?: Buffer[] };
  return { text: typeof value.message === 'string' ? value.message : value.message.toString('hex'), udh: Buffer.concat(value.udh ?? []) };
};

/** About 420 GSM characters: three parts of 153. */
const GSM_TEXT = Array.from({ length: 36 }, (_, i) => `disk${String(i).padStart(2, '0')} ok`).join('; ');

describe('an SMPP route with long: payload, through the gateway', () => {
  let gateway: Gateway;
  let smsc: TestSmsc;
  let smarthost: Smarthost;
  let port: number;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    smsc = await TestSmsc.start();
    smsc.faults.password = 'secret';
    smarthost = await startSmarthost();
    gateway = await payloadGateway(smsc, smarthost, lines);
    port = gateway.listening[0]!.port;
  });
  afterAll(async () => {
    await gateway?.stop();
    await smsc?.close();
    await smarthost?.stop();
  });
  afterEach(() => {
    for (const key of Object.keys(smsc.faults)) if (key !== 'password') delete (smsc.faults as Record<string, unknown>)[key];
  });

  const mail = (to: string, text: string, extra: Record<string, unknown> = {}) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ from: 'alerts@localhost', to, text, ...extra });

  const qidTo = (number: string): string => gateway.queue.list().find((m) => m.to === number)!.id;

  it('sends a 3-part GSM mail as one submit_sm: message_payload is the whole text, short_message empty, no UDH; one receipt delivers all parts, one notice', async () => {
    smsc.faults.receipts = { format: 'tlv', id: 'dec', where: 'same' };
    await mail('+447973300000@sms.test', GSM_TEXT, { dsn: { notify: ['SUCCESS', 'FAILURE'] } });
    const notice = await smarthost.waitForMail((m) => m.parsed.subject?.includes('+447973300000') ?? false, WAIT_MS);
    const [pdu] = await smsc.submitsTo('447973300000', 1);
    expect(pdu).toMatchObject({ data_coding: 0, esm_class: 0, registered_delivery: 1 });
    expect(decoded(pdu!['message_payload']).text).toBe(GSM_TEXT);
    expect(decoded(pdu!['short_message'])).toEqual({ text: '', udh: Buffer.alloc(0) });

    const shown = gateway.queue.show(qidTo('+447973300000'));
    expect(shown.state).toBe('delivered');
    expect(shown.parts.map((p) => [p.seq, p.state, p.attempts])).toEqual([[1, 'delivered', 1], [2, 'delivered', 1], [3, 'delivered', 1]]);
    expect(new Set(shown.parts.map((p) => p.messageRef)).size).toBe(1);
    expect(notice.parsed.text).toContain('Action: delivered\nStatus: 2.0.0');
    expect(notice.parsed.text?.match(/Action: delivered/g)).toHaveLength(1);
    // The notice is marked sent once it is out: no second one follows.
    await expect.poll(() => gateway.queue.show(shown.id).notice?.state, { timeout: WAIT_MS }).toBe('sent');
    expect(smarthost.received.filter((m) => m.parsed.subject?.includes('+447973300000'))).toHaveLength(1);
    // The receipt's log line names every part it settled.
    expect(lines.find((l) => l['event'] === 'delivery.report' && l['qid'] === shown.id)).toMatchObject({ seg: '1-3/3', state: 'delivered' });
  });

  it('sends a long UCS-2 text as one submit_sm, data_coding 8, the payload the whole text', async () => {
    const text = `${'サーバー停止'.repeat(25)}😀終`;
    await mail('+818012300000@sms.test', text);
    const [pdu] = await smsc.submitsTo('818012300000', 1);
    expect(pdu).toMatchObject({ data_coding: 8, esm_class: 0 });
    expect(decoded(pdu!['message_payload']).text).toBe(text);
    expect(decoded(pdu!['short_message']).text).toBe('');
    await expect.poll(() => gateway.queue.show(qidTo('+818012300000')).parts.map((p) => p.state), { timeout: WAIT_MS }).toEqual(['sent', 'sent', 'sent']);
  });

  it('fails every part at once when the SMSC refuses the message for good (one submit_sm, one failure notice)', async () => {
    smsc.faults.statusByDestination = { '447973300001': 0x0b }; // ESME_RINVDSTADR: permanent, 5.1.1
    await mail('+447973300001@sms.test', GSM_TEXT);
    const notice = await smarthost.waitForMail((m) => m.parsed.subject?.includes('+447973300001') ?? false, WAIT_MS);
    expect(notice.parsed.text).toContain('ESME_RINVDSTADR (0x0000000B)');
    await smsc.submitsTo('447973300001', 1);
    const shown = gateway.queue.show(qidTo('+447973300001'));
    expect(shown.state).toBe('failed');
    expect(shown.parts.map((p) => [p.state, p.attempts, p.lastStatus])).toEqual([['failed', 1, '5.1.1'], ['failed', 1, '5.1.1'], ['failed', 1, '5.1.1']]);
  });

  it('defers every part together when the SMSC refuses the message for now: the same next attempt, so they are due together', async () => {
    smsc.faults.statusByDestination = { '447973300002': 0x08 }; // ESME_RSYSERR: temporary, 4.3.0
    await mail('+447973300002@sms.test', GSM_TEXT);
    await smsc.submitsTo('447973300002', 1);
    await expect.poll(() => gateway.queue.show(qidTo('+447973300002')).parts.every((p) => p.state === 'queued' && p.lastStatus !== null), { timeout: WAIT_MS }).toBe(true);
    const parts = gateway.queue.show(qidTo('+447973300002')).parts;
    expect(parts.map((p) => [p.attempts, p.lastStatus])).toEqual([[1, '4.3.0'], [1, '4.3.0'], [1, '4.3.0']]);
    expect(new Set(parts.map((p) => p.nextAttemptAt)).size).toBe(1);
    expect(parts[0]!.nextAttemptAt).not.toBeNull();
  });
});

describe('an SMPP route with long: payload, for a message part of which went out before', () => {
  it('sends the parts left one by one, each with its concatenation UDH, and no message_payload', async () => {
    const smsc = await TestSmsc.start();
    const smarthost = await startSmarthost();
    const texts = GSM_TEXT.match(/[^]{1,153}/g) ?? [];
    let qid = '';
    const gateway = await payloadGateway(smsc, smarthost, [], async (dbPath) => {
      // Part 1 went out on another route (a modem, gsm0) before this start.
      mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 });
      const queue = openQueue({ path: dbPath, logger: createLogger({ level: 'silent' }) });
      [qid] = (await queue.enqueue([{
        mailId: '<p1@localhost>', to: '+447973300003', from: 'alerts@localhost', account: 'default', userEmail: 'alerts@localhost',
        encoding: 'gsm7', parts: texts.map((text) => ({ text })), concatenated: true, priority: 0, validUntil: Date.now() + 3600_000,
        statusReport: false, notify: { success: false, failure: false },
      }])) as [string];
      queue.batch(() => {
        queue.markSending(qid, 1, 'gsm0', Date.now());
        queue.markSent(qid, 1, '17', 'gsm0', Date.now());
      });
      await queue.close();
    });
    try {
      expect(texts).toHaveLength(3);
      await expect.poll(() => gateway.queue.show(qid).state, { timeout: WAIT_MS }).toBe('sent');
      const ref = gateway.queue.show(qid).concatRef!;
      const pdus = smsc.received('submit_sm') as unknown as Pdu[];
      expect(pdus.map((p) => p['esm_class'])).toEqual([0x40, 0x40]);
      expect(pdus.map((p) => p['message_payload'])).toEqual([undefined, undefined]);
      expect(pdus.map((p) => decoded(p['short_message']).udh)).toEqual([Buffer.from([0x00, 0x03, ref, 3, 2]), Buffer.from([0x00, 0x03, ref, 3, 3])]);
      expect(pdus.map((p) => decoded(p['short_message']).text)).toEqual(texts.slice(1));
      expect(gateway.queue.show(qid).parts.map((p) => [p.route, p.state])).toEqual([['gsm0', 'sent'], ['up1', 'sent'], ['up1', 'sent']]);
    } finally {
      await gateway.stop();
      await smsc.close();
      await smarthost.stop();
    }
  });
});
