/*
 * Delivery status notifications through the whole gateway (SPEC 8): a mail over real SMTP with
 * NOTIFY=SUCCESS,FAILURE and ENVID, the real driver on the simulated modem sending +CDS reports,
 * and the notice handed over SMTP to a smarthost on loopback; a failure notice after a permanent
 * +CMS ERROR; none for NOTIFY=NEVER.
 */
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';
import { startSmarthost, type ReceivedMail, type Smarthost } from '../../helpers/smarthost.js';
import { WAIT_MS } from '../../helpers/wait.js';

/** The delivery-status fields as mailparser gives them (with the human-readable part, as text). */
function statusFields(mail: ReceivedMail): string {
  return mail.parsed.text ?? '';
}

describe('delivery status notifications through the gateway', () => {
  let gateway: Gateway;
  let smarthost: Smarthost;
  let device: SimDevice;
  let port: number;

  beforeAll(async () => {
    const dir = tempDir();
    smarthost = await startSmarthost();
    device = new SimDevice({ now: Date.now, faults: ['status-report'], statusReportDelayMs: 5 });
    const config = parseConfigText(
      `domain: sms.test\nhostname: gw.sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nsmarthost: { host: 127.0.0.1, port: ${smarthost.port} }\n`,
      join(dir, 'c.yaml'),
    );
    gateway = await startGateway({ config, logger: silentLogger(), transportOverrides: { simDevices: new Map([['sim', device]]) }, dsnPollMs: 100 });
    port = gateway.listening[0]!.port;
  });
  afterAll(async () => {
    await gateway?.stop();
    await smarthost?.stop();
  });

  const send = (to: string, subject: string, notify: Array<'SUCCESS' | 'FAILURE'> | 'NEVER', envid?: string) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
      .sendMail({ from: 'alerts@localhost', to, subject, text: 'rack 4 over temperature', dsn: { notify, ...(envid ? { id: envid } : {}) } });

  it('mails the sender a success notice, from <>, naming the recipient as given, the envelope id and the original headers', async () => {
    await send('+447973100000@sms.test', 'Rack 4', ['SUCCESS', 'FAILURE'], 'ENV-0001');
    const mail = await smarthost.waitForMail((m) => m.parsed.subject?.includes('+447973100000') ?? false, WAIT_MS);
    expect(mail.mailFrom).toBe('');
    expect(mail.rcptTo).toEqual(['alerts@localhost']);
    const fields = statusFields(mail);
    expect(fields).toContain('Reporting-MTA: dns; gw.sms.test');
    expect(fields).toContain('Original-Envelope-Id: ENV-0001');
    expect(fields).toContain('Final-Recipient: rfc822; +447973100000@sms.test\nAction: delivered\nStatus: 2.0.0');
    const headers = mail.parsed.attachments.find((a) => a.contentType === 'text/rfc822-headers')?.content.toString() ?? '';
    expect(headers).toMatch(/^Subject: Rack 4\r$/m);
    const qid = gateway.queue.list().find((m) => m.to === '+447973100000')!.id;
    await expect.poll(() => gateway.queue.show(qid).notice?.state).toBe('sent');
    expect(gateway.queue.show(qid).notice).toMatchObject({ attempts: 1, lastError: null, at: expect.any(String) });
  });

  it('mails a failure notice when the network refuses the number for good', async () => {
    device.setFault('cms-error:1');
    await send('+447973100001@sms.test', 'Rack 5', ['FAILURE']);
    const mail = await smarthost.waitForMail((m) => m.parsed.subject?.includes('+447973100001') ?? false, WAIT_MS);
    const fields = statusFields(mail);
    expect(fields).toContain('Final-Recipient: rfc822; +447973100001@sms.test\nAction: failed\nStatus: 5.1.1');
    expect(fields).toContain('Diagnostic-Code: X-mail2sms; +CMS ERROR: 1 (unassigned (unallocated) number)');
  });

  it('sends no notice for NOTIFY=NEVER, even for a failure', async () => {
    device.setFault('cms-error:1');
    await send('+447973100002@sms.test', 'Rack 6', 'NEVER');
    await expect.poll(() => gateway.queue.list().find((m) => m.to === '+447973100002')?.state, { timeout: WAIT_MS }).toBe('failed');
    // The notifier has looked since: the notice of a failure after it has gone out.
    device.setFault('cms-error:1');
    await send('+447973100003@sms.test', 'Rack 7', ['FAILURE']);
    await smarthost.waitForMail((m) => m.parsed.subject?.includes('+447973100003') ?? false, WAIT_MS);
    expect(smarthost.received.filter((m) => m.parsed.subject?.includes('+447973100002'))).toEqual([]);
    const qid = gateway.queue.list().find((m) => m.to === '+447973100002')!.id;
    expect(gateway.queue.show(qid).notice?.state).toBe('none');
  });
});
