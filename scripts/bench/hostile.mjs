/*
 * hostile.mjs - the gateway's memory under the attacks of issue 12, and whether a legitimate mail
 * still gets its 250 during each: prints RSS before / peak / after per attack.
 *
 * The BUILT gateway (`npm run build` first) runs alone in a child (gateway-fork.mjs) with the
 * unit's V8 flags. Both processes need many file descriptors: this script re-runs itself under
 * prlimit(1) with the soft limit raised to the hard one (or to HOSTILE_NOFILE, which needs root
 * with CAP_SYS_RESOURCE past the hard limit), and the child inherits it. RSS is sampled every 100 ms over IPC. The attacker connects from 127.0.0.1,
 * the legitimate sender from 127.0.0.2 (another client address: any 127.x is loopback on Linux),
 * sending one mail in the middle of each attack (after every attacking connection is open).
 *
 * Attacks (each on a fresh gateway, default `smtp:` limits unless said):
 *   idle       --idle=N connections trickling one byte every --trickle-ms, held --hold-s seconds
 *   data       --data=N sessions each sending --data-mb MB of DATA without the final dot
 *   data-wide  the same with max_connections / max_connections_per_client raised to N+100, so
 *              every session reaches DATA and only the DATA slots bound memory
 *   auth       --auth-conns connections guessing passwords over STARTTLS for --auth-s seconds
 *              (reconnecting when cut); guesses answered per second, and how they were answered
 * Usage: node scripts/bench/hostile.mjs [--only=idle,data,data-wide,auth] [--idle=20000]
 *        [--trickle-ms=20000] [--hold-s=60] [--data=1500] [--data-mb=1] [--auth-conns=16] [--auth-s=30]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { hashPassword } from '../../dist/accounts/index.js';
import { forkGateway } from './gateway-fork.mjs';

// ulimit -n: the soft limit raised to the hard one (no privilege needed), here and in the
// gateway child, which inherits it; HOSTILE_NOFILE=N asks prlimit for N (root/CAP_SYS_RESOURCE).
const NOFILE = Number(process.env.HOSTILE_NOFILE ?? nofile('hard'));
if (!process.env.HOSTILE_REEXEC && nofile('soft') < NOFILE) {
  const r = spawnSync('prlimit', [`--nofile=${NOFILE}:${Math.max(NOFILE, nofile('hard'))}`, process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, HOSTILE_REEXEC: '1' } });
  process.exit(r.status ?? 1);
}

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'idle,data,data-wide,auth' },
    idle: { type: 'string', default: '20000' },
    'trickle-ms': { type: 'string', default: '20000' },
    'hold-s': { type: 'string', default: '60' },
    data: { type: 'string', default: '1500' },
    'data-mb': { type: 'string', default: '1' },
    'auth-conns': { type: 'string', default: '16' },
    'auth-s': { type: 'string', default: '30' },
  },
});
const PASSWORD = 'Correct-Horse-7';
const RCPT = '447973100000@sms.bench';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes) => (bytes / (1 << 20)).toFixed(0);

/** Linux: the soft or hard RLIMIT_NOFILE of this process. */
function nofile(which) {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[which === 'soft' ? 3 : 4] ?? 0);
}

