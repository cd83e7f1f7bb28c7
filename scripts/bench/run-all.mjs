/*
 * run-all.mjs - the gateway's end-to-end benchmarks, printed as tables (docs/benchmarks.md).
 *
 *   npm run build && node scripts/bench/run-all.mjs [--quick]
 *
 * The gateway (dist/, one sim route, latency 0, SQLite WAL synchronous=FULL on a real file in a
 * temp dir) runs in a child process (gateway-child.mjs); this process is the SMTP load
 * (smtp-load.mjs, raw sockets). Every point runs twice on a fresh gateway and state dir, and
 * both figures are printed so the spread shows. Measured:
 * - accepted mails/s (first connect to last 250) and sent SMS/s (to the last submit at the sim),
 *   1/8/32 clients, one mail per connection or many per kept connection, greeting 100 / 0 ms;
 * - SQLite commits per accepted mail: accept path (queue.stats()) and all transactions;
 * - latency from the 250 (client side) to the first byte of AT+CMGS at the simulated modem;
 * - gateway CPU time per SMS; RSS idle and after 10,000 mails accepted and sent.
 * Speed is printed here, never asserted in tests.
 *
 * --all: then every other benchmark in docs/benchmarks.md, each in its own process as documented
 * there (OTHERS below), its output passed through and its wall time printed; --only=NAME,...
 * runs just those of them, without sections 1-6 (e.g. --only=per-connection,verdict), --skip=NAME,... leaves some out
 * (peers installs Debian packages with apt-get when its peers are missing).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { clockOffset, drained, forkGateway } from './gateway-fork.mjs';
import { nextReadyCost } from './next-ready.mjs';
import { quantile, runLoad } from './smtp-load.mjs';

const QUICK = process.argv.includes('--quick');
const REPEAT = QUICK ? 1 : 2;
const MAILS = QUICK ? 800 : 3000;
const MAX_SECONDS = QUICK ? 3 : 4;
// --point=kept/0/32 (connection/greeting ms/clients): run that one point once, for profiling.
const ONLY = process.argv.find((a) => a.startsWith('--point='))?.slice('--point='.length);

async function startGateway(greetingMs, mode = 'send') {
  const gw = await forkGateway([String(greetingMs), mode], { held: mode === 'accept-only' });
  return { ...gw, offset: await clockOffset(gw) };
}

/** One measured run on a fresh gateway. */
async function point({ greetingMs, clients, perConnection, mails = MAILS, maxSeconds = MAX_SECONDS, pauseMs = 0, mode = 'send' }) {
  const gw = await startGateway(greetingMs, mode);
  await new Promise((r) => setTimeout(r, 200));
  const before = await gw.request('snapshot');
  const load = await runLoad({ port: gw.port, clients, mails, perConnection, maxSeconds, pauseMs });
  const after = mode === 'accept-only' ? await gw.request('snapshot') : await drained(gw, load.accepted);
  const { submits } = await gw.request('submits');
  await gw.stop();
  const sentAt = new Map(submits.map(([number, cmgsAt, submitAt]) => [number, { cmgsAt: cmgsAt - gw.offset, submitAt: submitAt - gw.offset }]));
  const latencies = load.accepts.flatMap(([number, at]) => (sentAt.has(number) ? [sentAt.get(number).cmgsAt - at] : [])).sort((a, b) => a - b);
  const lastSubmit = Math.max(...[...sentAt.values()].map((s) => s.submitAt));
  const enqueued = after.stats.enqueued - before.stats.enqueued;
  const sent = after.submitted - before.submitted;
  const cpuUs = after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system);
  const txns = after.txn.transactions - before.txn.transactions + (after.txn.autocommits - before.txn.autocommits);
  return {
    accepted: load.accepted,
    errors: load.errors,
    acceptRate: load.accepted / load.seconds,
    sentRate: sent / ((lastSubmit - load.started) / 1000),
    acceptCommitsPerMail: (after.stats.commits - before.stats.commits) / enqueued,
    txnsPerMail: txns / load.accepted,
    cpuMsPerSms: cpuUs / 1000 / sent,
    cpuMsPerMail: cpuUs / 1000 / load.accepted,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    matched: latencies.length,
    sent,
  };
}

const fmt = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const pair = (runs, key, d = 0) => runs.map((r) => fmt(r[key], d)).join(' / ');
const spread = (runs, key) => {
  if (runs.length < 2) return '-';
  const values = runs.map((r) => r[key]);
  const lo = Math.min(...values);
  return `${fmt(((Math.max(...values) - lo) / lo) * 100)}%`;
};

