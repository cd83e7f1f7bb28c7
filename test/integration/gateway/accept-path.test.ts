/*
 * The gateway in process on its default route (the real modem driver over the in-process
 * simulated modem): SPEC 7 "accepted = committed before the 250", the trusted-ip gate (SPEC 3,
 * 12), priority headers, and refusals that leave nothing in the queue.
 */
import Database from 'better-sqlite3';
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { decodeSubmitTpdu } from '../../../src/encode/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';

describe('the gateway on its default simulated modem', () => {
  let gateway: Gateway;
  let device: SimDevice;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = tempDir();
    device = new SimDevice({ now: Date.now });
    const config = parseConfigText(`domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\n`, join(dir, 'c.yaml'));
    gateway = await startGateway({ config, logger: silentLogger(), transportOverrides: { simDevices: new Map([['sim', device]]) } });
    port = gateway.listening[0]!.port;
  });
  afterAll(async () => gateway?.stop());

  const client = (localAddress = '127.0.0.1') => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, localAddress });

  it('has the message committed in the SQLite file when the 250 arrives', async () => {
    const info = await client().sendMail({ from: 'alerts@localhost', to: '+447973100000@sms.test', subject: 'commit', text: 'before 250' });
    const qid = /queued as (\S+)/.exec(info.response)?.[1];
    expect(qid).toBeDefined();
    // a second, independent connection to the file sees the row at once
    const db = new Database(join(dir, 'state', 'mail2sms.db'), { readonly: true });
    try {
      expect(db.prepare('select count(*) as n from messages where id = ?').get(qid)).toEqual({ n: 1 });
      // No smarthost here, so no delivery status notification can be sent: the header block is not kept.
      expect(db.prepare('select rcpt_addr, mail_headers from message_dsn where message_id = ?').get(qid)).toEqual({ rcpt_addr: '+447973100000@sms.test', mail_headers: null });
    } finally {
      db.close();
    }
  });

  it('sends through the real driver to the simulated modem, which decodes the PDU', async () => {
    await client().sendMail({ from: 'alerts@localhost', to: '447973100001@sms.test', subject: 'Temp', text: 'rack 4 at 41°C' });
    const forThisNumber = () => device.received().map((r) => decodeSubmitTpdu(r.tpduHex)).filter((d) => d.destination === '+447973100001');
    await expect.poll(() => forThisNumber().length, { timeout: 5000 }).toBe(1);
    // ° is not in GSM 03.38, so the whole text goes as UCS-2
    expect(forThisNumber()[0]).toMatchObject({ encoding: 'ucs2', text: '(Temp) rack 4 at 41°C' });
  });

  it('refuses a client outside the allowed addresses at connect with 554 5.7.1', async () => {
    await expect(client('127.0.0.2').sendMail({ from: 'alerts@localhost', to: '+447973100000@sms.test', text: 'x' })).rejects.toMatchObject({
      responseCode: 554,
      response: expect.stringContaining('5.7.1 Client host 127.0.0.2 is not allowed'),
    });
  });

  it('refuses more segments than the account allows at DATA with 552 5.3.4 and queues nothing, under overflow: refuse', async () => {
    gateway.accounts.setAccount('default', { overflow: 'refuse' });
    try {
      const count = gateway.queue.list().length;
      await expect(client().sendMail({ from: 'alerts@localhost', to: '+447973100000@sms.test', text: 'y'.repeat(153 * 10 + 1) })).rejects.toMatchObject({
        responseCode: 552,
        response: expect.stringContaining('5.3.4'),
      });
      expect(gateway.queue.list().length).toBe(count);
    } finally {
      gateway.accounts.setAccount('default', { overflow: 'truncate' });
    }
  });

  it('cuts a text over the account\'s segments to fit under the default overflow: truncate, and the phone gets every part (issue 11)', async () => {
    const to = '+447973100009';
    const text = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const info = await client().sendMail({ from: 'alerts@localhost', to: `${to}@sms.test`, text });
    expect(info.response).toMatch(/^250 /);
    const parts = (): string[] => device.received().map((r) => decodeSubmitTpdu(r.tpduHex)).filter((d) => d.destination === to).map((d) => d.text);
    await expect.poll(() => parts().length, { timeout: 20_000 }).toBe(10);
    const sent = parts().join('');
    expect(sent.endsWith('...')).toBe(true);
    expect(text.startsWith(`${sent.slice(0, -3)} `)).toBe(true);
  }, 30_000);

  it('keeps what an answer by SMS needs of the alert: its subject, Reply-To and Message-ID (issue 14)', async () => {
    const to = '+447973100020';
    const info = await client().sendMail({
      from: 'alerts@localhost', to: `${to}@sms.test`, replyTo: '"NOC desk" <noc@example.lan>', messageId: '<alert-1@monitor.example>',
      subject: 'Disk full on db1', text: '/var at 97%',
    });
    const qid = /queued as (\S+)/.exec(info.response)?.[1];
    // Answered only once the phone may have it: after the modem took it.
    await expect.poll(() => gateway.queue.lastAlertTo(to, 0), { timeout: 5000 }).toBeDefined();
    expect(gateway.queue.lastAlertTo(to, 0)).toEqual({
      qid, account: 'default', userEmail: 'alerts@localhost', replyAddr: 'noc@example.lan', subject: 'Disk full on db1',
      messageId: '<alert-1@monitor.example>', createdAt: expect.any(Number),
    });
  });

  it('keeps no Message-ID to thread to when the alert had none, and answers its From when its Reply-To is no address (issue 14)', async () => {
    const to = '+447973100021';
    const raw = ['From: alerts@localhost', `To: ${to}@sms.test`, 'Reply-To: nobody', 'Subject: Pump 3', '', 'stopped', ''].join('\r\n');
    const info = await client().sendMail({ envelope: { from: 'alerts@localhost', to: [`${to}@sms.test`] }, raw });
    const qid = /queued as (\S+)/.exec(info.response)?.[1];
    await expect.poll(() => gateway.queue.lastAlertTo(to, 0), { timeout: 5000 }).toBeDefined();
    expect(gateway.queue.lastAlertTo(to, 0)).toMatchObject({ qid, replyAddr: 'alerts@localhost', subject: 'Pump 3', messageId: undefined });
    const db = new Database(join(dir, 'state', 'mail2sms.db'), { readonly: true });
    try {
      const row = db.prepare('select mail_id, mail_message_id from messages where id = ?').get(qid) as { mail_id: string; mail_message_id: string | null };
      // The DSN still groups the mail's messages by an id made up for it; nothing may thread to that one.
      expect(row.mail_id).not.toBe('');
      expect(row.mail_message_id).toBeNull();
    } finally {
      db.close();
    }
  });

  it('refuses an empty mail with 554 5.6.0 nothing to send', async () => {
    await expect(client().sendMail({ from: 'alerts@localhost', to: '+447973100000@sms.test', subject: '', text: '' })).rejects.toMatchObject({
      responseCode: 554,
      response: expect.stringContaining('nothing to send'),
    });
  });
});