/** A line-based SMTP client: next() is the next reply (multi-line folded), STARTTLS supported. */
function smtp(port, localAddress) {
  return new Promise((resolve, reject) => {
    let socket = net.connect({ port, host: '127.0.0.1', localAddress });
    let buffer = '';
    const replies = [];
    const waiting = [];
    let closed = false;
    const onData = (chunk) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (line[3] === '-') continue;
        const reply = { code: Number(line.slice(0, 3)), text: line };
        const w = waiting.shift();
        if (w) w(reply);
        else replies.push(reply);
      }
    };
    const onClose = () => {
      closed = true;
      for (const w of waiting.splice(0)) w({ code: 0, text: 'closed' });
    };
    const listen = (s) => {
      s.setEncoding('latin1');
      s.on('data', onData);
      s.on('close', onClose);
      s.on('error', () => undefined);
    };
    const conn = {
      next: () => (replies.length ? Promise.resolve(replies.shift()) : closed ? Promise.resolve({ code: 0, text: 'closed' }) : new Promise((r) => waiting.push(r))),
      write: (text) => !closed && socket.write(text),
      command: (line) => (conn.write(`${line}\r\n`), conn.next()),
      async startTls() {
        const go = await conn.command('STARTTLS');
        if (go.code !== 220) return go;
        socket.removeAllListeners('data');
        socket.removeAllListeners('close');
        socket = tls.connect({ socket, rejectUnauthorized: false });
        listen(socket);
        await new Promise((r) => socket.once('secureConnect', r));
        return go;
      },
      get closed() {
        return closed;
      },
      destroy: () => socket.destroy(),
    };
    listen(socket);
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

/** One legitimate mail from 127.0.0.2; with `auth`, over STARTTLS and AUTH PLAIN first. */
async function legitimateMail(port, { auth = false } = {}) {
  const c = await smtp(port, '127.0.0.2');
  const steps = [];
  const step = async (line) => {
    const r = line === undefined ? await c.next() : await c.command(line);
    steps.push(r.text);
    return r;
  };
  try {
    if ((await step()).code !== 220) return steps.at(-1);
    await step('EHLO legit.example');
    if (auth) {
      await c.startTls();
      await step('EHLO legit.example');
      if ((await step(`AUTH PLAIN ${Buffer.from(`\0bench@example.lan\0${PASSWORD}`).toString('base64')}`)).code !== 235) return steps.at(-1);
    }
    if ((await step('MAIL FROM:<bench@example.lan>')).code !== 250) return steps.at(-1);
    if ((await step(`RCPT TO:<${RCPT}>`)).code !== 250) return steps.at(-1);
    if ((await step('DATA')).code !== 354) return steps.at(-1);
    c.write('From: bench@example.lan\r\nSubject: legit\r\n\r\nDisk 91% full\r\n.\r\n');
    return (await c.next()).text;
  } finally {
    c.destroy();
  }
}

/** Samples the gateway's RSS every 100 ms until stop(); returns before, peak, and the last value. */
function sampleRss(gw) {
  let peak = 0;
  let last = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rss } = await gw.request('snapshot');
      peak = Math.max(peak, rss);
      last = rss;
      await sleep(100);
    }
  })();
  return {
    peak: () => peak,
    async stop() {
      running = false;
      await loop;
      return { peak, last };
    },
  };
}

/** Opens `n` attacking connections from 127.0.0.1, `batch` at a time; `onOpen(conn)` says what each does. */
async function openMany(port, n, batch, onOpen) {
  const tally = {};
  const open = [];
  const count = (k) => (tally[k] = (tally[k] ?? 0) + 1);
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async () => {
        let c;
        try {
          c = await smtp(port, '127.0.0.1');
        } catch (err) {
          return count(`connect failed (${err.code})`);
        }
        const outcome = await onOpen(c);
        count(outcome);
        if (c.closed) return;
        open.push(c);
      }),
    );
  }
  return { tally, open };
}

async function idleAttack(gw) {
  const n = Number(values.idle);
  const trickleMs = Number(values['trickle-ms']);
  const { tally, open } = await openMany(gw.port, n, 500, async (c) => {
    const r = await c.next();
    if (r.code === 421) c.destroy();
    return r.text.slice(0, 9);
  });
  // each open connection sends one byte every trickleMs: enough to reset any idle timeout
  const trickle = setInterval(() => open.forEach((c) => c.write('N')), trickleMs);
  const legit = await legitimateMail(gw.port);
  await sleep(Number(values['hold-s']) * 1000);
  clearInterval(trickle);
  const stillOpen = open.filter((c) => !c.closed).length;
  open.forEach((c) => c.destroy());
  return { legit, detail: `${n} connections: ${JSON.stringify(tally)}; ${stillOpen} still open after ${values['hold-s']} s` };
}

