/*
 * Two-way (SPEC 10, issue 14): an alert goes out over real SMTP through the real modem driver
 * on the simulated modem; the phone answers; the answer is read from the SIM (+CMTI, AT+CMGR,
 * AT+CMGD), committed, and mailed through a smarthost on loopback, threaded to the alert and to
 * the alert's sender. Also: a long UCS-2 answer, an SMS that answers no alert, an SMS that came
 * while the gateway was stopped, a smarthost that is down, an SMSC's MO deliver_sm.
 */
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';
import { startSmarthost, type Smarthost } from '../../helpers/smarthost.js';
import { TestSmsc } from '../../helpers/smsc.js';
import { until, WAIT_MS } from '../../helpers/wait.js';

const quiet = createLogger({ level: 'silent' });

interface Rig {
  readonly gateway: Gateway;
  readonly device: SimDevice;
  readonly smarthost: Smarthost;
  readonly dir: string;
  readonly port: number;
  readonly config: ReturnType<typeof parseConfigText>;
}

const rigs: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of rigs.splice(0).reverse()) await stop();
});

async function rig(options: { extra?: string; device?: SimDevice; smarthost?: Smarthost; dir?: string } = {}): Promise<Rig> {
  const dir = options.dir ?? tempDir();
  const smarthost = options.smarthost ?? (await startSmarthost());
  const device = options.device ?? new SimDevice({ now: Date.now });
  const config = parseConfigText(
    `domain: sms.test\nhostname: gw.sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nsmarthost: { host: 127.0.0.1, port: ${smarthost.port} }\n${options.extra ?? ''}`,
    join(dir, 'c.yaml'),
  );
  const gateway = await startGateway({ config, logger: quiet, transportOverrides: { simDevices: new Map([['sim', device]]) }, inboundPollMs: 100, inboundRetryMs: 200 });
  rigs.push(async () => {
    await gateway.stop();
    if (!options.smarthost) await smarthost.stop();
  });
  return { gateway, device, smarthost, dir, port: gateway.listening[0]!.port, config };
}

function sendAlert(port: number, to: string, subject: string, messageId: string, replyTo?: string) {
  return nodemailer
    .createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
    .sendMail({ from: 'alerts@localhost', to, subject, text: 'db1 disk 97% full', messageId, ...(replyTo ? { replyTo } : {}) });
}

describe('an answer to an alert becomes a mail in the alert\'s thread', () => {
  it('"ack 42" from the phone reaches the alert\'s Reply-To, From +<number>@domain, In-Reply-To the alert, Subject Re: the alert\'s', async () => {
    const { gateway, device, smarthost, port } = await rig();
    await sendAlert(port, '+447973100000@sms.test', '[FIRING:1] DiskFull db1', '<alert-42@alertmanager.test>', 'oncall@example.test');
    await until(() => gateway.queue.list().some((m) => m.to === '+447973100000' && m.state === 'sent'), 'the alert sent', WAIT_MS);
    device.deliverMo({ from: '+447973100000', text: 'ack 42' });
    const mail = await smarthost.waitForMail((m) => m.parsed.text?.startsWith('ack 42') ?? false, WAIT_MS);
    expect(mail.mailFrom).toBe('+447973100000@sms.test');
    expect(mail.rcptTo).toEqual(['oncall@example.test']);
    expect(mail.parsed.from?.value[0]?.address).toBe('+447973100000@sms.test');
    expect(mail.parsed.subject).toBe('Re: [FIRING:1] DiskFull db1');
    expect(mail.parsed.inReplyTo).toBe('<alert-42@alertmanager.test>');
    expect(mail.parsed.references).toBe('<alert-42@alertmanager.test>');
    await until(() => gateway.inbound.list({ limit: 1 })[0]?.state === 'mailed', 'marked mailed', WAIT_MS);
    const [sms] = gateway.inbound.list({ limit: 10 });
    expect(sms).toMatchObject({ state: 'mailed', sender: '+447973100000', text: 'ack 42', mailTo: ['oncall@example.test'] });
    // Committed, then deleted from the SIM: nothing is left to fill it.
    await until(() => device.stored().length === 0, 'the SIM store emptied', WAIT_MS);
  });

  it('a long UCS-2 answer with an emoji is put together from its parts', async () => {
    const { gateway, device, smarthost, port } = await rig();
    await sendAlert(port, '+447973100001@sms.test', 'Rack 4 hot', '<alert-43@monit.test>');
    await until(() => gateway.queue.list().some((m) => m.to === '+447973100001' && m.state === 'sent'), 'the alert sent', WAIT_MS);
    const text = `${'取り込み中です。'.repeat(20)} 👍 on my way`;
    device.deliverMo({ from: '+447973100001', text });
    const mail = await smarthost.waitForMail((m) => m.parsed.subject === 'Re: Rack 4 hot', WAIT_MS);
    expect(mail.rcptTo).toEqual(['alerts@localhost']);
    expect(mail.parsed.text?.startsWith(text)).toBe(true);
    expect(gateway.inbound.list({ limit: 1 })[0]).toMatchObject({ partsTotal: 3, encoding: 'ucs2' });
  });
});

