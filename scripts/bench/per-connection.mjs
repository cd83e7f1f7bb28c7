#!/usr/bin/env node
/*
 * per-connection.mjs - CPU per mail when every mail comes on its own connection (what alerting
 * tools without a connection cache do: connect, greeting, EHLO, one mail, QUIT).
 *
 *   npm run build && node scripts/bench/per-connection.mjs [--clients 1,8] [--mails 300]
 *     [--warmup 100] [--repeat 3] [--greeting 100] [--mode send|accept-only] [--connection one|kept]
 *     [--log info]   (the daemon's logger at that level, lines to a file; default: no logging)
 *
 * The gateway is gateway-child.mjs (run-all.mjs's set-up: one sim route at latency 0, a real
 * SQLite file, silent logger, greeting delay as shipped: 100 ms). Per run, on a fresh gateway:
 * `warmup` mails first (V8 compiles the paths; not counted), then `mails` mails from `clients`
 * clients; the figure is the gateway process's own CPU time (process.cpuUsage(), user + system)
 * from before the measured mails to when the last of them reached the simulated modem, divided
 * by the mails accepted. Process CPU time, unlike wall time, hardly moves when other programs
 * load the machine; the load average is printed beside each run anyway. The gateway's idle CPU
 * (timers while nothing arrives) is measured for 3 s before the runs and printed as ms per s.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { drained, forkGateway } from './gateway-fork.mjs';
import { runLoad } from './smtp-load.mjs';

const cpuMs = (a, b) => (b.cpu.user - a.cpu.user + (b.cpu.system - a.cpu.system)) / 1000;
const load = () => os.loadavg()[0].toFixed(2);

/** One run on a fresh gateway: { clients, accepted, cpuMsPerMail, load }. */
export async function cpuPerMail({ clients, mails = 300, warmup = 100, greetingMs = 100, mode = 'send', perConnection = 'one' }) {
  const gw = await forkGateway([String(greetingMs), mode], { held: mode === 'accept-only' });
  try {
    const wait = (n) => (mode === 'accept-only' ? gw.request('snapshot') : drained(gw, n));
    const first = await runLoad({ port: gw.port, clients, mails: warmup, perConnection, maxSeconds: 600 });
    await wait(first.accepted);
    const before = await gw.request('snapshot');
    const loadAt = load();
    const run = await runLoad({ port: gw.port, clients, mails, perConnection, maxSeconds: 600, firstIndex: warmup });
    const after = await wait(first.accepted + run.accepted);
    if (run.errors.length > 0) console.error(`  client errors (${run.errors.length}): ${run.errors[0]}`);
    const userMsPerMail = (after.cpu.user - before.cpu.user) / 1000 / run.accepted;
    return { clients, accepted: run.accepted, cpuMsPerMail: cpuMs(before, after) / run.accepted, userMsPerMail, mailsPerSecond: run.accepted / run.seconds, load: loadAt };
  } finally {
    await gw.stop();
  }
}

/** CPU ms per second of a gateway that gets no mail (timers only). */
export async function idleCpu(greetingMs = 100, seconds = 3) {
  const gw = await forkGateway([String(greetingMs), 'send']);
  await new Promise((r) => setTimeout(r, 500));
  const a = await gw.request('snapshot');
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = await gw.request('snapshot');
  await gw.stop();
  return cpuMs(a, b) / ((b.now - a.now) / 1000);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: o } = parseArgs({
    options: {
      clients: { type: 'string', default: '1,8' },
      mails: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '100' },
      repeat: { type: 'string', default: '3' },
      greeting: { type: 'string', default: '100' },
      mode: { type: 'string', default: 'send' },
      connection: { type: 'string', default: 'one' },
      log: { type: 'string' },
    },
  });
  const greetingMs = Number(o.greeting);
  if (o.log) process.env.BENCH_LOG_LEVEL = o.log;
  console.log(`# ${o.connection === 'kept' ? 'all mails of a client over one kept connection' : 'one mail per connection'}, greeting ${greetingMs} ms, mode ${o.mode}, logging ${o.log ?? 'off'}; ${o.warmup} warm-up + ${o.mails} measured mails per run; ${new Date().toISOString()}`);
  console.log(`# node ${process.version}, ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`# gateway idle: ${(await idleCpu(greetingMs)).toFixed(2)} CPU ms per s`);
  console.log('\n| clients | run | mails | mails/s | CPU ms per mail | of which user | load average (1 min) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const clients of o.clients.split(',').map(Number)) {
    const figures = [];
    for (let i = 1; i <= Number(o.repeat); i += 1) {
      const r = await cpuPerMail({ clients, mails: Number(o.mails), warmup: Number(o.warmup), greetingMs, mode: o.mode, perConnection: o.connection });
      figures.push(r.cpuMsPerMail);
      console.log(`| ${clients} | ${i} | ${r.accepted} | ${r.mailsPerSecond.toFixed(0)} | ${r.cpuMsPerMail.toFixed(2)} | ${r.userMsPerMail.toFixed(2)} | ${r.load} |`);
    }
    const sorted = figures.sort((a, b) => a - b);
    console.log(`CPU ms per mail, ${clients} client(s), ${o.connection === 'kept' ? 'kept connections' : 'one mail per connection'}: median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} (min ${sorted[0].toFixed(2)}, max ${sorted.at(-1).toFixed(2)})`);
  }
}
