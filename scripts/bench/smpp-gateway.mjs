#!/usr/bin/env node
/*
 * smpp-gateway.mjs - the whole gateway (dist/, run `npm run build` first) sending through one
 * SMPP route to the test SMSC (test/helpers/smsc.ts, compiled into .bench/smsc/ on first use).
 *
 * Three processes: this one is the SMTP load (smtp-load.mjs); the gateway runs alone in
 * gateway-child.mjs (forked by gateway-fork.mjs, its deployed V8 flags, SQLite WAL
 * synchronous=FULL on a real file) with one route `up1` (transport smpp, system_id gw1, a
 * password file); the SMSC is this script with --smsc, which stamps on the shared wall clock
 * (performance.timeOrigin + performance.now()) each submit_sm's arrival, each submit_sm_resp
 * it sends and the bind_*_resp that binds. Measured, each point on a fresh gateway:
 * - backlog: the SMSC hangs up on every bind while 2,000 mails are accepted (the route is in
 *   its reconnect backoff, so nothing leaves), then lets the next bind in; the drain is timed
 *   from that bind, and from the first submit_sm, to the last submit_sm_resp; window 10 and 50,
 *   SMSC answering at once and after 5 ms; the gateway's SQLite commits per SMS over the drain
 *   (one per dispatcher pass: fewer than one when a pass records and hands over several);
 * - live: 32 SMTP clients on kept connections send N mails while the route is bound, window 10,
 *   SMSC at once and after 5 ms: accepted mails/s (first connect to last 250), submit_sm/s
 *   (first connect to last submit_sm_resp), latency from the 250 (client) to the submit_sm's
 *   arrival at the SMSC (clocks aligned by IPC ping, gateway-fork.mjs clockOffset);
 * - the gateway process's CPU (user + system) per SMS over the point, its peak RSS (maxRSS).
 * Every point ends when the gateway's queue has no open segment left. Printed as `NAME: value unit`.
 *
 * Usage: node scripts/bench/smpp-gateway.mjs [--quick] [--runs R] [--mails N] [--only backlog|live]
 *   BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the gateway.
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { clockOffset, forkGateway } from './gateway-fork.mjs';
import { now, quantile, runLoad } from './smtp-load.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const SMSC_TS = join(ROOT, 'test/helpers/smsc.ts');
// tsc keeps the tree under --rootDir: test/helpers/smsc.ts imports from src/.
const SMSC_JS = join(ROOT, '.bench/smsc/test/helpers/smsc.js');
const { values } = parseArgs({ options: { smsc: { type: 'boolean' }, quick: { type: 'boolean' }, runs: { type: 'string' }, mails: { type: 'string' }, only: { type: 'string' } } });

/** The SMSC's own process: TestSmsc, driven over IPC ({cmd, id} -> {id, ...}). */
async function smscProcess() {
  const { TestSmsc } = await import(SMSC_JS);
  const smsc = await TestSmsc.start();
  smsc.faults.password = 'bench-pw';
  let stamps = { arrivals: [], resps: 0, lastResp: 0, boundAt: undefined };
  // TestSmsc's own 'session' listener was added first, so these stamps follow its handling of each PDU.
  smsc.server.on('session', (session) => {
    session.on('pdu', (pdu) => {
      if (pdu.command === 'submit_sm') stamps.arrivals.push([String(pdu.destination_addr), now()]);
    });
    session.on('send', (pdu) => {
      if (pdu.command_status !== 0) return;
      if (pdu.command === 'submit_sm_resp') {
        stamps.resps += 1;
        stamps.lastResp = now();
      } else if (pdu.command.startsWith('bind_')) stamps.boundAt = now();
    });
  });
  process.on('message', (m) => {
    switch (m.cmd) {
      case 'clock':
        return process.send({ id: m.id, now: now() });
      case 'faults':
        Object.assign(smsc.faults, m.faults);
        return process.send({ id: m.id });
      case 'status':
        return process.send({ id: m.id, resps: stamps.resps, boundAt: stamps.boundAt });
      case 'report': {
        const taken = stamps;
        stamps = { arrivals: [], resps: 0, lastResp: 0, boundAt: undefined };
        return process.send({ id: m.id, ...taken });
      }
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true, port: smsc.port });
}

/** Compiles test/helpers/smsc.ts (and the `smpp` typings) into .bench/smsc/ when it changed. */
function compileSmsc() {
  if (existsSync(SMSC_JS) && statSync(SMSC_JS).mtimeMs >= statSync(SMSC_TS).mtimeMs) return;
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, SMSC_TS, join(ROOT, 'src/transports/smpp/smpp-lib.d.ts'), '--outDir', join(ROOT, '.bench/smsc'), '--rootDir', ROOT,
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck', '--esModuleInterop', '--types', 'node'], { stdio: 'inherit' });
}

async function startSmsc() {
  compileSmsc();
  const child = fork(import.meta.filename, ['--smsc'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let seq = 0;
  const { port } = await new Promise((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`SMSC exited ${code}`)));
    child.on('message', (m) => (m.ready ? ok(m) : (pending.get(m.id)?.(m), pending.delete(m.id))));
  });
  const request = (cmd, extra = {}) =>
    new Promise((ok) => {
      seq += 1;
      pending.set(seq, ok);
      child.send({ cmd, id: seq, ...extra });
    });
  const smsc = { port, request, faults: (faults) => request('faults', { faults }), stop: () => child.disconnect() };
  return { ...smsc, offset: await clockOffset(smsc) };
}

