/*
 * The box behind the site's Postfix (issue 15 item 9; README "Behind the site's mail server",
 * docs/scaling.md §2): accounts, `verdict: relay` and the relay's address.
 *
 * Behind a relay the box sees one client address, the relay's. So an account whose `--allow-ip`
 * names the monitoring host (the README's old example) refuses every relayed mail; the account
 * must list the relay's address, and Postfix becomes the gate on who may mail the SMS domain.
 * In `verdict: relay` the box believes the Authentication-Results header with the relay's
 * authserv-id only from the relay's address; the relay must remove such headers from the mail it
 * receives (RFC 8601 §5), which the recipe's header_checks line does, so a forged one is refused.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig, type Proc } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { postfixMissing, startPostfix, type PostfixInstance } from '../helpers/postfix.js';
import { startSimPty, type SimProcess } from '../helpers/sim-pty.js';
import { until } from '../helpers/wait.js';

const DOMAIN = 'sms.test';
const SITE_HOST = '127.0.0.2';
const STRANGER = '127.0.0.3';
const RELAY = '127.0.0.5';
const AUTHSERV_ID = 'mx.test';
/** Mail from this host is not checked by the relay: its address at the relay is its gate. */
const NAGIOS = 'nagios@example.com';
/** This user's mail must carry the relay's DKIM, SPF and DMARC passes. */
const CEO = 'ceo@example.com';
const FORGED = `Authentication-Results: ${AUTHSERV_ID}; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com header.s=sel1; dmarc=pass (p=reject) header.from=example.com`;
const MISSING = postfixMissing();

describe.skipIf(MISSING !== undefined)(`a box behind Debian's Postfix: accounts, verdict relay and the relay's address${MISSING ? ` (skipped: ${MISSING})` : ''}`, () => {
  const dir = tempDir('mail2sms-behind-');
  let config: string;
  let port: number;
  let sim: SimProcess;
  let gateway: Proc;
  let postfix: PostfixInstance;

  async function cli(args: readonly string[]): Promise<void> {
    const p = runCli([...args, '--config', config]);
    const { code } = await p.exited;
    if (code !== 0) throw new Error(`mail2sms ${args.join(' ')} exited ${code}: ${p.stderr.join('\n')}`);
  }

  /** One mail over SMTP from the local address `local` to port `target`: the 250 text, or the refusal. */
  async function mail(target: number, local: string, sender: string, number: string, headers: Record<string, string> = {}): Promise<string> {
    const t = createTransport({ host: '127.0.0.1', port: target, localAddress: local, ignoreTLS: true, socketTimeout: 10_000 });
    try {
      const info = (await t.sendMail({ from: sender, to: `${number}@${DOMAIN}`, subject: 'disk full', text: `on ${number}`, headers })) as { response?: string };
      return info.response ?? '';
    } catch (err) {
      return `refused: ${(err as Error).message}`;
    } finally {
      t.close();
    }
  }

  const qidOf = (reply: string): string => {
    const qid = /queued as ([0-9A-Za-z]+)/.exec(reply)?.[1];
    if (!qid) throw new Error(`not queued: ${reply}`);
    return qid;
  };
  const attempts = (qid: string) => postfix.deliveries().filter((d) => d.qid === qid);
  const smsTo = (number: string): number => sim.received.filter((s) => s.destination === number).length;

  beforeAll(async () => {
    port = await freePort();
    sim = await startSimPty(join(dir, 'modem'), ['--latency-ms', '5']);
    config = writeConfig(dir, `domain: ${DOMAIN}
hostname: box.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:${port}", greeting_delay_ms: 0 }
verdict: relay
relay: { hosts: ["${RELAY}/32"], authserv_id: ${AUTHSERV_ID} }
routes:
  - { name: gsm1, transport: modem, path: ${sim.path}, baud: 115200 }
`);
    // The README's old example: the account lists the monitoring host's own address.
    await cli(['account', 'add', 'noc', '--allow-ip', `${SITE_HOST}/32`]);
    await cli(['user', 'add', NAGIOS, '--account', 'noc', '--dkim', 'FAIL', '--spf', 'FAIL', '--dmarc', 'FAIL']);
    await cli(['user', 'add', CEO, '--account', 'noc', '--dkim', 'PASS', '--spf', 'PASS', '--dmarc', 'PASS']);
    gateway = runCli(['start', '--config', config]);
    await gateway.waitFor((l) => l.event === 'transport.ready', 60_000, 'modem ready');
    postfix = await startPostfix({ domain: DOMAIN, primary: port, siteClients: `${SITE_HOST}/32`, relayAddress: RELAY, authservId: AUTHSERV_ID });
  }, 120_000);

  afterAll(async () => {
    await postfix?.stop();
    await gateway?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an account allowing the monitoring host\'s address refuses its relayed mail (the box sees only the relay); allowing the relay\'s address lets the waiting mail through', async () => {
    const qid = qidOf(await mail(postfix.port, SITE_HOST, NAGIOS, '+447973300001'));
    await until(() => attempts(qid).some((d) => d.status === 'deferred'), 'Postfix deferring the mail the box refused', 30_000);
    expect(attempts(qid)[0]!.reply).toMatch(/refused to talk to me: 554 5\.7\.1/);
    expect(postfix.queued()).toContain(qid);
    expect(smsTo('+447973300001')).toBe(0);

    await cli(['account', 'set', 'noc', '--allow-ip', `${RELAY}/32`]);
    postfix.flush();
    await until(() => attempts(qid).some((d) => d.status === 'sent'), 'the waiting mail handed to the box', 30_000);
    await until(() => smsTo('+447973300001') === 1, 'its SMS', 30_000);
  }, 90_000);

  it('Postfix is now the gate on client addresses: a host outside the site\'s list is refused at RCPT by Postfix', async () => {
    const reply = await mail(postfix.port, STRANGER, NAGIOS, '+447973300002');
    expect(reply).toMatch(/refused: .*554 5\.7\.1 .*Access denied/);
    expect(smsTo('+447973300002')).toBe(0);
  });

  it('verdict relay: a forged Authentication-Results with the relay\'s authserv-id is removed by Postfix, so the box refuses the mail; the same header from the relay\'s address is believed', async () => {
    const qid = qidOf(await mail(postfix.port, SITE_HOST, CEO, '+447973300003', { 'Authentication-Results': FORGED.slice('Authentication-Results: '.length) }));
    await until(() => attempts(qid).some((d) => d.status === 'bounced'), 'the box refusing the mail and Postfix bouncing it', 30_000);
    expect(attempts(qid).find((d) => d.status === 'bounced')!.reply).toMatch(/550 5\.7\.26 /);
    expect(smsTo('+447973300003')).toBe(0);

    // What the header_checks line prevents: the box believes that header from the relay's address.
    const direct = await mail(port, RELAY, CEO, '+447973300004', { 'Authentication-Results': FORGED.slice('Authentication-Results: '.length) });
    expect(direct).toMatch(/^250 /);
    await until(() => smsTo('+447973300004') === 1, 'the SMS of the mail with the relay\'s header', 30_000);
    expect(gateway.unexpectedErrors()).toEqual([]);
  }, 60_000);
});
