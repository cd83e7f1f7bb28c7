/*
 * An SMPP route that binds while mail waits for it (issue 13): the first submit_sm follows the
 * bind at once, not at the dispatcher's 1 s recheck of the queue. The SMSC hangs up on every
 * bind while the mail is accepted (the route sits in its reconnect backoff, 20-200 ms here),
 * then lets the next bind in. Mail in over real SMTP, the SMSC over real TCP, a real queue.
 */
import nodemailer from 'nodemailer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway } from '../../../src/main.js';
import { tempDir } from '../../helpers/daemon.js';
import { TestSmsc } from '../../helpers/smsc.js';
import { until } from '../../helpers/wait.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

it('sends the first submit_sm within a few tens of ms of a late bind, not at the 1 s recheck (issue 13)', async () => {
  const dir = tempDir();
  const smsc = await TestSmsc.start();
  smsc.faults.password = 'secret';
  smsc.faults.hangUpOnBind = true;
  const passwordFile = join(dir, 'smpp.pass');
  writeFileSync(passwordFile, 'secret\n');
  const config = parseConfigText(
    `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nroutes:\n` +
      `  - { name: up1, transport: smpp, host: 127.0.0.1, port: ${smsc.port}, system_id: gw1, password_file: ${passwordFile} }\n`,
    join(dir, 'c.yaml'),
  );
  const gateway = await startGateway({ config, logger: silentLogger(), transportOverrides: { smppBackoffMs: { base: 20, cap: 200 } } });
  open.push(() => smsc.close(), () => gateway.stop());
  await until(() => smsc.bindAttempts >= 2, 'the SMSC hanging up on the route\'s binds');
  const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: gateway.listening[0]!.port, secure: false, ignoreTLS: true });
  // Accepted while the route cannot bind: the dispatcher's last pass (the accept's wake) finds no ready transport.
  await smtp.sendMail({ from: 'alerts@localhost', to: '+447973100300@sms.test', text: 'waiting for the bind' });
  expect(gateway.transports[0]!.health().ready).toBe(false);
  expect(smsc.submitTimes).toEqual([]);

  smsc.faults.hangUpOnBind = false;
  await until(() => smsc.live().length === 1, 'the bind');
  const boundAt = smsc.bindTimes.at(-1)!;
  await until(() => smsc.submitTimes.length === 1, 'the first submit_sm');
  const firstSubmitAt = smsc.submitTimes[0]!;
  // The bind came within the 200 ms backoff of the accept, so a 1 s recheck would leave ≥ 800 ms here.
  expect(firstSubmitAt - boundAt).toBeLessThan(400);
  expect(smsc.received('submit_sm').map((p) => p['destination_addr'])).toEqual(['447973100300']);
  await until(() => gateway.queue.list().every((m) => m.state === 'sent'), 'the mail marked sent');
});