async function repeat(spec) {
  const runs = [];
  for (let i = 0; i < REPEAT; i += 1) {
    const run = await point(spec);
    if (run.errors.length > 0) console.error(`  client errors (${run.errors.length}): ${run.errors[0]}`);
    runs.push(run);
  }
  return runs;
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? '?';
  return `node ${process.version}, ${os.cpus().length} CPU (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/** Once: RSS at start, idle, and after 10,000 mails accepted and sent (as a table row). */
async function memoryRun() {
  const gw = await startGateway(0);
  await new Promise((r) => setTimeout(r, 1000));
  const idle = await gw.request('snapshot');
  const total = QUICK ? 2000 : 10_000;
  const load = await runLoad({ port: gw.port, clients: 32, mails: total, perConnection: 'kept', maxSeconds: 120 });
  const done = await drained(gw, load.accepted);
  await new Promise((r) => setTimeout(r, 1000));
  const after = await gw.request('snapshot');
  const collected = await gw.request('gc');
  const { submits } = await gw.request('submits');
  await gw.stop();
  const lastSubmit = Math.max(...submits.map(([, , at]) => at - gw.offset));
  const mb = (b) => fmt(b / 2 ** 20, 1);
  console.error(`# heap used after the run ${mb(after.heapUsed)} MB; after a full GC (if --expose-gc): heap ${mb(collected.heapUsed)} MB, RSS ${mb(collected.rss)} MB`);
  return `| ${load.accepted} accepted, ${done.submitted} sent | ${mb(gw.startRss)} | ${mb(idle.rss)} (${mb(idle.rssSplit.anon)} + ${mb(idle.rssSplit.file)}) | ${mb(after.rss)} (${mb(after.rssSplit.anon)} + ${mb(after.rssSplit.file)}) | ${fmt(load.accepted / load.seconds)} | ${fmt(done.submitted / ((lastSubmit - load.started) / 1000))} |`;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const listArg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
/** The other benchmarks of docs/benchmarks.md: [name, script, args, rough minutes]. */
const OTHERS = [
  ['per-connection', 'per-connection.mjs', ['--clients', '1,8'], 3],
  ['per-connection-log', 'per-connection.mjs', ['--clients', '8', '--log', 'info'], 2],
  ['per-connection-kept', 'per-connection.mjs', ['--clients', '1,8', '--connection', 'kept'], 2],
  ['connections', 'connections.mjs', [], 0.5],
  ['next-ready', 'next-ready.mjs', [], 1],
  ['queue-commit', 'queue-commit.ts', [], 1],
  ['verdict', 'verdict.mjs', [], 1.5],
  ['condense', 'condense.mjs', [], 13],
  ['hostile', 'hostile.mjs', [], 5],
  ['rate', 'rate.mjs', [], 0.5],
  ['pool', 'pool.mjs', [], 3.5],
  ['recovery', 'recovery.mjs', [], 1.5],
  ['smpp-gateway', 'smpp-gateway.mjs', [], 4],
  ['smpp-session', 'smpp-session.mjs', ['--seconds', '3'], 2],
  ['peers', 'peers.mjs', ['--max-seconds', '600'], 15],
];

/** Runs one of OTHERS in its own process; returns its wall seconds and exit status. */
function runOther([name, script, args, minutes]) {
  const started = Date.now();
  console.log(`\n# ---- ${name}: node scripts/bench/${script} ${args.join(' ')} (about ${minutes} min; load average ${os.loadavg()[0].toFixed(2)}, ${new Date().toISOString()})\n`);
  // queue-commit.ts is TypeScript: compiled with the project's tsconfig into .bench/ first (docs/benchmarks.md).
  const compiled = script.endsWith('.ts');
  if (compiled) spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', '.bench'], { cwd: `${HERE}/../..`, stdio: 'inherit' });
  const path = compiled ? `${HERE}/../../.bench/scripts/bench/${script.replace(/\.ts$/, '.js')}` : `${HERE}/${script}`;
  const r = spawnSync(process.execPath, [path, ...args], { stdio: 'inherit' });
  return { name, seconds: (Date.now() - started) / 1000, status: r.status };
}

/** --all / --only: the other benchmarks, then one line with the wall time of each. */
function runOthers() {
  const only = listArg('only');
  const skip = listArg('skip') ?? [];
  const timings = [];
  for (const other of OTHERS.filter(([name]) => (!only || only.includes(name)) && !skip.includes(name))) timings.push(runOther(other));
  console.log('\n# wall time of each: ' + timings.map((t) => `${t.name} ${t.seconds.toFixed(0)} s${t.status === 0 ? '' : ` (exit ${t.status})`}`).join(', '));
}

if (listArg('only')) {
  runOthers();
  process.exit(0);
}
if (ONLY === 'memory') {
  console.log(await memoryRun());
  process.exit(0);
}
if (ONLY) {
  const [perConnection, greetingMs, clients, mode = 'send', pauseMs = '0'] = ONLY.split('/');
  console.log(await point({ perConnection, greetingMs: Number(greetingMs), clients: Number(clients), mode, pauseMs: Number(pauseMs) }));
  process.exit(0);
}

console.log(`# mail2sms benchmarks ${new Date().toISOString()}`);
console.log(`# ${machine()}`);
console.log(`# runs per point: ${REPEAT} (figures "run1 / run2"); up to ${MAILS} mails or ${MAX_SECONDS} s of sending per run\n`);

console.log('## 1-2, 4. Throughput, commits per mail, CPU per SMS (one short GSM-7 segment per mail, sim latency 0)\n');
console.log('| connection | greeting | clients | mails | accepted mails/s | spread | sent SMS/s | accept commits/mail | all SQLite txns/mail | CPU ms/SMS | 250->AT+CMGS p50 ms | p99 ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
const results = {};
for (const perConnection of ['kept', 'one']) {
  for (const greetingMs of [100, 0]) {
    for (const clients of [1, 8, 32]) {
      const runs = await repeat({ greetingMs, clients, perConnection });
      results[`${perConnection}/${greetingMs}/${clients}`] = runs;
      console.log(
        `| ${perConnection === 'kept' ? 'kept' : 'one per mail'} | ${greetingMs} ms | ${clients} | ${pair(runs, 'accepted')} | ${pair(runs, 'acceptRate')} | ${spread(runs, 'acceptRate')} | ${pair(runs, 'sentRate')} | ${pair(runs, 'acceptCommitsPerMail', 3)} | ${pair(runs, 'txnsPerMail', 2)} | ${pair(runs, 'cpuMsPerSms', 2)} | ${pair(runs, 'p50', 1)} | ${pair(runs, 'p99', 1)} |`,
      );
    }
  }
}

console.log('\n## 1b. Accept path alone (the simulated modem stops answering, so nothing is sent or marked)\n');
console.log('| connection | greeting | clients | mails | accepted mails/s | spread | accept commits/mail | CPU ms/mail |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [perConnection, greetingMs] of [['kept', 0], ['one', 100], ['one', 0]]) {
  for (const clients of [1, 32]) {
    const runs = await repeat({ greetingMs, clients, perConnection, mode: 'accept-only' });
    console.log(`| ${perConnection === 'kept' ? 'kept' : 'one per mail'} | ${greetingMs} ms | ${clients} | ${pair(runs, 'accepted')} | ${pair(runs, 'acceptRate')} | ${spread(runs, 'acceptRate')} | ${pair(runs, 'acceptCommitsPerMail', 3)} | ${pair(runs, 'cpuMsPerMail', 2)} |`);
  }
}

console.log('\n## 3. Latency, 250 reply (client side) to first byte of AT+CMGS at the simulated modem\n');
console.log('| load | mails | p50 ms | p99 ms |');
console.log('|---|---|---|---|');
const low = await repeat({ greetingMs: 0, clients: 1, perConnection: 'kept', mails: QUICK ? 100 : 300, maxSeconds: 20, pauseMs: 20 });
console.log(`| one mail at a time (1 client, 20 ms apart) | ${pair(low, 'matched')} | ${pair(low, 'p50', 2)} | ${pair(low, 'p99', 2)} |`);
// 32 clients, each waiting 64 ms after its 250: at most ~500 mails/s offered, below what one
// simulated modem sends (~1,000 SMS/s), so the latency is the gateway's, not a backlog's.
const paced = await repeat({ greetingMs: 0, clients: 32, perConnection: 'kept', mails: QUICK ? 1000 : 3000, maxSeconds: 20, pauseMs: 64 });
console.log(`| 32 clients, kept connections, each 64 ms after its 250 (${pair(paced, 'acceptRate')} mails/s) | ${pair(paced, 'matched')} | ${pair(paced, 'p50', 2)} | ${pair(paced, 'p99', 2)} |`);
for (const greetingMs of [0, 100]) {
  const high = results[`kept/${greetingMs}/32`];
  console.log(`| 32 clients, kept connections, greeting ${greetingMs} ms | ${pair(high, 'matched')} | ${pair(high, 'p50', 1)} | ${pair(high, 'p99', 1)} |`);
}

console.log('\n## 5. Memory (RSS of the gateway process)\n');
console.log('| mails | RSS at start MB | RSS idle, 1 s after start MB (anon + file) | RSS after 10,000 mails accepted and sent MB (anon + file) | accepted mails/s | sent SMS/s |');
console.log('|---|---|---|---|---|---|');
console.log(await memoryRun());
console.log('\n## 6. Picking the next segment (queue.nextReady(), once per send) by backlog\n');
console.log('| messages waiting | ms per call |');
console.log('|---|---|');
for (const { backlog, msPerCall } of await nextReadyCost()) console.log(`| ${backlog} | ${msPerCall.toFixed(2)} |`);
if (process.argv.includes('--all')) runOthers();
console.log(`\n# done; ${machine()}`);