async function dataAttack(gw) {
  const n = Number(values.data);
  const chunk = Buffer.alloc(64 * 1024, 'x'.repeat(998) + '\r\n');
  const total = Number(values['data-mb']) << 20;
  const { tally, open } = await openMany(gw.port, n, 250, async (c) => {
    for (const line of [undefined, 'EHLO flood.example', 'MAIL FROM:<bench@example.lan>', `RCPT TO:<${RCPT}>`, 'DATA']) {
      const r = line === undefined ? await c.next() : await c.command(line);
      if (r.code >= 400 || r.code === 0) {
        c.destroy();
        return r.text.slice(0, 9);
      }
    }
    for (let sent = 0; sent < total && !c.closed; sent += chunk.length) {
      if (!c.write(chunk)) await sleep(1);
    }
    return '354 (body sent, no final dot)';
  });
  const legit = await legitimateMail(gw.port);
  await sleep(2000);
  const stillOpen = open.filter((c) => !c.closed).length;
  open.forEach((c) => c.destroy());
  return { legit, detail: `${n} sessions: ${JSON.stringify(tally)}; ${stillOpen} unfinished DATA phases open at the legitimate mail` };
}

async function authAttack(gw) {
  const seconds = Number(values['auth-s']);
  const until = Date.now() + seconds * 1000;
  const tally = {};
  let guesses = 0;
  const guesser = async (id) => {
    while (Date.now() < until) {
      const c = await smtp(gw.port, '127.0.0.1').catch(() => undefined);
      if (!c) continue;
      await c.next();
      await c.command('EHLO guesser.example');
      await c.startTls();
      await c.command('EHLO guesser.example');
      while (!c.closed && Date.now() < until) {
        const r = await c.command(`AUTH PLAIN ${Buffer.from(`\0bench@example.lan\0guess-${id}-${guesses}`).toString('base64')}`);
        if (r.code === 0) break;
        guesses += 1;
        const kind = r.text.slice(0, 9) + (/blocked|your address/.test(r.text) ? ' (address blocked)' : r.code === 421 ? ' (connection cut)' : '');
        tally[kind] = (tally[kind] ?? 0) + 1;
      }
      c.destroy();
    }
  };
  const running = Array.from({ length: Number(values['auth-conns']) }, (_, i) => guesser(i));
  await sleep(Math.min(5000, seconds * 500));
  const legit = await legitimateMail(gw.port, { auth: true });
  await Promise.all(running);
  return { legit, detail: `${values['auth-conns']} connections for ${seconds} s: ${guesses} AUTH answered (${(guesses / seconds).toFixed(1)}/s): ${JSON.stringify(tally)}` };
}

async function run(name, attack, smtpKeys, user) {
  const gw = await forkGateway(['0', 'accept-only', '', '', JSON.stringify({ allowIps: ['127.0.0.0/8'] }), JSON.stringify(smtpKeys), JSON.stringify(user ?? {})], { held: true });
  await sleep(1000);
  const before = (await gw.request('snapshot')).rss;
  const rss = sampleRss(gw);
  const { legit, detail } = await attack(gw);
  await sleep(3000);
  const { peak, last } = await rss.stop();
  await gw.stop();
  console.log(`| ${name} | ${mb(before)} | ${mb(peak)} | ${mb(last)} | ${legit} | ${detail} |`);
}

const dir = mkdtempSync(join(os.tmpdir(), 'm2s-hostile-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost', '-days', '1'], { stdio: 'ignore' });
const only = new Set(values.only.split(','));
console.log(`hostile clients, ${new Date().toISOString()}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${mb(os.totalmem())} MB, node ${process.version}, ulimit -n ${nofile('soft')}`);
console.log('| attack | RSS before MB | peak MB | after MB | legitimate mail (127.0.0.2) | what the attacker got |');
console.log('|---|---|---|---|---|---|');
try {
  if (only.has('idle')) await run(`${values.idle} idle connections, a byte every ${values['trickle-ms']} ms`, idleAttack, {});
  if (only.has('data')) await run(`${values.data} unfinished ${values['data-mb']} MB DATA phases`, dataAttack, {});
  const wide = Number(values.data) + 100;
  if (only.has('data-wide')) await run(`${values.data} unfinished ${values['data-mb']} MB DATA phases, connection limits raised to ${wide}`, dataAttack, { max_connections: wide, max_connections_per_client: wide });
  if (only.has('auth')) {
    const passwordHash = await hashPassword(PASSWORD);
    await run(`AUTH guessing`, authAttack, { tls: { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') } }, { passwordHash });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
