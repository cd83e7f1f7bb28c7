/*
 * verdict.mjs - what the verdict costs (SPEC 3): accepted mails/s, gateway CPU per mail and the
 * time from the end of DATA to the 250, with `verdict: dns` (DKIM verify + SPF + DMARC through
 * mailauth, DNS from a real unbound on loopback) against the same load with `verdict: trusted-ip`.
 *
 *   npm run build && node scripts/bench/verdict.mjs [--quick]
 *
 * Both modes get the same mails: each one DKIM-signed (RSA-2048, relaxed/relaxed, d=example.lan)
 * before the load starts, so the signing is not charged to the load generator's event loop during
 * the run. DNS: unbound answers example.lan's SPF (`v=spf1 ip4:127.0.0.1 -all`), DKIM key and
 * DMARC (`p=reject`) from local-data, as a site resolver answers from its cache. The bench user's
 * minimums are PASS/PASS/PASS in both modes, so in dns mode every mail must pass all three.
 * The gateway runs accept-only (the simulated modem stops answering, as run-all.mjs's 1b), so the
 * figures are the accept path alone, without the sending side's CPU.
 *
 * Checks that the checks are on: each dns-mode gateway first gets one mail whose body was changed
 * after signing and must refuse it with 550 (trusted-ip must take it with 250); during the load
 * every refusal is counted, and the run is flagged when any mail was not accepted. DNS queries
 * that reached unbound per accepted mail come from unbound's own counters (unbound-control), and
 * unbound's CPU (not in the gateway's figure) from /proc, at the kernel's 10 ms tick.
 * Points alternate the modes and run twice; both figures are printed ("run1 / run2").
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { forkGateway } from './gateway-fork.mjs';
import { numberOf, quantile, runLoad } from './smtp-load.mjs';

const QUICK = process.argv.includes('--quick');
const REPEAT = QUICK ? 1 : 2;
const MAILS = QUICK ? 1000 : 3000;
const MAX_SECONDS = QUICK ? 2 : 4;
const DOMAIN = 'example.lan';
const SELECTOR = 'bench';
const PROBE_INDEX = 99_999;

// --- DNS: unbound on a free loopback port, answering only example.lan's three records ---------

/** A port free for both UDP and TCP on 127.0.0.1 right now (bound, then closed); a few tries. */
async function freePort() {
  for (let attempt = 0; ; attempt += 1) {
    const port = await new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const tcpFree = await new Promise((resolve) => {
      const t = createServer();
      t.once('error', () => resolve(false));
      t.listen(port, '127.0.0.1', () => t.close(() => resolve(true)));
    });
    if (tcpFree) return port;
    if (attempt >= 10) throw new Error('no port free for both UDP and TCP on 127.0.0.1');
  }
}

/** A TXT record's data: strings of at most 255 octets (RFC 1035 §3.3.14). */
const txt = (value) => (value.match(/.{1,255}/g) ?? ['']).map((p) => `"${p}"`).join(' ');

function unboundConfig(dir, port, records) {
  return [
    'server:',
    `  interface: 127.0.0.1@${port}`,
    `  port: ${port}`,
    '  do-ip6: no',
    '  do-daemonize: no',
    '  chroot: ""',
    '  username: ""',
    `  directory: "${dir}"`,
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  num-threads: 1',
    '  module-config: "iterator"',
    '  access-control: 127.0.0.0/8 allow',
    '  local-zone: "." static',
    ...Object.entries(records).map(([name, value]) => `  local-data: '${name}. 300 IN TXT ${txt(value)}'`),
    'remote-control:',
    '  control-enable: yes',
    `  control-interface: "${join(dir, 'control.sock')}"`,
    '  control-use-cert: no',
    '',
  ].join('\n');
}

