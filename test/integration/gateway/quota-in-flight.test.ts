/*
 * SPEC 2 quota against concurrent mails of one user: a mail accepted at DATA but not yet
 * committed (the group commit waits a turn or two) still counts, so mails sent at once by a
 * user with one segment left are not all accepted.
 */
import nodemailer from 'nodemailer';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { tempDir } from '../../helpers/daemon.js';

describe('the 24-hour quota with mails in flight', () => {
  let gateway: Gateway;
  let port: number;

  beforeAll(async () => {
    const dir = tempDir();
    const config = parseConfigText(`domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\n`, join(dir, 'c.yaml'));
    gateway = await startGateway({ config, logger: silentLogger() });
    port = gateway.listening[0]!.port;
    gateway.accounts.setAccount('default', { quota: 1 });
  });
  afterAll(async () => gateway?.stop());

  it('accepts only one of three one-segment mails sent at the same time when one segment is left', async () => {
    const send = (n: number) =>
      nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ from: 'alerts@localhost', to: `+44797310000${n}@sms.test`, subject: 'Pump', text: `low ${n}` });
    const results = await Promise.allSettled([send(1), send(2), send(3)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) {
      expect(r.reason).toMatchObject({ responseCode: 452, response: expect.stringContaining('4.2.2') });
    }
    expect(gateway.queue.list()).toHaveLength(1);
  });
});