describe('an SMS that answers no alert', () => {
  it('goes to the box-wide inbound address, unthreaded', async () => {
    const { device, smarthost } = await rig({ extra: 'inbound: desk@example.test\n' });
    device.deliverMo({ from: '+447973100009', text: 'who is this?' });
    const mail = await smarthost.waitForMail((m) => m.parsed.text?.startsWith('who is this?') ?? false, WAIT_MS);
    expect(mail.rcptTo).toEqual(['desk@example.test']);
    expect(mail.parsed.subject).toBe('SMS from +447973100009');
    expect(mail.parsed.inReplyTo).toBeUndefined();
  });

  it('with no address anywhere it is held, and mailed after a restart that configures one', async () => {
    const smarthost = await startSmarthost();
    const dir = tempDir();
    const device = new SimDevice({ now: Date.now });
    const first = await rig({ smarthost, dir, device });
    device.deliverMo({ from: '+447973100010', text: 'nobody home' });
    await until(() => first.gateway.inbound.list({ limit: 1 })[0]?.state === 'held', 'held', WAIT_MS);
    await rigs.pop()?.();
    await rig({ smarthost, dir, device, extra: 'inbound: desk@example.test\n' });
    const mail = await smarthost.waitForMail((m) => m.parsed.text?.startsWith('nobody home') ?? false, WAIT_MS);
    expect(mail.rcptTo).toEqual(['desk@example.test']);
    await smarthost.stop();
  });
});

describe('a long SMS whose parts do not all come', () => {
  it('is mailed after inbound_part_wait with what came, naming the missing part', async () => {
    const { gateway, device, smarthost } = await rig({ extra: 'inbound: desk@example.test\ninbound_part_wait: 300ms\n' });
    const probe = new SimDevice({ now: Date.now });
    const [first] = probe.deliverMo({ from: '+447973100060', text: `${'part one of a long answer, '.repeat(6)}and the end` });
    device.deliverTpdu(first as string);
    const mail = await smarthost.waitForMail((m) => m.parsed.text?.includes('[part 2 of 2 missing]') ?? false, WAIT_MS);
    expect(mail.parsed.text).toMatch(/^part one of a long answer/);
    expect(mail.parsed.text).toContain('Incomplete: part 2 of 2 never arrived');
    await until(() => gateway.inbound.list({ limit: 1 })[0]?.state === 'mailed', 'mailed', WAIT_MS);
    expect(gateway.inbound.list({ limit: 1 })[0]).toMatchObject({ partsTotal: 2, partsMissing: [2] });
  });
});

