/*
 * The gateway in process: SPEC 5 encapsulation mode (seed 003 §3.2) and the account's
 * transliteration, from SMTP to the TPDU the simulated modem receives.
 */
import nodemailer from 'nodemailer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { decodeSubmitTpdu } from '../../../src/encode/index.js';
import { createLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';

/** The seed's operator-logo mail, its From and To made this test's. */
const LOGO = readFileSync(join(import.meta.dirname, '../../fixtures/mail/encapsulation/operator-logo.eml'), 'latin1')
  .replace('From: ops@example.com', 'From: alerts@localhost')
  .replace(/\r?\n/g, '\r\n');

describe('what the SMS is made of, through the gateway', () => {
  let gateway: Gateway;
  let device: SimDevice;
  let port: number;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const dir = tempDir();
    device = new SimDevice({ now: Date.now });
    const config = parseConfigText(`domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\n`, join(dir, 'c.yaml'));
    gateway = await startGateway({ config, logger, transportOverrides: { simDevices: new Map([['sim', device]]) } });
    port = gateway.listening[0]!.port;
  });
  afterAll(async () => gateway?.stop());

  const send = (to: string, raw: string) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ envelope: { from: 'alerts@localhost', to: [to] }, raw });
  const received = (destination: string) => device.received().map((r) => decodeSubmitTpdu(r.tpduHex)).filter((d) => d.destination === destination);

  it('sends the seed operator logo as a binary SMS with its UDH and DCS 0xD7, the body ignored', async () => {
    await send('447973100000@sms.test', LOGO);
    await expect.poll(() => received('+447973100000').length, { timeout: 5000 }).toBe(1);
    const sms = received('+447973100000')[0]!;
    expect(sms).toMatchObject({ dcs: 0xd7, encoding: 'binary', pid: 0, udh: { hex: '050415821582' } });
    expect(sms.userDataHex).toMatch(/^02F2F500480E01/i);
    expect(sms.userDataLength).toBe(140);
  });

  it('takes the number from x-smpp-destination-addr when the mail goes to the account name', async () => {
    const raw = LOGO.replace('x-smpp-esm-class: 64', 'x-smpp-destination-addr: +447973100002\r\nx-smpp-esm-class: 64');
    await send('default@sms.test', raw);
    await expect.poll(() => received('+447973100002').length, { timeout: 5000 }).toBe(1);
  });

  it('refuses x-smpp-destination-addr beside a number recipient with 554 5.6.0 naming the header, and queues nothing', async () => {
    const count = gateway.queue.list().length;
    const raw = LOGO.replace('x-smpp-esm-class: 64', 'x-smpp-destination-addr: +447973100002\r\nx-smpp-esm-class: 64');
    await expect(send('447973100000@sms.test', raw)).rejects.toMatchObject({ responseCode: 554, response: expect.stringMatching(/^554 5\.6\.0 Message refused: header x-smpp-destination-addr /) });
    await expect(send('default@sms.test', LOGO)).rejects.toMatchObject({ responseCode: 554, response: expect.stringMatching(/^554 5\.6\.0 Message refused: header x-smpp-destination-addr is missing/) });
    expect(gateway.queue.list().length).toBe(count);
  });

  it('sends smart quotes and dashes as GSM 7-bit when the account transliterates, as UCS-2 when it does not', async () => {
    const mail = 'From: alerts@localhost\r\nSubject: Pump\r\n\r\n\u201cP3\u201d pressure \u2013 low\u2026\r\n';
    await send('447973100003@sms.test', mail);
    await expect.poll(() => received('+447973100003').length, { timeout: 5000 }).toBe(1);
    expect(received('+447973100003')[0]).toMatchObject({ encoding: 'ucs2', text: '(Pump) \u201cP3\u201d pressure \u2013 low\u2026' });
    gateway.accounts.setAccount('default', { transliterate: true });
    try {
      await send('447973100004@sms.test', mail);
      await expect.poll(() => received('+447973100004').length, { timeout: 5000 }).toBe(1);
      expect(received('+447973100004')[0]).toMatchObject({ encoding: 'gsm7', text: '(Pump) "P3" pressure - low...' });
    } finally {
      gateway.accounts.setAccount('default', { transliterate: false });
    }
  });

  it('sends the text of a mail with a picture attached and logs the picture as left out', async () => {
    const png = Buffer.from('89504E470D0A1A0A', 'hex').toString('base64');
    const mail = [
      'From: alerts@localhost', 'Subject: Camera 2', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'motion at gate', '--b', 'Content-Type: image/png; name="snap.png"', 'Content-Disposition: attachment; filename="snap.png"', 'Content-Transfer-Encoding: base64', '', png, '--b--', '',
    ].join('\r\n');
    await send('447973100005@sms.test', mail);
    await expect.poll(() => received('+447973100005').length, { timeout: 5000 }).toBe(1);
    expect(received('+447973100005')[0]).toMatchObject({ text: '(Camera 2) motion at gate' });
    expect(lines.filter((l) => l['event'] === 'mail.attachment.ignored')).toEqual([
      expect.objectContaining({ user: 'alerts@localhost', contentType: 'image/png', filename: 'snap.png' }),
    ]);
  });
});
