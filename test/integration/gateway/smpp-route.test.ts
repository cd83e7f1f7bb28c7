/*
 * An SMPP route through the whole gateway: mail in over real SMTP (nodemailer), out as
 * submit_sm over real TCP to the test SMSC (test/helpers/smsc.ts), receipts back as deliver_sm,
 * notices to a smarthost on loopback. What each submit_sm carries is read from the PDUs the
 * SMSC decoded, not from our own encoder.
 */
import nodemailer from 'nodemailer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { tempDir } from '../../helpers/daemon.js';
import { startSmarthost, type Smarthost } from '../../helpers/smarthost.js';
import { TestSmsc } from '../../helpers/smsc.js';
import { WAIT_MS } from '../../helpers/wait.js';

/** The operator-logo example of the x-smpp encapsulation source document (seed 003 §3.2). */
const SEED_LOGO_HEX =
  '0605041582158202f2f500480e010000800000000000000000 7000e1e1c0000000001f012212200000000007c22494900000000003faa9f4 ' +
  'd00000000000fcaa0460000000000079920610000000000039926790000000 00003011a9d0000000000033883820000000000033ccfc4000000000007fff ' +
  'ffc000000001c1fffffffc00000000000000003f8000';

describe('an SMPP route through the gateway', () => {
  let gateway: Gateway;
  let smsc: TestSmsc;
  let smarthost: Smarthost;
  let port: number;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const dir = tempDir();
    smsc = await TestSmsc.start();
    smsc.faults.password = 'secret';
    smarthost = await startSmarthost();
    writeFileSync(join(dir, 'smpp.pass'), 'secret\n');
    const config = parseConfigText(
      `domain: sms.test
hostname: gw.sms.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }
smarthost: { host: 127.0.0.1, port: ${smarthost.port} }
http: { listen: "127.0.0.1:0" }
routes:
  - { name: up1, transport: smpp, host: 127.0.0.1, port: ${smsc.port}, system_id: gw1, password_file: ${join(dir, 'smpp.pass')}, window: 10, response_timeout: 2s }
`,
      join(dir, 'c.yaml'),
    );
    const logger = createLogger({ level: 'info', destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
    gateway = await startGateway({ config, logger, dsnPollMs: 100 });
    gateway.accounts.setUser('alerts@localhost', { senderId: 'ACME' });
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

  /** short_message as the package's SMSC side decodes it: the UDH's elements, and the text by data_coding (GSM 03.38 table, UTF-16BE) or the octets. */
  const shortMessage = (pdu: Record<string, unknown>): { udh: Buffer; text: string; octets: Buffer | undefined } => {
    const sm = pdu['short_message'] as { message: string | Buffer; udh?: Buffer[] };
    const elements = sm.udh ?? [];
    const udh = elements.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([elements.reduce((n, e) => n + e.length, 0)]), ...elements]);
    return typeof sm.message === 'string' ? { udh, text: sm.message, octets: undefined } : { udh, text: '', octets: sm.message };
  };

  it('binds with the password file and says the route is ready', async () => {
    await expect.poll(() => gateway.transports[0]!.health().ready, { timeout: WAIT_MS }).toBe(true);
    expect(smsc.received('bind_transceiver')[0]).toMatchObject({ system_id: 'gw1', password: 'secret' });
  });

  it('sends GSM text as data_coding 0, one septet per octet, to TON 1 / NPI 1, from the user\'s sender ID', async () => {
    await mail('+447973100000@sms.test', 'Disk 91% full @db1 €');
    const [pdu] = await smsc.submitsTo('447973100000', 1);
    expect(pdu).toMatchObject({ dest_addr_ton: 1, dest_addr_npi: 1, data_coding: 0, esm_class: 0, source_addr: 'ACME', source_addr_ton: 5, source_addr_npi: 0 });
    // The SMSC gives up when the queue would: the account's 24 h validity, relative (the package reads it as a Date).
    const validUntil = (pdu!['validity_period'] as Date).getTime();
    expect(validUntil).toBeGreaterThan(Date.now() + 23.9 * 3600_000);
    expect(validUntil).toBeLessThanOrEqual(Date.now() + 24 * 3600_000 + 120_000);
    expect(pdu!['priority_flag']).toBe(0);
    // Read by the GSM 03.38 table: an ASCII '@' (0x40) would read as '¡', a Latin-1 '€' not at all.
    expect(shortMessage(pdu!).text).toBe('Disk 91% full @db1 €');
  });

  it('sends a text past 160 GSM characters as two parts with an 8-bit concatenation UDH and esm_class 0x40, priority 1 for an urgent mail', async () => {
    const text = `Price alert ${'x'.repeat(170)}`;
    await mail('+447973100001@sms.test', text, { priority: 'high' });
    const parts = await smsc.submitsTo('447973100001', 2);
    const udhs = parts.map((p) => shortMessage(p).udh);
    expect(parts.map((p) => p['esm_class'])).toEqual([0x40, 0x40]);
    expect(parts.map((p) => p['priority_flag'])).toEqual([1, 1]);
    expect(udhs[0]!.subarray(0, 3)).toEqual(Buffer.from([0x05, 0x00, 0x03]));
    expect(udhs.map((u) => [u[3], u[4], u[5]])).toEqual([[udhs[0]![3], 2, 1], [udhs[0]![3], 2, 2]]);
    expect(parts.map((p) => shortMessage(p).text).join('')).toBe(text);
  });

  it('sends Japanese as UCS-2, data_coding 8, and keeps an emoji whole across a part boundary', async () => {
    await mail('+818012345678@sms.test', 'サーバーが停止しました');
    const [jp] = await smsc.submitsTo('818012345678', 1);
    expect(jp!['data_coding']).toBe(8);
    expect(shortMessage(jp!).text).toBe('サーバーが停止しました');

    const text = `${'あ'.repeat(66)}😀${'い'.repeat(10)}`;
    await mail('+818012345679@sms.test', text);
    const parts = await smsc.submitsTo('818012345679', 2);
    const texts = parts.map((p) => shortMessage(p).text);
    expect(texts.join('')).toBe(text);
    expect(texts[1]!.startsWith('😀')).toBe(true);
  });

  it('maps an x-smpp encapsulated mail field for field (the operator logo)', async () => {
    await mail('+447973100002@sms.test', 'ignored', {
      headers: { 'x-smpp-short-message': SEED_LOGO_HEX, 'x-smpp-esm-class': '64', 'x-smpp-protocol-id': '0', 'x-smpp-data-coding': '245' },
    });
    const [pdu] = await smsc.submitsTo('447973100002', 1);
    expect(pdu).toMatchObject({ esm_class: 0x40, protocol_id: 0, data_coding: 245 });
    const { udh, octets } = shortMessage(pdu!);
    expect(Buffer.concat([udh, octets ?? Buffer.alloc(0)]).toString('hex')).toBe(SEED_LOGO_HEX.replace(/ /g, ''));
  });

  it('turns a DELIVRD receipt (TLVs, decimal id against a hex submit_sm_resp id) into a success notice', async () => {
    smsc.faults.receipts = { format: 'tlv', id: 'dec', where: 'same' };
    await mail('+447973100003@sms.test', 'rack 4 over temperature', { subject: 'Rack 4', dsn: { notify: ['SUCCESS', 'FAILURE'] } });
    const notice = await smarthost.waitForMail((m) => m.parsed.subject?.includes('+447973100003') ?? false, WAIT_MS);
    expect(notice.parsed.text).toContain('Action: delivered\nStatus: 2.0.0');
    const qid = gateway.queue.list().find((m) => m.to === '+447973100003')!.id;
    expect(gateway.queue.show(qid).state).toBe('delivered');
  });

  it('turns an UNDELIV receipt (text only, upper-case hex id) into a failure notice, with no success notice asked for', async () => {
    smsc.faults.receipts = { format: 'text', id: 'HEX', where: 'same', stat: 'UNDELIV' };
    await mail('+447973100004@sms.test', 'rack 5 over temperature', { subject: 'Rack 5' });
    const [pdu] = await smsc.submitsTo('447973100004', 1);
    expect(pdu!['registered_delivery']).toBe(1);
    const notice = await smarthost.waitForMail((m) => m.parsed.subject?.includes('+447973100004') ?? false, WAIT_MS);
    expect(notice.parsed.text).toContain('Action: failed');
    expect(notice.parsed.text).toContain('stat:UNDELIV');
  });

  it('fails a number the SMSC refuses for good, and says the SMPP status in the notice', async () => {
    smsc.faults.statusByDestination = { '447973100005': 0x0b };
    await mail('+447973100005@sms.test', 'x');
    const notice = await smarthost.waitForMail((m) => m.parsed.subject?.includes('+447973100005') ?? false, WAIT_MS);
    expect(notice.parsed.text).toContain('ESME_RINVDSTADR (0x0000000B)');
    expect(notice.parsed.text).toMatch(/Status: 5\.1\.\d/);
  });

  it('shows the route, its window and its receipts in /healthz and /metrics', async () => {
    const base = `http://127.0.0.1:${gateway.http!.port}`;
    const health = (await (await fetch(`${base}/healthz`)).json()) as { routes: Record<string, unknown>[] };
    expect(health.routes).toEqual([expect.objectContaining({ name: 'up1', kind: 'smpp', ready: true, state: 'ready', window: { inUse: 0, size: 10 } })]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('mail2sms_route_ready{route="up1",kind="smpp"} 1');
    expect(metrics).toContain('mail2sms_route_window_size{route="up1"} 10');
    expect(metrics).toContain('mail2sms_route_window_in_use{route="up1"} 0');
    expect(metrics).toMatch(/mail2sms_status_reports_total\{route="up1",state="delivered"\} [1-9]/);
    expect(metrics).toMatch(/mail2sms_status_reports_total\{route="up1",state="failed"\} [1-9]/);
  });

  it('slows down on ESME_RTHROTTLED and sends everything, no attempt counted for a throttled submit', async () => {
    smsc.faults.throttlePerSecond = 5;
    for (let i = 0; i < 12; i += 1) await mail(`+4479731002${String(i).padStart(2, '0')}@sms.test`, `throttle ${i}`);
    await expect.poll(() => gateway.queue.list().filter((m) => m.to.startsWith('+4479731002') && m.state === 'sent').length, { timeout: 20_000 }).toBe(12);
    const throttled = smsc.received('submit_sm').length;
    expect(throttled).toBeGreaterThan(12);
    for (const m of gateway.queue.list().filter((x) => x.to.startsWith('+4479731002'))) {
      expect(gateway.queue.show(m.id).parts[0]!.attempts).toBe(1);
    }
    expect(lines.some((l) => l['event'] === 'route.throttled')).toBe(true);
  }, 30_000);
});
