#!/usr/bin/env node
/*
 * smpp-session.mjs - submit_sm/s through one SmppSession (dist/, run `npm run build` first) at
 * window 1, 10 and 50, against an SMSC answering at once and one answering after 5 ms.
 *
 * The SMSC runs in its own process (this script with --smsc, on the `smpp` package's server
 * side) so it does not share the session's event loop. `window` workers submit in a loop, as a
 * dispatcher with concurrency = window does; each point runs --seconds after a short warm-up.
 * Printed per point: submit_sm/s; for the delayed SMSC the ideal window / 5 ms, the time the
 * SMSC really held each submit_sm (its timers fire late on a loaded box), window / that time,
 * and window / (that time + the round trip of the instant SMSC at window 1, 1 / its rate: the
 * loopback, both event loops and the PDU work a submit costs on top of the hold); and the
 * session process's CPU ms per submit_sm.
 *
 * Usage: node scripts/bench/smpp-session.mjs [--seconds S]
 */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { smsc: { type: 'boolean' }, seconds: { type: 'string', default: '3' } } });

if (values.smsc) {
  const { default: smpp } = await import('smpp');
  let delayMs = 0;
  let held = 0;
  let answered = 0;
  process.on('message', (m) => {
    if (typeof m?.delayMs === 'number') delayMs = m.delayMs;
    if (m?.report) {
      process.send({ heldMs: answered ? held / answered : 0 });
      held = 0;
      answered = 0;
    }
  });
  const server = smpp.createServer((session) => {
    session.socket.setNoDelay(true);
    session.on('error', () => undefined);
    let id = 0;
    session.on('pdu', (pdu) => {
      if (pdu.command.startsWith('bind_') || pdu.command === 'enquire_link' || pdu.command === 'unbind') {
        session.send(pdu.response());
        if (pdu.command === 'unbind') session.close();
      } else if (pdu.command === 'submit_sm') {
        const at = performance.now();
        const answer = () => {
          held += performance.now() - at;
          answered += 1;
          session.send(pdu.response({ message_id: (id += 1).toString(16) }));
        };
        if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else {
  await bench();
}

async function bench() {
  const { SmppSession } = await import(resolve(ROOT, 'dist/transports/smpp/session.js'));
  const { silentLogger } = await import(resolve(ROOT, 'dist/log/index.js'));
  const child = fork(import.meta.filename, ['--smsc'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((ok) => child.once('message', (m) => ok(m.port)));
  const seconds = Number(values.seconds);
  const fields = { destination_addr: '447700900001', dest_addr_ton: 1, dest_addr_npi: 1, source_addr: 'Alerts', source_addr_ton: 5, short_message: 'Disk /var is 91% full on db1' };
  console.log(`node ${process.version}, ${seconds} s per point`);
  console.log('delay_ms  window  submit_sm/s  ideal/s  held_ms  ideal_held/s  ideal_held_rtt/s  cpu_ms/submit');
  let rttMs;
  for (const delayMs of [0, 5]) {
    child.send({ delayMs });
    for (const window of [1, 10, 50]) {
      const session = new SmppSession({ name: 'bench', host: '127.0.0.1', port, systemId: 'bench', password: () => 'x', window, logger: silentLogger() });
      await session.start();
      await run(session, window, fields, 0.5);
      await heldMs(child);
      const cpu0 = process.cpuUsage();
      const done = await run(session, window, fields, seconds);
      const cpu = process.cpuUsage(cpu0);
      const held = await heldMs(child);
      await session.stop({ drain: true });
      const rate = done / seconds;
      if (delayMs === 0 && window === 1) rttMs = 1000 / rate;
      const ideal = delayMs > 0 ? String(Math.round((window * 1000) / delayMs)) : '-';
      const idealHeld = delayMs > 0 ? String(Math.round((window * 1000) / held)) : '-';
      const idealRtt = delayMs > 0 ? String(Math.round((window * 1000) / (held + rttMs))) : '-';
      console.log(`${String(delayMs).padStart(8)}  ${String(window).padStart(6)}  ${rate.toFixed(0).padStart(11)}  ${ideal.padStart(7)}  ${held.toFixed(2).padStart(7)}  ${idealHeld.padStart(12)}  ${idealRtt.padStart(16)}  ${((cpu.user + cpu.system) / 1000 / done).toFixed(4).padStart(13)}`);
    }
  }
  child.kill();
}

/** The SMSC's mean time from a submit_sm's arrival to its answer since the last call, ms. */
function heldMs(child) {
  return new Promise((ok) => {
    child.once('message', (m) => ok(m.heldMs));
    child.send({ report: true });
  });
}

/** `window` workers submitting until `seconds` have passed; the number of resp with status 0. */
async function run(session, window, fields, seconds) {
  const until = performance.now() + seconds * 1000;
  let ok = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const r = await session.submit(fields, { timeoutMs: 5_000 });
      if (r.kind !== 'resp' || r.commandStatus !== 0) throw new Error(`submit failed: ${JSON.stringify(r)}`);
      ok += 1;
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return ok;
}
