/*
 * An SMPP route in a pool with a modem route (the simulated modem under the real driver), and
 * two binds of one SMSC account: the pool fails over in `routes:` order and back, a drop in the
 * middle of a full window loses nothing, and a receipt arriving on the other bind still finds
 * its send. Mail in over real SMTP, the SMSC over real TCP.
 */
import nodemailer from 'nodemailer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { tempDir } from '../../helpers/daemon.js';
import { TestSmsc } from '../../helpers/smsc.js';
import { WAIT_MS } from '../../helpers/wait.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function rig(routes: (smscPort: number, passwordFile: string) => string, password = 'secret') {
  const dir = tempDir();
  const smsc = await TestSmsc.start();
  smsc.faults.password = 'secret';
  const passwordFile = join(dir, 'smpp.pass');
  writeFileSync(passwordFile, `${password}\n`);
  const config = parseConfigText(
    `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nroutes:\n${routes(smsc.port, passwordFile)}`,
    join(dir, 'c.yaml'),
  );
  const gateway = await startGateway({ config, logger: silentLogger(), transportOverrides: { smppBackoffMs: { base: 20, cap: 200 } }, transportRetryMs: 100 });
  open.push(() => smsc.close(), () => gateway.stop());
  const port = gateway.listening[0]!.port;
  const send = (to: string, text: string, notify?: ['SUCCESS', 'FAILURE']) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ from: 'alerts@localhost', to, text, ...(notify ? { dsn: { notify } } : {}) });
  return { smsc, gateway, send, passwordFile };
}

function routeOf(gateway: Gateway, to: string): string | null | undefined {
  const m = gateway.queue.list().find((x) => x.to === to);
  return m === undefined ? undefined : gateway.queue.show(m.id).parts[0]?.route;
}

function stateOf(gateway: Gateway, to: string): string | undefined {
  return gateway.queue.list().find((x) => x.to === to)?.state;
}

describe('an SMPP route in the pool', () => {
  it('sends through the modem while the SMSC refuses the bind, and through the SMSC once it binds again', async () => {
    const { smsc, gateway, send, passwordFile } = await rig((p, f) =>
      `  - { name: up1, transport: smpp, host: 127.0.0.1, port: ${p}, system_id: gw1, password_file: ${f} }\n  - { name: sim, transport: sim }\n`, 'wrong');
    const up1 = gateway.transports[0]!;
    // Refused binds are tried again every 200 ms here: the state is caught while it says why.
    await expect.poll(() => { const h = up1.health(); return h.state === 'bind-refused' && (h.detail ?? '').includes('ESME_RINVPASWD'); }, { timeout: WAIT_MS }).toBe(true);
    await expect.poll(() => gateway.transports[1]!.health().ready, { timeout: WAIT_MS }).toBe(true);
    await send('+447973100100@sms.test', 'via the modem');
    await expect.poll(() => stateOf(gateway, '+447973100100'), { timeout: WAIT_MS }).toBe('sent');
    expect(routeOf(gateway, '+447973100100')).toBe('sim');

    writeFileSync(passwordFile, 'secret\n');
    await expect.poll(() => up1.health().ready, { timeout: WAIT_MS }).toBe(true);
    await send('+447973100101@sms.test', 'via the SMSC');
    await expect.poll(() => stateOf(gateway, '+447973100101'), { timeout: WAIT_MS }).toBe('sent');
    expect(routeOf(gateway, '+447973100101')).toBe('up1');
    expect(smsc.received('submit_sm').map((p) => p['destination_addr'])).toEqual(['447973100101']);
  });

  it('loses nothing when the SMSC drops the connection with a full window: the unanswered ones are sent again', async () => {
    const { smsc, gateway, send } = await rig((p, f) =>
      `  - { name: up1, transport: smpp, host: 127.0.0.1, port: ${p}, system_id: gw1, password_file: ${f}, window: 5, response_timeout: 5s }\n  - { name: sim, transport: sim }\n`);
    await expect.poll(() => gateway.transports[0]!.health().ready, { timeout: WAIT_MS }).toBe(true);
    smsc.faults.delayMs = 300;
    smsc.faults.dropAfterSubmits = 5;
    const numbers = Array.from({ length: 12 }, (_, i) => `+4479731002${String(i).padStart(2, '0')}`);
    await Promise.all(numbers.map((n) => send(`${n}@sms.test`, `window ${n}`)));
    await expect.poll(() => smsc.received('submit_sm').length, { timeout: WAIT_MS }).toBeGreaterThanOrEqual(5);
    delete smsc.faults.dropAfterSubmits;
    await expect.poll(() => numbers.filter((n) => stateOf(gateway, n) === 'sent').length, { timeout: 20_000 }).toBe(numbers.length);
    // The five in the dropped window were unknown and sent again (the account takes duplicates over loss).
    const resent = numbers.filter((n) => (gateway.queue.show(gateway.queue.list().find((m) => m.to === n)!.id).parts[0]?.attempts ?? 0) > 1);
    expect(resent.length).toBeGreaterThanOrEqual(5);
  }, 30_000);

  it('matches a receipt that arrives on the other bind of the same SMSC account', async () => {
    const { smsc, gateway, send } = await rig((p, f) =>
      `  - { name: tx, transport: smpp, mode: transmitter, host: 127.0.0.1, port: ${p}, system_id: gw1, password_file: ${f} }\n` +
      `  - { name: rx, transport: smpp, mode: transceiver, host: 127.0.0.1, port: ${p}, system_id: gw1, password_file: ${f} }\n`);
    await expect.poll(() => gateway.transports.every((t) => t.health().ready), { timeout: WAIT_MS }).toBe(true);
    smsc.faults.receipts = { format: 'text', id: 'dec', where: 'other' };
    await send('+447973100300@sms.test', 'receipt elsewhere', ['SUCCESS', 'FAILURE']);
    await expect.poll(() => stateOf(gateway, '+447973100300'), { timeout: WAIT_MS }).toBe('delivered');
    expect(routeOf(gateway, '+447973100300')).toBe('tx');
    const rx = smsc.binds.find((b) => b.mode === 'transceiver')!;
    expect(rx.pdus.some((r) => r.dir === 'out' && r.pdu.command === 'deliver_sm')).toBe(true);
  });
});
