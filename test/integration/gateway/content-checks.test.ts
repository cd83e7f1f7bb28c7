/*
 * Issue 12, content: the gateway in process on its simulated modem (the real driver over the
 * in-process device), mail over real SMTP on loopback, the real SQLite file.
 * - a header From that is not exactly one address (two From fields, a list, a group) is refused
 *   at DATA with 550 5.7.1 naming the problem, logged as smtp.rejected, and nothing is queued;
 * - NUL and BEL of an encoded Subject and of a broken base64 body never reach the phone: the
 *   SMS goes as GSM 7-bit without them.
 */
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { decodeSubmitTpdu } from '../../../src/encode/index.js';
import { createLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';

const SENDER = 'alerts@localhost';

describe('issue 12: the header From and control characters, through SMTP', () => {
  let gateway: Gateway;
  let device: SimDevice;
  let port: number;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const dir = tempDir();
    device = new SimDevice({ now: Date.now });
    const config = parseConfigText(`domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\n`, join(dir, 'c.yaml'));
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    gateway = await startGateway({ config, logger, transportOverrides: { simDevices: new Map([['sim', device]]) } });
    port = gateway.listening[0]!.port;
  });
  afterAll(async () => gateway?.stop());

  const sendRaw = (to: string, raw: string) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ envelope: { from: SENDER, to: `${to}@sms.test` }, raw: raw.replace(/\r?\n/g, '\r\n') });

  const received = (to: string) => device.received().map((r) => decodeSubmitTpdu(r.tpduHex)).filter((d) => d.destination === to);

  it.each([
    ['two From fields', `From: ${SENDER}\nFrom: boss@localhost`, 'the header has 2 From fields; RFC 5322 section 3.6 allows one, naming one address'],
    ['two From fields, the second one the sender', `From: boss@localhost\nFrom: ${SENDER}`, 'the header has 2 From fields'],
    ['a From naming two addresses', `From: ${SENDER}, boss@localhost`, `header From names 2 addresses (<${SENDER}>, <boss@localhost>); it must name exactly one, the envelope sender`],
    ['an empty group', 'From: undisclosed:;', 'header From is a group (undisclosed:;), not one address'],
    ['a group holding the sender', `From: ops: ${SENDER};`, 'header From is a group (ops:;), not one address'],
  ])('refuses %s at DATA with 550 5.7.1 naming the problem, logs it, and queues nothing', async (_name, from, text) => {
    const before = gateway.queue.list().length;
    const logged = lines.length;
    await expect(sendRaw('+447973100000', `${from}\nTo: +447973100000@sms.test\nSubject: pump\n\nPump 3 failed\n`)).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringContaining(`5.7.1 Message refused: ${text}`),
    });
    expect(gateway.queue.list().length).toBe(before);
    const rejected = lines.slice(logged).filter((l) => l['event'] === 'smtp.rejected');
    expect(rejected).toEqual([expect.objectContaining({ stage: 'data', code: 550, enhanced: '5.7.1', errorCode: 'M2S_POLICY_FROM_NOT_ONE', reason: expect.stringContaining(text) })]);
  });

  it('still refuses a From with no address as missing (M2S_POLICY_FROM_MISMATCH)', async () => {
    await expect(sendRaw('+447973100000', 'From: \nSubject: pump\n\nPump 3 failed\n')).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringContaining('header From is missing'),
    });
  });

  it('accepts one From field naming the sender, with a display name that has a comma', async () => {
    const info = await sendRaw('+447973100001', `From: "Ops, Night" <${SENDER}>\nSubject: pump\n\nPump 3 failed\n`);
    expect(info.response).toMatch(/^250 /);
  });

  it('sends no NUL or BEL of an encoded subject or a broken base64 body: the SMS goes as GSM 7-bit without them', async () => {
    const to = '+447973100002';
    const subject = Buffer.from('disk\u0000 full\u0007!', 'utf8').toString('base64');
    // "hello\0\x07bell" in base64, then characters outside the alphabet.
    const raw = `From: ${SENDER}\nSubject: =?utf-8?b?${subject}?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\naGVsbG8AB2JlbGw=*%x\n`;
    const info = await sendRaw(to, raw);
    expect(info.response).toMatch(/^250 /);
    await expect.poll(() => received(to).length, { timeout: 5000 }).toBe(1);
    expect(received(to)[0]).toMatchObject({ encoding: 'gsm7', text: '(disk full!) hellobell' });
  });
});
