/*
 * SPEC 7, 8 end to end in process: a mail asking for a delivery confirmation goes out with
 * TP-SRR set, the simulated modem answers each part with a status report (+CDS, or +CDSI read
 * with AT+CMGR), and the queue records each segment, then the message, as delivered.
 */
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { decodeSubmitTpdu } from '../../../src/encode/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice, type SimFault } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';
import { WAIT_MS } from '../../helpers/wait.js';

describe('status reports through the gateway', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  async function start(fault: SimFault, statusReportStatus?: number): Promise<{ port: number; device: SimDevice }> {
    const dir = tempDir();
    const device = new SimDevice({ now: Date.now, faults: [fault], statusReportDelayMs: 5, ...(statusReportStatus === undefined ? {} : { statusReportStatus }) });
    const config = parseConfigText(`domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\n`, join(dir, 'c.yaml'));
    gateway = await startGateway({ config, logger: silentLogger(), transportOverrides: { simDevices: new Map([['sim', device]]) } });
    return { port: gateway.listening[0]!.port, device };
  }

  async function send(port: number, mail: nodemailer.SendMailOptions): Promise<string> {
    const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const info = await client.sendMail({ from: 'alerts@localhost', ...mail });
    const qid = /queued as (\S+)/.exec(info.response)?.[1];
    if (qid === undefined) throw new Error(`no queue id in ${info.response}`);
    return qid;
  }

  it('marks both parts and the message delivered after a Return-Receipt-To mail gets its +CDS reports', async () => {
    const { port, device } = await start('status-report');
    const qid = await send(port, {
      to: '+447973100002@sms.test', subject: 'Backup', text: 'nightly backup finished '.repeat(8), headers: { 'Return-Receipt-To': 'alerts@localhost' },
    });
    await expect.poll(() => gateway!.queue.show(qid).state, { timeout: WAIT_MS }).toBe('delivered');
    const shown = gateway!.queue.show(qid);
    expect(shown.parts.map((p) => [p.seq, p.state, p.lastStatus])).toEqual([[1, 'delivered', '2.0.0'], [2, 'delivered', '2.0.0']]);
    expect(shown.parts.every((p) => p.finalAt !== null)).toBe(true);
    // Every part went out asking for the report (TP-SRR, TS 23.040 §9.2.3.5).
    expect(device.received().map((r) => decodeSubmitTpdu(r.tpduHex).statusReport)).toEqual([true, true]);
  });

  it('marks the message delivered from a +CDSI report the modem stored', async () => {
    const { port } = await start('status-report-stored');
    const qid = await send(port, { to: '+447973100003@sms.test', subject: 'Disk', text: 'full', headers: { 'Disposition-Notification-To': 'alerts@localhost' } });
    await expect.poll(() => gateway!.queue.show(qid).state, { timeout: WAIT_MS }).toBe('delivered');
    expect(gateway!.queue.show(qid).parts[0]?.state).toBe('delivered');
  });

  it('marks the message expired when the report says the validity period expired (TP-ST 0x46)', async () => {
    const { port } = await start('status-report', 0x46);
    const qid = await send(port, { to: '+447973100004@sms.test', subject: 'Fan', text: 'stopped', headers: { 'Return-Receipt-To': 'alerts@localhost' } });
    await expect.poll(() => gateway!.queue.show(qid).state, { timeout: WAIT_MS }).toBe('expired');
    expect(gateway!.queue.show(qid).parts[0]).toMatchObject({ state: 'expired', lastStatus: '4.4.7', lastDiagnostic: 'TP-ST 0x46 SM validity period expired' });
  });

  it('leaves a message that asked for no confirmation at sent: no TP-SRR, no report', async () => {
    const { port, device } = await start('status-report');
    const qid = await send(port, { to: '+447973100005@sms.test', subject: 'Info', text: 'no receipt wanted' });
    await expect.poll(() => gateway!.queue.show(qid).state, { timeout: WAIT_MS }).toBe('sent');
    // A report for it would leave the modem before the report of a mail sent after it.
    const later = await send(port, { to: '+447973100006@sms.test', subject: 'Info', text: 'receipt wanted', headers: { 'Return-Receipt-To': 'alerts@localhost' } });
    await expect.poll(() => gateway!.queue.show(later).state, { timeout: WAIT_MS }).toBe('delivered');
    expect(gateway!.queue.show(qid).state).toBe('sent');
    expect(decodeSubmitTpdu(device.received()[0]!.tpduHex).statusReport).toBe(false);
  });
});
