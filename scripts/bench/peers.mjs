#!/usr/bin/env node
/*
 * peers.mjs - throughput against the peers, in one run on one machine: mail2sms (SMTP in),
 * smstools3 (spool file in), gammu-smsd (gammu-smsd-inject in) and Kannel (HTTP sendsms in),
 * each sending N one-segment SMS to a fresh simulated modem on a pty that answers AT+CMGS at once
 * (`mail2sms sim --pty --latency-ms 0`).
 *
 * NOTE: installs the Debian packages smstools, gammu, gammu-smsd, kannel and socat with
 * `apt-get install -y` when their programs are missing (needs root), and kills any daemon of
 * theirs it started itself, by pid.
 *
 * Per peer: start the sim, start the peer with its own config in a temp dir, wait until it has
 * opened the modem, inject N SMS to distinct numbers, and measure the wall time from the first
 * injection to the Nth SMS at the sim (the sim's own JSON line timestamps), SMS/s, and the CPU
 * time (utime+stime from /proc/<pid>/stat) of every process of the peer (bearerbox+smsbox,
 * smsd's parent and modem handler) per SMS. A peer that does not get all N through within its
 * time cap is reported on what it did send. Run `npm run build` first.
 *
 * Usage: node scripts/bench/peers.mjs [--sms N] [--max-seconds S] [--only mail2sms,smstools,gammu,kannel]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { numberOf, runLoad } from './smtp-load.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const { values: opts } = parseArgs({ options: { sms: { type: 'string', default: '200' }, 'max-seconds': { type: 'string', default: '600' }, only: { type: 'string' }, keep: { type: 'boolean' } } });
const N = Number(opts.sms);
const MAX_MS = Number(opts['max-seconds']) * 1000;
const TEXT = (i) => `Server db${i % 10} disk 91% full`;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function ensurePackages() {
  const need = { smsd: 'smstools', 'gammu-smsd': 'gammu-smsd', 'gammu-smsd-inject': 'gammu-smsd', gammu: 'gammu', bearerbox: 'kannel', smsbox: 'kannel', socat: 'socat' };
  const missing = [...new Set(Object.entries(need).filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  console.log(`installing from Debian: ${missing.join(' ')}`);
  spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The simulated modem; resolves with its pty path and a counter of SMS it got. */
async function startSim(dir) {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'sim', '--pty', '--link', join(dir, 'modem'), '--latency-ms', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sim = { child, path: '', times: [], wrong: 0, waiters: [] };
  let buffer = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise((res, rej) => {
    child.once('exit', (code) => rej(new Error(`sim exited (${code})`)));
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        if (!sim.path) {
          sim.path = line.trim();
          res(sim);
          continue;
        }
        const event = JSON.parse(line);
        if (!/disk 91% full/.test(event.text ?? "")) sim.wrong += 1;
        sim.times.push(Date.parse(event.at));
        for (const w of sim.waiters.filter((x) => sim.times.length >= x.count)) w.resolve();
      }
    });
  });
  return ready;
}

function waitFor(sim, count, ms) {
  return new Promise((res) => {
    const timer = setTimeout(res, ms);
    sim.waiters.push({ count, resolve: () => (clearTimeout(timer), res()) });
    if (sim.times.length >= count) res();
  });
}

/** Every live process under (and including) the given roots, from /proc. */
function tree(roots) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const out = new Set(roots.filter((p) => parent.has(p)));
  for (let grown = true; grown; ) {
    grown = false;
    for (const [pid, ppid] of parent) if (out.has(ppid) && !out.has(pid)) out.add(pid), (grown = true);
  }
  return [...out];
}

/** utime+stime in ms (fields 14 and 15 of /proc/<pid>/stat). */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Samples the CPU of a peer's process tree; a process that exits keeps its last reading. */
function cpuMeter(roots) {
  const last = new Map();
  const sample = () => {
    for (const pid of tree(roots())) {
      const ms = cpuMs(pid);
      if (ms !== undefined) last.set(pid, ms);
    }
    return [...last.values()].reduce((a, b) => a + b, 0);
  };
  const timer = setInterval(sample, 200);
  return { sample, pids: () => [...last.keys()], stop: () => clearInterval(timer) };
}

