/*
 * The gateway in process with `verdict: dns` pointed at a DNS server that does not answer:
 * SPEC 3 "a DNS temperror is not a judgment: answer 451 4.7.0 so the sending MTA retries", and
 * verdict@ on a box without a smarthost (550 5.3.5). Nothing of either reaches the queue.
 */
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { tempDir } from '../../helpers/daemon.js';
import { freePort } from '../../helpers/unbound.js';

describe('the verdict when DNS does not answer, and verdict@ without a smarthost', () => {
  let gateway: Gateway;
  let port: number;

  beforeAll(async () => {
    const dir = tempDir();
    // A port nothing listens on: every lookup fails at once (ICMP port unreachable).
    const dead = await freePort();
    const config = parseConfigText(
      `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nverdict: dns\ndns: { servers: ["127.0.0.1:${dead}"] }\n`,
      join(dir, 'c.yaml'),
    );
    gateway = await startGateway({ config, logger: silentLogger() });
    port = gateway.listening[0]!.port;
  });
  afterAll(async () => gateway?.stop());

  const send = (to: string) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ from: 'alerts@localhost', to, subject: 'Pump 3', text: 'pressure low' });

  it('answers 451 4.7.0 after DATA, so the client retries, and queues nothing', async () => {
    await expect(send('+447973100000@sms.test')).rejects.toMatchObject({
      responseCode: 451,
      response: expect.stringMatching(/^451 4\.7\.0 Sender authentication could not be checked now \(.*\), try again later$/),
    });
    expect(gateway.queue.list()).toEqual([]);
  });

  it('refuses verdict@ at RCPT with 550 5.3.5 when there is no smarthost to reply through', async () => {
    await expect(send('verdict@sms.test')).rejects.toMatchObject({
      responseCode: 550,
      response: '550 5.3.5 verdict@ is not available: this gateway has no smarthost to send the reply through',
    });
    expect(gateway.queue.list()).toEqual([]);
  });
});