async function startUnbound(records) {
  const binary = ['/usr/sbin/unbound', '/usr/bin/unbound'].find((b) => existsSync(b));
  if (!binary) throw new Error('unbound is not installed: apt-get install unbound');
  const dir = mkdtempSync(join(os.tmpdir(), 'm2s-bench-unbound-'));
  const port = await freePort();
  const conf = join(dir, 'unbound.conf');
  writeFileSync(conf, unboundConfig(dir, port, records));
  const child = spawn(binary, ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`unbound exited with ${child.exitCode}: ${stderr}`);
    if ((await resolver.resolveTxt(`_dmarc.${DOMAIN}`).catch(() => [])).length > 0) break;
    if (i > 100) throw new Error(`unbound did not answer on 127.0.0.1:${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const run = promisify(execFile);
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  return {
    server: `127.0.0.1:${port}`,
    /** unbound's CPU time so far, ms (Linux /proc/PID/stat utime + stime, in clock ticks). */
    cpuMs() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
    },
    /** Queries unbound has answered since it started (its total.num.queries counter). */
    async queries() {
      const { stdout } = await run(binary.replace(/unbound$/, 'unbound-control'), ['-c', conf, 'stats_noreset']);
      return Number(/^total\.num\.queries=(\d+)/m.exec(stdout)?.[1] ?? NaN);
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- Mails: the shape of smtp-load.mjs's, DKIM-signed ------------------------------------------

function plain(i, body = `Server db${i % 10} disk 91% full`) {
  return (
    `From: bench@${DOMAIN}\r\nTo: ${numberOf(i)}@sms.bench\r\nSubject: Disk\r\n` +
    `Message-ID: <bench-${i}@${DOMAIN}>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n${body}\r\n`
  );
}

/**
 * Mail i, signed, and checked here against the key before it is used. mailauth 4.13's signer
 * folds the DKIM-Signature after signing it with a placeholder b=, and about 1 signature in 1,000
 * comes out folded inside a tag value, so that it verifies nowhere (mailauth's verifier and a plain
 * relaxed-canonicalization check agree). Such a mail is signed again with t= a second later, which
 * moves the folds; `key.resigned` counts them.
 */
async function signed(i, key, body) {
  const raw = plain(i, body);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const signTime = new Date(Date.now() + attempt * 1000);
    const { signatures, errors } = await dkimSign(raw, { signTime, signatureData: [{ signingDomain: DOMAIN, selector: SELECTOR, privateKey: key.privatePem }] });
    if (errors.length > 0) throw new Error(`dkimSign: ${errors[0].message ?? errors[0]}`);
    const { results } = await dkimVerify(Buffer.from(signatures + raw), { resolver: key.resolver });
    if (results[0]?.status.result === 'pass') return signatures + raw;
    key.resigned += 1;
  }
  throw new Error(`mail ${i}: no verifiable signature in 5 tries`);
}

// --- The gateway, forked as run-all.mjs does ---------------------------------------------------

function startGateway(verdict) {
  return forkGateway(['0', 'accept-only', JSON.stringify(verdict)], { held: true });
}

/** One measured run on a fresh gateway: the probe, then the load. */
async function point({ mode, clients, perConnection }, ctx) {
  const gw = await startGateway(mode === 'dns' ? { verdict: 'dns', dns: ctx.dns.server } : { verdict: 'trusted-ip' });
  await new Promise((r) => setTimeout(r, 200));
  const probe = await runLoad({ port: gw.port, clients: 1, mails: 1, perConnection: 'one', firstIndex: PROBE_INDEX, message: () => ctx.broken, keepOnRefusal: true });
  const probeCode = probe.refused.length > 0 ? Number(probe.refused[0][1].slice(0, 3)) : probe.accepted > 0 ? 250 : NaN;
  const before = await gw.request('snapshot');
  const queriesBefore = await ctx.dns.queries();
  const dnsCpuBefore = ctx.dns.cpuMs();
  const load = await runLoad({ port: gw.port, clients, mails: MAILS, perConnection, maxSeconds: MAX_SECONDS, message: (i) => ctx.mails[i], keepOnRefusal: true });
  const after = await gw.request('snapshot');
  const dnsCpuMs = ctx.dns.cpuMs() - dnsCpuBefore;
  const queries = (await ctx.dns.queries()) - queriesBefore;
  await gw.stop();
  const dataMs = load.accepts.map(([, , ms]) => ms).sort((a, b) => a - b);
  const cpuUs = after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system);
  return {
    probeCode,
    accepted: load.accepted,
    refused: load.refused,
    errors: load.errors,
    enqueued: after.stats.enqueued - before.stats.enqueued,
    acceptRate: load.accepted / load.seconds,
    cpuMsPerMail: cpuUs / 1000 / load.accepted,
    queriesPerMail: queries / load.accepted,
    dnsCpuMsPerMail: dnsCpuMs / load.accepted,
    p50: quantile(dataMs, 0.5),
    p99: quantile(dataMs, 0.99),
  };
}

const fmt = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const pair = (runs, key, d = 0) => runs.map((r) => fmt(r[key], d)).join(' / ');
const mean = (runs, key) => runs.reduce((s, r) => s + r[key], 0) / runs.length;

function machine() {
  const cpu = os.cpus()[0]?.model ?? '?';
  return `node ${process.version}, ${os.cpus().length} CPU (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

// --- Setup: key, DNS, mails ----------------------------------------------------------------------

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
const key = {
  privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  resolver: async () => [keyRecord.match(/.{1,255}/g)],
  resigned: 0,
};
const dns = await startUnbound({
  [DOMAIN]: 'v=spf1 ip4:127.0.0.1 -all',
  [`${SELECTOR}._domainkey.${DOMAIN}`]: keyRecord,
  [`_dmarc.${DOMAIN}`]: 'v=DMARC1; p=reject',
});
const signStart = performance.now();
const mails = [];
for (let i = 0; i < MAILS; i += 1) mails.push(`${await signed(i, key)}.\r\n`);
const signMs = (performance.now() - signStart) / MAILS;
// The body changed after signing: the body hash no longer matches, so DKIM is FAIL (RFC 6376 §6.1.3).
const broken = `${(await signed(PROBE_INDEX, key)).replace('91% full', '92% full')}.\r\n`;
const ctx = { dns, mails, broken };

console.log(`# mail2sms verdict cost ${new Date().toISOString()}`);
console.log(`# ${machine()}`);
console.log(`# runs per point: ${REPEAT} per mode, modes alternated (figures "run1 / run2"); up to ${MAILS} mails or ${MAX_SECONDS} s per run;`);
console.log(`# gateway accept-only (sim modem not answering); each mail DKIM-signed beforehand (RSA-2048, ${signMs.toFixed(2)} ms per mail to sign and check, ${key.resigned} signed again); DNS: unbound ${dns.server}, local-data\n`);
console.log('| connection | clients | verdict | accepted | refused | probe (body changed) | accepted mails/s | gateway CPU ms/mail | DNS queries/mail | unbound CPU ms/mail | end of DATA -> 250 p50 ms | p99 ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');

const specs = [
  { perConnection: 'kept', clients: 1 },
  { perConnection: 'kept', clients: 32 },
  { perConnection: 'one', clients: 32 },
];
/** A run measures something only if the checks were on and every mail was taken; else say why. */
function problem(run, mode) {
  const probeOk = run.probeCode === (mode === 'dns' ? 550 : 250);
  if (probeOk && run.refused.length === 0 && run.errors.length === 0 && run.accepted > 0 && run.enqueued === run.accepted) return undefined;
  const refused = run.refused.length > 0 ? ` (${run.refused.slice(0, 5).map(([n]) => n).join(' ')}: ${run.refused[0][1]})` : '';
  return `probe ${run.probeCode}, refused ${run.refused.length}${refused}, errors ${run.errors.length} (${run.errors[0] ?? '-'}), enqueued ${run.enqueued} of ${run.accepted}`;
}

const label = (spec) => `| ${spec.perConnection === 'kept' ? 'kept' : 'one per mail'} | ${spec.clients} |`;
const summary = [];
let flawed = false;
try {
  for (const spec of specs) {
    const runs = { 'trusted-ip': [], dns: [] };
    for (let r = 0; r < REPEAT; r += 1) {
      // Alternate which mode goes first, so a drift in the machine does not favour one.
      for (const mode of r % 2 === 0 ? ['trusted-ip', 'dns'] : ['dns', 'trusted-ip']) {
        const run = await point({ ...spec, mode }, ctx);
        const why = problem(run, mode);
        if (why) console.error(`  ${mode} ${spec.perConnection}/${spec.clients}: ${why}`);
        flawed ||= why !== undefined;
        runs[mode].push(run);
      }
    }
    for (const [mode, rs] of Object.entries(runs)) {
      const refused = rs.map((x) => x.refused.length).join(' / ');
      const probe = rs.map((x) => x.probeCode).join(' / ');
      console.log(
        `${label(spec)} ${mode} | ${pair(rs, 'accepted')} | ${refused} | ${probe} | ${pair(rs, 'acceptRate')} | ${pair(rs, 'cpuMsPerMail', 2)} | ${pair(rs, 'queriesPerMail', 2)} | ${pair(rs, 'dnsCpuMsPerMail', 2)} | ${pair(rs, 'p50', 2)} | ${pair(rs, 'p99', 2)} |`,
      );
    }
    summary.push({ spec, t: runs['trusted-ip'], d: runs.dns });
  }
} finally {
  await dns.stop();
}

console.log('\n| connection | clients | mails/s, dns / trusted-ip | added gateway CPU ms/mail | added end of DATA -> 250, p50 ms | p99 ms |');
console.log('|---|---|---|---|---|---|');
for (const { spec, t, d } of summary) {
  console.log(
    `${label(spec)} ${fmt((mean(d, 'acceptRate') / mean(t, 'acceptRate')) * 100)}% | ${fmt(mean(d, 'cpuMsPerMail') - mean(t, 'cpuMsPerMail'), 2)} | ${fmt(mean(d, 'p50') - mean(t, 'p50'), 2)} | ${fmt(mean(d, 'p99') - mean(t, 'p99'), 2)} |`,
  );
}
console.log(`\n# done; ${machine()}`);
if (flawed) {
  console.error('# FLAWED: a probe was not answered as expected or a mail was not accepted; the figures above measure nothing');
  process.exitCode = 1;
}
