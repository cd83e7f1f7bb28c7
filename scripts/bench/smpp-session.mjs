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
 * --trace follows each submit_sm through its life, on one monotonic clock both processes read
 * (process.hrtime): asked (the worker calls submit), written (the write() or the uncork() that
 * hands it to the kernel), got (the SMSC's 'pdu' event), answered (the SMSC's send of the resp),
 * read (the session's 'pdu' event for the resp), done (the worker has the result). Printed per
 * point: the mean and 90th percentile of each step, how many submit_sm left per socket write
 * and arrived per 'readable' on each side, the mean window occupancy (written, not yet read,
 * over time; and the share of time the window was full), the SMSC's CPU per submit_sm; once,
 * what an idle 5 ms setTimeout really waits in the SMSC's process; and at window 1 the floor:
 * round trips/s of a bare TCP echo (no SMPP) answering after the same timer in the SMSC's
 * process. The hooks are the bench's own (a wrapped socket.write and uncork, extra 'pdu' and
 * 'readable' listeners); the session code is not changed.
 *
 * --answer batch (default): the SMSC answers the submit_sm that came in one read together, one
 * timer and one write for them, as an SMSC that corks its answers does; --answer each: one
 * timer and one write per submit_sm.
 *
 * Usage: node scripts/bench/smpp-session.mjs [--seconds S] [--trace] [--delays 0,5] [--windows 1,10,50] [--answer batch|each]
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    smsc: { type: 'boolean' }, trace: { type: 'boolean' }, seconds: { type: 'string', default: '3' },
    delays: { type: 'string', default: '0,5' }, windows: { type: 'string', default: '1,10,50' },
    answer: { type: 'string', default: 'batch' },
  },
});
/** Milliseconds on CLOCK_MONOTONIC, the same in both processes. */
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function smsc() {
  const { default: smpp } = await import('smpp');
  const answerMode = values.answer;
  let delayMs = 0;
  let trace = false;
  let held = 0;
  let answered = 0;
  /** Per submit_sm when tracing: [seq, got, answered]; and PDUs per 'readable'. */
  let seen = [];
  let perRead = [];
  let cpu0 = process.cpuUsage();
  process.on('message', (m) => {
    if (typeof m?.delayMs === 'number') delayMs = m.delayMs;
    if (typeof m?.trace === 'boolean') trace = m.trace;
    if (m?.timerProbe) void timerProbe(m.timerProbe).then((waitedMs) => process.send({ waitedMs }));
    if (m?.report) {
      const cpu = process.cpuUsage(cpu0);
      process.send({ heldMs: answered ? held / answered : 0, cpuMsPerSubmit: answered ? (cpu.user + cpu.system) / 1000 / answered : 0, seen, perRead });
      cpu0 = process.cpuUsage();
      held = 0;
      answered = 0;
      seen = [];
      perRead = [];
    }
  });
  const server = smpp.createServer((session) => {
    session.socket.setNoDelay(true);
    session.on('error', () => undefined);
    let inRead = 0;
    /** --answer batch: the submit_sm of one read, answered together (one timer, one write). */
    let batch;
    const { socket } = session;
    // Registered after the package's own 'readable' listener: it runs once the PDUs are out.
    socket.on('readable', () => {
      if (trace && inRead > 0) perRead.push(inRead);
      inRead = 0;
      if (!batch) return;
      const answers = batch;
      batch = undefined;
      const all = () => {
        socket.cork();
        for (const answer of answers) answer();
        socket.uncork();
      };
      if (delayMs > 0) setTimeout(all, delayMs);
      else all();
    });
    let id = 0;
    session.on('pdu', (pdu) => {
      if (pdu.command.startsWith('bind_') || pdu.command === 'enquire_link' || pdu.command === 'unbind') {
        session.send(pdu.response());
        if (pdu.command === 'unbind') session.close();
      } else if (pdu.command === 'submit_sm') {
        inRead += 1;
        const at = performance.now();
        const got = trace ? now() : 0;
        const answer = () => {
          held += performance.now() - at;
          answered += 1;
          session.send(pdu.response({ message_id: (id += 1).toString(16) }));
          if (trace) seen.push([pdu.sequence_number, got, now()]);
        };
        if (answerMode === 'batch') (batch ??= []).push(answer);
        else if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
      }
    });
  });
  // The floor: a bare TCP echo answering each read after the same timer, no SMPP on either side.
  const echo = net.createServer((c) => {
    c.setNoDelay(true);
    c.on('data', (d) => (delayMs > 0 ? setTimeout(() => c.write(d), delayMs) : c.write(d)));
  });
  await new Promise((ok) => echo.listen(0, '127.0.0.1', ok));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, echoPort: echo.address().port }));
}