async function until(what, check, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh gateway with the one SMPP route. */
function startGateway(smsc, window, passwordFile) {
  const route = { name: 'up1', transport: 'smpp', host: '127.0.0.1', port: smsc.port, system_id: 'gw1', password_file: passwordFile, window };
  return forkGateway(['0', 'send', '', '', '', '', '', JSON.stringify([route])]);
}

/** Waits until the SMSC answered `count` submit_sm and the gateway's queue has nothing open. */
async function drained(gw, smsc, count) {
  await until(`${count} submit_sm_resp`, async () => (await smsc.request('status')).resps >= count);
  await until('an empty queue', async () => Object.keys((await gw.request('backlog')).backlog.segments).length === 0);
}

const cpuMs = (a, b) => (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1000;
/** SQLite commits in the gateway between two snapshots: transactions plus autocommitted writes (gateway-child.mjs counts them). */
const commits = (a, b) => b.txn.transactions - a.txn.transactions + b.txn.autocommits - a.txn.autocommits;

/** 2,000 mails queued while the SMSC hangs up on every bind, then drained. */
async function backlogPoint(smsc, { window, delayMs, mails }, passwordFile) {
  await smsc.faults({ hangUpOnBind: true, delayMs });
  const gw = await startGateway(smsc, window, passwordFile);
  const load = await runLoad({ port: gw.port, clients: 32, mails, perConnection: 'kept', maxSeconds: 120 });
  if (load.accepted !== mails) throw new Error(`backlog: ${load.accepted} of ${mails} accepted (${load.errors[0] ?? 'no error'})`);
  await smsc.request('report');
  const before = await gw.request('snapshot');
  await smsc.faults({ hangUpOnBind: false });
  await drained(gw, smsc, mails);
  const after = await gw.request('snapshot');
  const r = await smsc.request('report');
  await gw.stop();
  const first = Math.min(...r.arrivals.map(([, at]) => at));
  return {
    fromBind: r.resps / ((r.lastResp - r.boundAt) / 1000),
    fromFirst: r.resps / ((r.lastResp - first) / 1000),
    bindToFirstMs: first - r.boundAt,
    cpuMsPerSms: cpuMs(before, after) / r.resps,
    commitsPerSms: commits(before, after) / r.resps,
    peakRss: after.maxRss,
    submits: r.arrivals.length,
  };
}

/** 32 SMTP clients sending while the route is bound. */
async function livePoint(smsc, { window, delayMs, mails }, passwordFile) {
  await smsc.faults({ hangUpOnBind: false, delayMs });
  const gw = await startGateway(smsc, window, passwordFile);
  const offset = await clockOffset(gw);
  await until('the bind', async () => (await smsc.request('status')).boundAt !== undefined);
  await new Promise((r) => setTimeout(r, 200));
  await smsc.request('report');
  const before = await gw.request('snapshot');
  const load = await runLoad({ port: gw.port, clients: 32, mails, perConnection: 'kept', maxSeconds: 60 });
  await drained(gw, smsc, load.accepted);
  const after = await gw.request('snapshot');
  const r = await smsc.request('report');
  await gw.stop();
  // Both on this process's clock: the SMSC's stamps minus its offset (the gateway's is only printed).
  const arrival = new Map(r.arrivals.map(([dest, at]) => [dest, at - smsc.offset]));
  const latencies = load.accepts.flatMap(([number, at]) => (arrival.has(number) ? [arrival.get(number) - at] : [])).sort((a, b) => a - b);
  return {
    accepted: load.accepted,
    errors: load.errors.length,
    acceptRate: load.accepted / load.seconds,
    submitRate: r.resps / ((r.lastResp - smsc.offset - load.started) / 1000),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    matched: latencies.length,
    cpuMsPerSms: cpuMs(before, after) / r.resps,
    peakRss: after.maxRss,
    gatewayOffsetMs: offset,
  };
}

function print(name, value, unit, digits = 0) {
  console.log(`${name}: ${Number.isFinite(value) ? value.toFixed(digits) : '-'} ${unit}`);
}

async function bench() {
  const runs = Number(values.runs ?? (values.quick ? 1 : 2));
  const mails = Number(values.mails ?? (values.quick ? 1000 : 3000));
  const backlogMails = values.quick ? 1000 : 2000;
  const dir = mkdtempSync(join(os.tmpdir(), 'm2s-smpp-bench-'));
  const passwordFile = join(dir, 'up1.password');
  writeFileSync(passwordFile, 'bench-pw\n');
  const smsc = await startSmsc();
  const cpu = os.cpus()[0]?.model ?? '?';
  console.log(`# smpp-gateway ${new Date().toISOString()}: node ${process.version}, ${os.cpus().length} CPU (${cpu}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`# ${runs} run(s) per point; SMSC clock offset ${smsc.offset.toFixed(3)} ms`);
  try {
    for (const delayMs of values.only === 'live' ? [] : [0, 5]) {
      for (const window of [10, 50]) {
        for (let run = 1; run <= runs; run += 1) {
          const b = await backlogPoint(smsc, { window, delayMs, mails: backlogMails }, passwordFile);
          const name = `backlog${backlogMails}.window${window}.smsc${delayMs}ms.run${run}`;
          print(`${name}.drain_from_bind`, b.fromBind, 'SMS/s');
          print(`${name}.drain_from_first_submit`, b.fromFirst, 'SMS/s');
          print(`${name}.bind_to_first_submit`, b.bindToFirstMs, 'ms');
          print(`${name}.cpu_per_sms`, b.cpuMsPerSms, 'ms', 3);
          print(`${name}.commits_per_sms`, b.commitsPerSms, 'commits', 2);
          print(`${name}.peak_rss`, b.peakRss / 2 ** 20, 'MB', 1);
          if (b.submits !== backlogMails) print(`${name}.submit_sm_received`, b.submits, 'submit_sm');
        }
      }
    }
    for (const delayMs of values.only === 'backlog' ? [] : [0, 5]) {
      for (let run = 1; run <= runs; run += 1) {
        const l = await livePoint(smsc, { window: 10, delayMs, mails }, passwordFile);
        const name = `live${mails}.clients32.window10.smsc${delayMs}ms.run${run}`;
        print(`${name}.accepted`, l.acceptRate, 'mails/s');
        print(`${name}.submit_sm`, l.submitRate, 'submit_sm/s');
        print(`${name}.latency_250_to_submit_sm_p50`, l.p50, 'ms', 1);
        print(`${name}.latency_250_to_submit_sm_p99`, l.p99, 'ms', 1);
        print(`${name}.cpu_per_sms`, l.cpuMsPerSms, 'ms', 3);
        print(`${name}.peak_rss`, l.peakRss / 2 ** 20, 'MB', 1);
        if (l.matched !== l.accepted || l.errors > 0) console.log(`# ${name}: ${l.accepted} accepted, ${l.matched} matched at the SMSC, ${l.errors} client errors`);
      }
    }
  } finally {
    smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`# done; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

if (values.smsc) await smscProcess();
else await bench();
