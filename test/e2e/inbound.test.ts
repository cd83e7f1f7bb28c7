/*
 * Two-way end to end (issue 14): the built daemon sends an alert through the simulated modem on
 * a pty (its own process, so it outlives the daemon); the phone answers "ack 42"; a real SMTP
 * server on loopback gets the answer threaded to the alert, addressed to the alert's sender.
 * Then SMS arrive while the daemon is stopped, more than the SIM store holds: after the start
 * every one is mailed, the store is emptied, and `inbox list` shows each as mailed.
 */
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig, type LogLine, type Proc } from '../helpers/daemon.js';
import { stablePort } from '../helpers/ports.js';
import { startSimPty, type SimProcess } from '../helpers/sim-pty.js';
import { startSmarthost, type Smarthost } from '../helpers/smarthost.js';
import { until } from '../helpers/wait.js';

const WAIT = 30_000;
const PORT = await stablePort();

describe('an answer by SMS reaches whoever sent the alert, and nothing received is lost', () => {
  const dir = tempDir('mail2sms-inbound-');
  let sim: SimProcess;
  let smarthost: Smarthost;
  let config: string;
  const lives: Proc[] = [];

  const start = async (): Promise<Proc> => {
    const gw = runCli(['start', '--config', config]);
    lives.push(gw);
    await gw.waitFor((l) => l.event === 'transport.ready', WAIT, 'transport.ready');
    return gw;
  };

  beforeAll(async () => {
    smarthost = await startSmarthost();
    sim = await startSimPty(join(dir, 'modem'), ['--store', '3']);
    config = writeConfig(dir, `domain: sms.test
hostname: gw.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:${PORT}", greeting_delay_ms: 0 }
smarthost: { host: 127.0.0.1, port: ${smarthost.port} }
inbound: desk@example.test
routes:
  - { name: gsm1, transport: modem, path: ${sim.path}, baud: 115200 }
`);
  }, 60_000);

  afterAll(async () => {
    for (const gw of lives) await gw.stop();
    await sim?.stop();
    await smarthost?.stop();
  });

  it('"ack 42" is mailed to the alert\'s Reply-To in the alert\'s thread', async () => {
    const gw = await start();
    await nodemailer.createTransport({ host: '127.0.0.1', port: PORT, secure: false, ignoreTLS: true }).sendMail({
      from: 'alerts@localhost', to: '+447973100000@sms.test', replyTo: 'oncall@example.test',
      subject: '[FIRING:1] DiskFull db1', messageId: '<firing-1@alertmanager.test>', text: 'db1 /var 97% full',
    });
    await sim.waitForCount(1, WAIT);
    sim.sendMo('+447973100000', 'ack 42');
    const mail = await smarthost.waitForMail((m) => m.parsed.text?.startsWith('ack 42') ?? false, WAIT);
    expect(mail.rcptTo).toEqual(['oncall@example.test']);
    expect(mail.mailFrom).toBe('+447973100000@sms.test');
    expect(mail.parsed.subject).toBe('Re: [FIRING:1] DiskFull db1');
    expect(mail.parsed.inReplyTo).toBe('<firing-1@alertmanager.test>');
    await gw.waitFor((l: LogLine) => l.event === 'inbound.mailed', WAIT, 'inbound.mailed');
    expect(gw.unexpectedErrors()).toEqual([]);
  }, 90_000);

  it('five SMS sent while the daemon was stopped, into a store of three, are all mailed after the start', async () => {
    await lives.at(-1)?.stop();
    const texts = [1, 2, 3, 4, 5].map((n) => `while you slept ${n}`);
    texts.forEach((t, i) => sim.sendMo(`+44797310010${i}`, t));
    await until(() => sim.mo.length === 6, 'the sim delivered the five', WAIT);
    // Three fill the SIM; the network holds the other two until places free up.
    expect(sim.mo.at(-1)).toMatchObject({ held: 2 });
    const gw = await start();
    for (const text of texts) {
      const mail = await smarthost.waitForMail((m) => m.parsed.text?.startsWith(text) ?? false, WAIT);
      expect(mail.rcptTo).toEqual(['desk@example.test']);
    }
    // Marked mailed once the smarthost's 250 is back: the log says so for each.
    await until(() => gw.lines.filter((l) => l.event === 'inbound.mailed').length === 5, 'five inbound.mailed', WAIT);
    const list = runCli(['inbox', 'list', '--json', '--config', config]);
    await list.exited;
    const rows = JSON.parse(list.stdout.join('')) as Array<{ state: string; text: string }>;
    expect(rows.map((r) => r.state)).toEqual(Array(6).fill('mailed'));
    expect(rows.map((r) => r.text).sort()).toEqual(['ack 42', ...texts].sort());
    expect(gw.unexpectedErrors()).toEqual([]);
  }, 120_000);

  it('inbox show names the sender, the text, where it was mailed and the alert it answered; bad ids and states are said', async () => {
    const list = runCli(['inbox', 'list', '--json', '--state', 'mailed', '--config', config]);
    await list.exited;
    const rows = JSON.parse(list.stdout.join('')) as Array<{ id: string; text: string; answers: string | null }>;
    const ack = rows.find((r) => r.text === 'ack 42');
    expect(ack?.answers).toMatch(/^[0-9A-Z]{16}$/);
    const show = runCli(['inbox', 'show', ack!.id, '--config', config]);
    expect(await show.exited).toMatchObject({ code: 0 });
    const text = show.stdout.join('\n');
    expect(text).toContain('from: +447973100000');
    expect(text).toContain('mailedTo: oncall@example.test');
    expect(text).toContain(`answers: ${ack!.answers}`);
    expect(text).toMatch(/text:\nack 42$/);
    const missing = runCli(['inbox', 'show', 'NOSUCHID', '--config', config]);
    expect(await missing.exited).toMatchObject({ code: 1 });
    expect(missing.stderr.join('\n')).toContain('no received SMS NOSUCHID');
    const badState = runCli(['inbox', 'list', '--state', 'lost', '--config', config]);
    expect(await badState.exited).toMatchObject({ code: 2 });
    expect(badState.stderr.join('\n')).toContain('--state must be one of received, mailed, held, failed, not "lost"');
  }, 60_000);
});