/** Round trips/s of one 64-byte message at a time through the bare echo for `seconds`. */
async function bareRoundTrips(port, seconds) {
  const c = net.connect(port, '127.0.0.1');
  c.setNoDelay(true);
  await new Promise((ok) => c.once('connect', ok));
  const message = Buffer.alloc(64);
  const until = performance.now() + seconds * 1000;
  let n = 0;
  await new Promise((ok) => {
    c.on('data', () => {
      n += 1;
      if (performance.now() < until) c.write(message);
      else ok();
    });
    c.write(message);
  });
  c.destroy();
  return n / seconds;
}

/** Mean real wait of `n` back-to-back setTimeout(5) in this process, ms. */
async function timerProbe(n) {
  let sum = 0;
  for (let i = 0; i < n; i += 1) {
    const t = now();
    await new Promise((ok) => setTimeout(ok, 5));
    sum += now() - t;
  }
  return sum / n;
}

async function bench() {
  const { SmppSession } = await import(resolve(ROOT, 'dist/transports/smpp/session.js'));
  const { silentLogger } = await import(resolve(ROOT, 'dist/log/index.js'));
  const child = fork(import.meta.filename, ['--smsc', '--answer', values.answer], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port, echoPort } = await new Promise((ok) => child.once('message', ok));
  const seconds = Number(values.seconds);
  const trace = values.trace === true;
  const { toSubmitSm } = await import(resolve(ROOT, 'dist/transports/smpp/submit.js'));
  // The fields as the transport builds them (short_message as GSM septet bytes, every field set),
  // so the package encodes what it encodes in the gateway.
  const built = toSubmitSm({ destination: '+447700900001', encoding: 'gsm7', text: 'Disk /var is 91% full on db1', statusReport: false }, { senderId: 'Alerts' });
  if (!built.ok) throw new Error(`submit_sm cannot be built: ${built.reason}`);
  const fields = { ...built.fields, registered_delivery: 0 };
  console.log(`node ${process.version}, ${seconds} s per point`);
  if (trace) {
    const waitedMs = await ask(child, { timerProbe: 200 }, 'waitedMs');
    console.log(`an idle setTimeout(5) in the SMSC's process waits ${waitedMs.toFixed(2)} ms (mean of 200)`);
  }
  console.log('delay_ms  window  submit_sm/s  ideal/s  held_ms  ideal_held/s  ideal_held_rtt/s  cpu_ms/submit');
  let rttMs;
  for (const delayMs of values.delays.split(',').map(Number)) {
    child.send({ delayMs, trace: false });
    for (const window of values.windows.split(',').map(Number)) {
      const session = new SmppSession({ name: 'bench', host: '127.0.0.1', port, systemId: 'bench', password: () => 'x', window, logger: silentLogger() });
      await session.start();
      const tracer = trace ? new Tracer(session) : undefined;
      await run(session, window, fields, 0.5);
      await ask(child, { report: true }, 'heldMs');
      tracer?.reset();
      child.send({ trace });
      const cpu0 = process.cpuUsage();
      const done = await run(session, window, fields, seconds, tracer);
      const cpu = process.cpuUsage(cpu0);
      child.send({ trace: false });
      const report = await ask(child, { report: true });
      await session.stop({ drain: true });
      const held = report.heldMs;
      const rate = done / seconds;
      if (delayMs === 0 && window === 1) rttMs = 1000 / rate;
      const ideal = delayMs > 0 ? String(Math.round((window * 1000) / delayMs)) : '-';
      const idealHeld = delayMs > 0 ? String(Math.round((window * 1000) / held)) : '-';
      const idealRtt = delayMs > 0 && rttMs !== undefined ? String(Math.round((window * 1000) / (held + rttMs))) : '-';
      console.log(`${String(delayMs).padStart(8)}  ${String(window).padStart(6)}  ${rate.toFixed(0).padStart(11)}  ${ideal.padStart(7)}  ${held.toFixed(2).padStart(7)}  ${idealHeld.padStart(12)}  ${idealRtt.padStart(16)}  ${((cpu.user + cpu.system) / 1000 / done).toFixed(4).padStart(13)}`);
      if (tracer) tracer.print(report, window);
      if (trace && window === 1) console.log(`    a bare TCP echo (no SMPP) with the same SMSC timer, one message at a time: ${(await bareRoundTrips(echoPort, seconds)).toFixed(0)} round trips/s`);
    }
  }
  child.kill();
}

/** Sends `message` to the SMSC's process and resolves to its answer (or one field of it). */
function ask(child, message, field) {
  return new Promise((ok) => {
    child.once('message', (m) => ok(field ? m[field] : m));
    child.send(message);
  });
}