function run(cmd, args, cwd, log) {
  const out = createWriteStream(join(cwd, log));
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  return child;
}

async function stop(pids) {
  for (const pid of pids) try { process.kill(pid, 'SIGTERM'); } catch {}
  for (let i = 0; i < 50 && pids.some(alive); i += 1) await sleep(100);
  for (const pid of pids.filter(alive)) try { process.kill(pid, 'SIGKILL'); } catch {}
}
function alive(pid) {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitPort(port, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const ok = await new Promise((res) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => (s.destroy(), res(true)));
      s.on('error', () => res(false));
    });
    if (ok) return true;
  }
  return false;
}

const PEERS = {
  async mail2sms(dir, modem) {
    const port = await freePort();
    writeFileSync(join(dir, 'config.yaml'), `domain: sms.bench\nhostname: bench.local\nstate_dir: ${JSON.stringify(join(dir, 'state'))}\nsmtp:\n  listen: 127.0.0.1:${port}\n  greeting_delay_ms: 0\nlog_level: warn\nroutes:\n  - { name: gsm1, transport: modem, path: ${JSON.stringify(modem)}, baud: 115200 }\n`);
    // The load's sender (smtp-load.mjs: bench@example.lan) as a user, its rate limit out of the way.
    for (const args of [['account', 'add', 'bench', '--allow-ip', '127.0.0.1/32', '--tps', '100000', '--burst', '100000'], ['user', 'add', 'bench@example.lan', '--account', 'bench']]) {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args, '--config', join(dir, 'config.yaml')], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mail2sms ${args.join(' ')}: ${r.stderr}`);
    }
    // The V8 flags `mail2sms` runs with (src/cli/main.ts line 1), then any extra ones (e.g. --cpu-prof).
    const nodeArgs = ['--max-semi-space-size=1', '--max-old-space-size=256', ...(process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    const child = run(process.execPath, [...nodeArgs, join(ROOT, 'dist/cli/main.js'), 'start', '--config', join(dir, 'config.yaml')], dir, 'gateway.log');
    if (!(await waitPort(port, 15_000))) throw new Error('SMTP port never opened (see gateway.log)');
    await sleep(1500); // the modem driver's init sequence
    return {
      roots: [child.pid],
      config: 'SMTP in on loopback, greeting_delay_ms 0, one modem route (PDU mode), SQLite queue synchronous=FULL; 4 SMTP clients on kept connections',
      inject: async () => {
        const load = await runLoad({ port, clients: 4, mails: N, perConnection: 'kept', maxSeconds: MAX_MS / 1000 });
        if (load.errors.length) console.log(`  smtp errors: ${load.errors.slice(0, 3).join('; ')}`);
      },
    };
  },

  async smstools(dir, modem) {
    for (const d of ['outgoing', 'checked', 'failed', 'sent', 'incoming', 'stage']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'smsd.conf'), [`devices = GSM1`, `outgoing = ${dir}/outgoing`, `checked = ${dir}/checked`, `failed = ${dir}/failed`, `sent = ${dir}/sent`, `incoming = ${dir}/incoming`, `logfile = ${dir}/smsd.log`, `infofile = ${dir}/smsd.working`, `pidfile = ${dir}/smsd.pid`, `loglevel = 5`, `receive_before_send = no`, '', '[GSM1]', `device = ${modem}`, `incoming = no`, `baudrate = 115200`, `mode = new`, `check_memory_method = 0`, ''].join('\n'));
    const child = run('smsd', ['-t', '-c', join(dir, 'smsd.conf')], dir, 'smsd.out');
    await waitLog(join(dir, 'smsd.log'), /Waiting for messages to send/, 20_000, 'smsd never reported the modem ready');
    return {
      roots: [child.pid],
      config: 'smsd -t -c FILE; one device, mode=new, incoming=no, check_memory_method=0, receive_before_send=no, loglevel=5; other timings at their defaults (delaytime 10 s, delaytime_mainprocess 10 s)',
      inject: async () => {
        // The smstools way: write the file elsewhere, then move it into the outgoing spool.
        for (let i = 0; i < N; i += 1) {
          const stage = join(dir, 'stage', `m${i}`);
          writeFileSync(stage, `To: ${numberOf(i)}\n\n${TEXT(i)}\n`);
          renameSync(stage, join(dir, 'outgoing', `m${i}`));
        }
      },
    };
  },

  async gammu(dir, modem) {
    for (const d of ['inbox', 'outbox', 'sent', 'error']) mkdirSync(join(dir, d));
    const rc = join(dir, 'smsdrc');
    writeFileSync(rc, ['[gammu]', `device = ${modem}`, 'connection = at115200', '', '[smsd]', 'service = files', `inboxpath = ${dir}/inbox/`, `outboxpath = ${dir}/outbox/`, `sentsmspath = ${dir}/sent/`, `errorsmspath = ${dir}/error/`, `logfile = ${dir}/smsd.log`, 'debuglevel = 0', 'receivefrequency = 0', 'checksecurity = 0', ''].join('\n'));
    const child = run('gammu-smsd', ['-c', rc], dir, 'gammu-smsd.out');
    await sleep(3000); // its phone init; it polls the outbox anyway
    return {
      roots: [child.pid],
      config: 'gammu-smsd -c FILE; [gammu] connection=at115200; [smsd] service=files, receivefrequency=0, checksecurity=0, other timings at their defaults (commtimeout 30 s, sendtimeout 30 s, loopsleep 1 s); injected with gammu-smsd-inject TEXT <number> -text',
      inject: async () => {
        for (let i = 0; i < N; i += 1) {
          const r = spawnSync('gammu-smsd-inject', ['-c', rc, 'TEXT', numberOf(i), '-text', TEXT(i)], { encoding: 'utf8' });
          if (r.status !== 0) throw new Error(`gammu-smsd-inject failed: ${r.stderr.slice(-200)}`);
        }
      },
    };
  },

  async kannel(dir, modem) {
    mkdirSync(join(dir, 'spool'));
    const [admin, box, http] = [await freePort(), await freePort(), await freePort()];
    const conf = join(dir, 'kannel.conf');
    writeFileSync(conf, `group = core
admin-port = ${admin}
admin-password = bench
smsbox-port = ${box}
log-file = "${dir}/bearerbox.log"
log-level = 1
box-allow-ip = 127.0.0.1
store-type = spool
store-location = "${dir}/spool"

group = smsc
smsc = at
smsc-id = gsm1
modemtype = generic
device = ${modem}
speed = 115200
sim-buffering = false

group = modems
id = generic
name = "Generic Modem"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = ${http}
sendsms-interface = 127.0.0.1
log-file = "${dir}/smsbox.log"
log-level = 1

group = sendsms-user
username = bench
password = bench

group = sms-service
keyword = default
text = "no service"
catch-all = true
max-messages = 0
`);
    const bearer = run('bearerbox', [conf], dir, 'bearerbox.out');
    if (!(await waitPort(box, 10_000))) throw new Error('bearerbox never opened its smsbox port');
    const smsbox = run('smsbox', [conf], dir, 'smsbox.out');
    if (!(await waitPort(http, 10_000))) throw new Error('smsbox never opened its sendsms port');
    await waitLog(join(dir, 'bearerbox.log'), /AT SMSC successfully opened/, 20_000, 'Kannel never opened the modem');
    return {
      roots: [bearer.pid, smsbox.pid],
      config: 'bearerbox + smsbox, one `smsc = at` group with a generic `modems` group (modemtype = generic), sim-buffering = false, spool store, log-level 1; sendsms over HTTP on loopback, 4 concurrent clients with keep-alive',
      inject: async () => {
        let next = 0;
        const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 4 });
        const client = async () => {
          for (let i = next++; i < N; i = next++) {
            const url = `http://127.0.0.1:${http}/cgi-bin/sendsms?username=bench&password=bench&from=bench&to=${numberOf(i)}&text=${encodeURIComponent(TEXT(i))}`;
            const body = await get(url, agent);
            if (!/Accepted|Queued/.test(body)) throw new Error(`sendsms: ${body}`);
          }
        };
        await Promise.all([client(), client(), client(), client()]);
        agent.destroy();
      },
    };
  },
};

