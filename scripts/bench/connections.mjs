#!/usr/bin/env node
/*
 * connections.mjs - CPU per SMTP connection that carries no mail: connect, greeting, EHLO (or
 * not), QUIT, close. What one-mail-per-connection clients pay on top of the mail itself.
 *
 *   npm run build && node scripts/bench/connections.mjs [--connections 600] [--clients 8] [--no-ehlo]
 *
 * The gateway is gateway-child.mjs in accept-only mode (greeting delay as shipped, 100 ms); 200
 * connections first (not counted), then the measured ones; the figure is the gateway process's
 * CPU time (user + system) over them divided by their number.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { forkGateway } from './gateway-fork.mjs';
import { connect, openSession } from './smtp-load.mjs';

const { values: o } = parseArgs({ options: { connections: { type: 'string', default: '600' }, clients: { type: 'string', default: '8' }, 'no-ehlo': { type: 'boolean', default: false } } });
const total = Number(o.connections);
const clients = Number(o.clients);
const ehlo = !o['no-ehlo'];

/** One connection (smtp-load.mjs's client: each reply awaited, as alerting tools do), closed by the gateway after its 221. */
async function one(port) {
  let conn;
  if (ehlo) conn = await openSession(port);
  else {
    conn = await connect(port);
    const greeting = await conn.next();
    if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
  }
  const closed = new Promise((resolve) => conn.socket.once('close', resolve));
  await conn.send('QUIT\r\n', 221);
  await closed;
}

async function run(port, n) {
  let started = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (started++ < n) await one(port);
  }));
}

const gw = await forkGateway(['100', 'accept-only'], { held: true });
try {
  await run(gw.port, 200);
  const before = await gw.request('snapshot');
  const t0 = Date.now();
  await run(gw.port, total);
  const after = await gw.request('snapshot');
  const user = (after.cpu.user - before.cpu.user) / 1000;
  const system = (after.cpu.system - before.cpu.system) / 1000;
  console.log(`# node ${process.version}, ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}`);
  console.log(`${total} connections (${ehlo ? 'greeting, EHLO, QUIT' : 'greeting, QUIT'}), ${clients} at a time: ${((user + system) / total).toFixed(3)} CPU ms per connection (user ${(user / total).toFixed(3)}, system ${(system / total).toFixed(3)}), ${(total / ((Date.now() - t0) / 1000)).toFixed(0)} connections/s`);
} finally {
  await gw.stop();
}