/** `window` workers submitting until `seconds` have passed; the number of resp with status 0. */
async function run(session, window, fields, seconds, tracer) {
  const until = performance.now() + seconds * 1000;
  let ok = 0;
  const worker = async () => {
    while (performance.now() < until) {
      tracer?.asked();
      const r = await session.submit(fields, { timeoutMs: 5_000 });
      tracer?.done();
      if (r.kind !== 'resp' || r.commandStatus !== 0) throw new Error(`submit failed: ${JSON.stringify(r)}`);
      ok += 1;
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return ok;
}

/**
 * The session side of --trace. Workers never wait for a slot (concurrency = window), so
 * submit_sm are written in the order they were asked for and the results reach the workers in
 * the order the resp were read: both are matched first in, first out.
 */
class Tracer {
  constructor(session) {
    const link = session.link;
    const socket = link.session.socket;
    const write = socket.write;
    // Written = the bytes go to the kernel: at the write() call, or at the uncork() that ends
    // a cork (the write callback comes a tick later, after the SMSC may already have them).
    // The time is read before the call: a loopback write can wake the SMSC, which may run
    // before this process returns from the syscall.
    let unflushed = [];
    const flush = (t) => {
      for (const seq of unflushed) { const r = this.seq.get(seq); if (r) r.written = t; }
      if (unflushed.length > 0) this.perWrite.push(unflushed.length);
      unflushed = [];
    };
    socket.write = (buffer, ...rest) => {
      const t = now();
      for (let at = 0; at + 16 <= buffer.length; at += buffer.readUInt32BE(at)) {
        if (buffer.readUInt32BE(at + 4) !== 0x04) continue;
        const seq = buffer.readUInt32BE(at + 12);
        this.seq.set(seq, { asked: this.asks.shift() ?? t });
        unflushed.push(seq);
      }
      const ok = write.call(socket, buffer, ...rest);
      if (socket.writableCorked === 0) flush(t);
      return ok;
    };
    const uncork = socket.uncork;
    socket.uncork = () => {
      const t = now();
      uncork.call(socket);
      if (socket.writableCorked === 0) flush(t);
    };
    let inRead = 0;
    link.session.on('pdu', (pdu) => {
      if (pdu.command !== 'submit_sm_resp') return;
      inRead += 1;
      const r = this.seq.get(pdu.sequence_number);
      if (r) r.read = now();
      this.reads.push(pdu.sequence_number);
    });
    socket.on('readable', () => {
      if (inRead > 0) this.perRead.push(inRead);
      inRead = 0;
    });
    this.reset();
  }

  reset() {
    this.seq = new Map();
    this.asks = [];
    this.reads = [];
    this.perWrite = [];
    this.perRead = [];
    this.gaps = [];
    this.lastDone = undefined;
  }

  asked() {
    const t = now();
    this.asks.push(t);
    if (this.lastDone !== undefined) this.gaps.push(t - this.lastDone);
  }

  done() {
    const t = now();
    this.lastDone = t;
    const r = this.seq.get(this.reads.shift());
    if (r) r.done = t;
  }

  print(report, window) {
    const smsc = new Map(report.seen.map(([seq, got, answered]) => [seq, { got, answered }]));
    const steps = { 'asked>written': [], 'written>got': [], 'got>answered': [], 'answered>read': [], 'read>done': [], 'asked>done': [] };
    /** [time, +1 | -1] for written and read: the window's occupancy on the wire. */
    const edges = [];
    for (const [seq, r] of this.seq) {
      const s = smsc.get(seq);
      if (!s || r.written === undefined || r.read === undefined || r.done === undefined) continue;
      steps['asked>written'].push(r.written - r.asked);
      steps['written>got'].push(s.got - r.written);
      steps['got>answered'].push(s.answered - s.got);
      steps['answered>read'].push(r.read - s.answered);
      steps['read>done'].push(r.done - r.read);
      steps['asked>done'].push(r.done - r.asked);
      edges.push([r.written, 1], [r.read, -1]);
    }
    const line = Object.entries(steps).map(([name, xs]) => `${name} ${stat(xs)}`).join('  ');
    console.log(`    ms mean/p90: ${line}  worker done>asked again ${stat(this.gaps)}`);
    edges.sort((a, b) => a[0] - b[0]);
    let open = 0;
    let area = 0;
    let full = 0;
    for (let i = 0; i < edges.length - 1; i += 1) {
      open += edges[i][1];
      const dt = edges[i + 1][0] - edges[i][0];
      area += open * dt;
      if (open >= window) full += dt;
    }
    const span = edges.length > 1 ? edges.at(-1)[0] - edges[0][0] : 1;
        console.log(`    window on the wire: mean ${(area / span).toFixed(2)} of ${window}, full ${((100 * full) / span).toFixed(0)} % of the time; submit_sm per socket write ${mean(this.perWrite).toFixed(2)}, resp per 'readable' ${mean(this.perRead).toFixed(2)}, submit_sm per 'readable' at the SMSC ${mean(report.perRead).toFixed(2)}; the SMSC's CPU ms per submit_sm ${report.cpuMsPerSubmit.toFixed(4)}`);
  }
}

function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function stat(xs) {
  if (xs.length === 0) return '-';
  const sorted = [...xs].sort((a, b) => a - b);
  return `${mean(xs).toFixed(2)}/${sorted[Math.floor(sorted.length * 0.9)].toFixed(2)}`;
}

if (values.smsc) await smsc();
else await bench();