describe('/metrics counts received SMS', () => {
  it('parts by route and result, mails by outcome, SMS kept by state', async () => {
    const { gateway, device, smarthost } = await rig({ extra: 'inbound: desk@example.test\nhttp: { listen: "127.0.0.1:0" }\n' });
    const pdus = device.deliverMo({ from: '+447973100050', text: 'metrics please' });
    await smarthost.waitForMail((m) => m.parsed.text?.startsWith('metrics please') ?? false, WAIT_MS);
    // The same PDU again (a network resend): kept once, counted as a duplicate.
    device.deliverTpdu(pdus[0] as string);
    await until(() => gateway.inbound.list({ limit: 5 }).length === 1 && gateway.inbound.list({ limit: 1 })[0]?.state === 'mailed', 'mailed once', WAIT_MS);
    const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${gateway.http!.port}/metrics`)).text();
    await expect.poll(scrape, { timeout: WAIT_MS }).toContain('mail2sms_inbound_parts_total{route="sim",result="duplicate"} 1');
    const text = await scrape();
    expect(text).toContain('mail2sms_inbound_parts_total{route="sim",result="new"} 1');
    expect(text).toContain('mail2sms_inbound_mails_total{outcome="mailed"} 1');
    expect(text).toContain('mail2sms_inbound_sms{state="mailed"} 1');
  });
});

describe('nothing received is lost', () => {
  it('an SMS that arrived while the gateway was stopped is read at start and mailed', async () => {
    const smarthost = await startSmarthost();
    const dir = tempDir();
    const device = new SimDevice({ now: Date.now });
    await rig({ smarthost, dir, device, extra: 'inbound: desk@example.test\n' });
    await rigs.pop()?.();
    device.deliverMo({ from: '+447973100020', text: 'sent while you slept' });
    await rig({ smarthost, dir, device, extra: 'inbound: desk@example.test\n' });
    const mail = await smarthost.waitForMail((m) => m.parsed.text?.startsWith('sent while you slept') ?? false, WAIT_MS);
    expect(mail.rcptTo).toEqual(['desk@example.test']);
    await smarthost.stop();
  });

  it('a smarthost that is down is tried again until it takes the mail', async () => {
    const down = await startSmarthost();
    const port = down.port;
    await down.stop();
    const dir = tempDir();
    const { gateway, device } = await rig({ dir, extra: 'inbound: desk@example.test\n', smarthost: { port } as Smarthost });
    device.deliverMo({ from: '+447973100030', text: 'are you there' });
    await until(() => (gateway.inbound.list({ limit: 1 })[0]?.attempts ?? 0) >= 1, 'a failed attempt', WAIT_MS);
    expect(gateway.inbound.list({ limit: 1 })[0]).toMatchObject({ state: 'received', lastError: expect.stringContaining('ECONNREFUSED') });
    const up = await startSmarthost({ port });
    try {
      const mail = await up.waitForMail((m) => m.parsed.text?.startsWith('are you there') ?? false, WAIT_MS);
      expect(mail.rcptTo).toEqual(['desk@example.test']);
      await until(() => gateway.inbound.list({ limit: 1 })[0]?.state === 'mailed', 'mailed', WAIT_MS);
    } finally {
      await rigs.pop()?.();
      await up.stop();
    }
  });
});

describe('an SMS from a phone through an SMPP bind', () => {
  let smsc: TestSmsc;
  beforeAll(async () => {
    smsc = await TestSmsc.start();
  });
  afterAll(async () => smsc?.close());

  it('is committed before deliver_sm_resp and mailed; the same deliver_sm again is kept once', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'pw'), 'secret\n');
    const { gateway, smarthost } = await rig({
      dir,
      extra: `inbound: desk@example.test\nroutes:\n  - { name: up1, transport: smpp, host: 127.0.0.1, port: ${smsc.port}, system_id: gw, password_file: ${join(dir, 'pw')}, mode: receiver }\n  - { name: sim, transport: sim }\n`,
    });
    await until(() => smsc.binds.some((b) => b.mode === 'receiver'), 'bound as receiver', WAIT_MS);
    const fields = { source_addr_ton: 1, source_addr_npi: 1, source_addr: '447973100040', destination_addr: '12345', data_coding: 0, short_message: Buffer.from([0x6f, 0x6b, 0x20, 0x00]) };
    await expect(smsc.deliver(fields)).resolves.toMatchObject({ command_status: 0 });
    await expect(smsc.deliver(fields)).resolves.toMatchObject({ command_status: 0 });
    const mail = await smarthost.waitForMail((m) => m.parsed.text?.startsWith('ok @') ?? false, WAIT_MS);
    expect(mail.mailFrom).toBe('+447973100040@sms.test');
    expect(gateway.inbound.list({ limit: 10 }).filter((s) => s.sender === '+447973100040')).toHaveLength(1);
  });
});