async function get(url, agent) {
  const http = await import('node:http');
  return new Promise((res, rej) => {
    http.get(url, { agent }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c) => (body += c));
      r.on('end', () => res(body));
    }).on('error', rej);
  });
}

async function waitLog(file, pattern, ms, message) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    if (existsSync(file) && pattern.test(readFileSync(file, 'utf8'))) return;
  }
  throw new Error(message);
}

async function bench(name) {
  const dir = mkdtempSync(join(tmpdir(), `peers-${name}-`));
  const sim = await startSim(dir);
  let peer;
  let meter;
  try {
    peer = await PEERS[name](dir, sim.path);
    meter = cpuMeter(() => peer.roots);
    const cpu0 = meter.sample();
    const before = sim.times.length;
    const t0 = Date.now();
    const injected = peer.inject();
    injected.catch(() => undefined);
    await waitFor(sim, before + N, MAX_MS);
    const cpu1 = meter.sample();
    await Promise.race([injected, sleep(100)]);
    const got = sim.times.length - before;
    const last = sim.times[sim.times.length - 1] ?? t0;
    const seconds = (last - t0) / 1000;
    return { name, got, seconds, rate: got / seconds, cpuPerSms: got ? (cpu1 - cpu0) / got : NaN, wrong: sim.wrong, procs: meter.pids().length, config: peer.config, dir };
  } finally {
    meter?.stop();
    if (peer) await stop(tree(peer.roots));
    await stop([sim.child.pid]);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

function versions() {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', 'smstools', 'gammu', 'gammu-smsd', 'kannel'], { encoding: 'utf8' });
  return r.stdout.trim();
}

ensurePackages();
if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
const commit = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
console.log(`peers bench: ${N} one-segment SMS each, sim pty answering at once; mail2sms at ${commit}; ${new Date().toISOString()}`);
console.log(versions());
const results = [];
for (const name of (opts.only ?? 'mail2sms,smstools,gammu,kannel').split(',')) {
  console.log(`\n${name}: running`);
  try {
    const r = await bench(name);
    results.push(r);
    console.log(`  ${r.got}/${N} SMS in ${r.seconds.toFixed(2)} s = ${r.rate.toFixed(2)} SMS/s, CPU ${r.cpuPerSms.toFixed(2)} ms/SMS over ${r.procs} processes${r.wrong ? `, ${r.wrong} with wrong text` : ''}`);
    console.log(`  config: ${r.config}`);
  } catch (err) {
    console.log(`  SKIPPED ${name}: ${err.message}`);
    results.push({ name, skipped: err.message });
  }
}
console.log('\n| gateway | SMS at the sim | wall s | SMS/s | CPU ms per SMS |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  if (r.skipped) console.log(`| ${r.name} | skipped: ${r.skipped} | | | |`);
  else console.log(`| ${r.name} | ${r.got}/${N} | ${r.seconds.toFixed(2)} | ${r.rate.toFixed(2)} | ${r.cpuPerSms.toFixed(2)} |`);
}
const ours = results.find((r) => r.name === 'mail2sms' && !r.skipped);
if (ours) console.log(`\ntargets: >= 100 SMS/s ${ours.rate >= 100 ? 'met' : 'NOT met'} (${ours.rate.toFixed(1)}); <= 1.3 ms CPU/SMS ${ours.cpuPerSms <= 1.3 ? 'met' : 'NOT met'} (${ours.cpuPerSms.toFixed(2)})`);
process.exit(0);
