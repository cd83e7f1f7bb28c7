/*
 * gateway-child.mjs - the gateway under measurement, alone in its own process (forked by
 * run-all.mjs), so the SMTP load generator does not share its event loop or its CPU account.
 *
 * Runs the BUILT gateway (dist/, `npm run build` first) in process with one sim route whose
 * device is a SimDevice subclass that notes, on the shared wall clock (performance.timeOrigin +
 * performance.now()), when the first byte of each `AT+CMGS=` line reaches the simulated modem.
 * SQLite transactions are counted by wrapping better-sqlite3 (top-level db.transaction() calls
 * plus writes run outside a transaction, i.e. autocommits): every one is a commit with an fsync
 * under synchronous=FULL.
 *
 * IPC (process.send): {cmd:'clock'} -> {now}; {cmd:'snapshot'} -> counters, cpu, rss;
 * {cmd:'backlog'} -> queue.backlog() (segments of open messages by state);
 * {cmd:'submits'} -> [[number, cmgsAt, submitAt, route], ...] taken since the last call; {cmd:'stop'}.
 * Started with argv: <state dir> <greeting delay ms> [send|accept-only] [verdict] [pool] [account] [smtp] [user] [routes].
 * The optional verdict argument (verdict.mjs) is JSON: {"verdict":"dns","dns":"127.0.0.1:PORT"}
 * checks DKIM, SPF and DMARC against that server ({"verdict":"trusted-ip"} checks nothing); with
 * it the bench user's minimums are PASS/PASS/PASS. Without it (or given as ''): trusted-ip,
 * default minimums. The optional pool argument (pool.mjs) is JSON {"routes":N,"latencyMs":L}:
 * N sim routes sim1..simN, each device answering every command L ms late (an AT+CMGS round trip
 * is two answers, the "> " prompt and the +CMGS result: 2L). Without it: one route `sim`, 0 ms.
 * The optional account argument (condense.mjs) is JSON: settings of the bench account, e.g.
 * {"condense":"off"}. The optional smtp argument (hostile.mjs) is JSON: more `smtp:` keys, e.g.
 * {"max_connections_per_client":2000,"tls":{"key":F,"cert":F}}; without it the per-client limits
 * are raised out of the way (the load benches run all their clients from 127.0.0.1). The optional
 * user argument is JSON: settings of the bench user, e.g. {"passwordHash":"scrypt$..."}. The
 * optional routes argument (smpp-gateway.mjs) is JSON: a list of route keys as in the config, e.g.
 * [{"name":"up1","transport":"smpp",...}], used instead of the sim routes (`submitted` then stays 0;
 * the upstream counts what arrives). Snapshots carry maxRss, the process's peak RSS so far.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openAccountStore } from '../../dist/accounts/index.js';
import { parseConfigText } from '../../dist/config/index.js';
import { pino } from 'pino';
import { createLogger, silentLogger } from '../../dist/log/index.js';
import { startGateway } from '../../dist/main.js';
import { SimDevice } from '../../dist/transports/sim/index.js';

const [stateDir, greetingArg, mode, verdictArg, poolArg, accountArg, smtpArg, userArg, routesArg] = process.argv.slice(2);
// The load benches measure throughput from one address: per-client limits would only refuse them.
const smtpKeys = smtpArg ? JSON.parse(smtpArg) : { max_connections_per_client: 1000, max_concurrent_data_per_client: 32 };
const verdict = verdictArg ? JSON.parse(verdictArg) : { verdict: 'trusted-ip' };
const pool = poolArg ? JSON.parse(poolArg) : undefined;
const now = () => performance.timeOrigin + performance.now();

const txn = { transactions: 0, autocommits: 0 };
const origTransaction = Database.prototype.transaction;
Database.prototype.transaction = function transaction(fn) {
  const db = this;
  const inner = origTransaction.call(db, fn);
  const wrap = (variant) =>
    function counted(...args) {
      const top = !db.inTransaction;
      const result = variant.apply(this, args);
      if (top) txn.transactions += 1;
      return result;
    };
  const outer = wrap(inner);
  for (const kind of ['deferred', 'immediate', 'exclusive']) outer[kind] = wrap(inner[kind]);
  outer.default = outer;
  return outer;
};
{
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  const origRun = proto.run;
  proto.run = function run(...args) {
    // better-sqlite3's transaction() runs its own BEGIN through run(): that one is counted above.
    if (!this.reader && !this.database.inTransaction && !/^\s*(BEGIN|SAVEPOINT)/i.test(this.source)) txn.autocommits += 1;
    return origRun.apply(this, args);
  };
  probe.close();
}

/** Linux: resident memory split into anonymous (the process's own) and file-backed (mapped code, shared). */
function rssSplit() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { anon: NaN, file: NaN };
  }
}

/** TP-DA digits of an SMS-SUBMIT TPDU (TS 23.040 §9.1.2.5: semi-octets swapped, F filler). */
function destination(tpduHex) {
  const digits = parseInt(tpduHex.slice(4, 6), 16);
  const field = tpduHex.slice(8, 8 + Math.ceil(digits / 2) * 2);
  let out = '';
  for (let i = 0; i < field.length; i += 2) out += field[i + 1] + field[i];
  return out.slice(0, digits);
}

class TimedDevice extends SimDevice {
  cmgsAt = 0;
  write(input) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
    if (text.includes('AT+CMGS=')) this.cmgsAt = now();
    super.write(input);
  }
}

const routes = routesArg ? JSON.parse(routesArg) : undefined;
const routeNames = routes ? [] : pool ? Array.from({ length: pool.routes }, (_, i) => `sim${i + 1}`) : ['sim'];
const latencyMs = pool?.latencyMs ?? 0;
const devices = new Map(routeNames.map((name) => [name, new TimedDevice({ now: Date.now, latencyMs })]));
let submits = [];
let submitted = 0;
for (const [name, dev] of devices) {
  dev.onSubmit((s) => {
    submitted += 1;
    submits.push([destination(s.tpduHex), dev.cmgsAt, now(), name]);
  });
}

const yaml = `domain: sms.bench
hostname: bench.local
state_dir: ${JSON.stringify(stateDir)}
smtp:
  listen: 127.0.0.1:0
  greeting_delay_ms: ${Number(greetingArg)}
${Object.entries(smtpKeys).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join('')}routes:
${routeNames.map((name) => `  - name: ${name}\n    transport: sim\n    latency_ms: ${latencyMs}\n`).join('')}${(routes ?? []).map((r) => `  - ${JSON.stringify(r)}\n`).join('')}log_level: error
verdict: ${verdict.verdict}
${verdict.dns ? `dns:\n  servers: [${JSON.stringify(verdict.dns)}]\n` : ''}`;
const config = parseConfigText(yaml, 'bench.yaml');
// The sender of smtp-load.mjs, in an account whose rate limit (SPEC 7 token bucket) never binds:
// the bench measures the gateway, not the limit. Set up as an operator would, through the store.
{
  const store = openAccountStore({ path: `${stateDir}/mail2sms.db` });
  store.addAccount({ name: 'bench', allowIps: ['127.0.0.1/32'], tps: 1_000_000, burst: 1_000_000, ...(accountArg ? JSON.parse(accountArg) : {}) });
  const minimums = !verdictArg ? {} : { dkim: 'PASS', spf: 'PASS', dmarc: 'PASS' };
  store.addUser({ email: 'bench@example.lan', account: 'bench', ...minimums, ...(userArg ? JSON.parse(userArg) : {}) });
  store.close();
}
// BENCH_LOG_LEVEL=info: the daemon's own logger at that level, its lines written to <state dir>/gateway.log
// (as the daemon writes them to stdout for the journal); without it nothing is logged.
const logLevel = process.env.BENCH_LOG_LEVEL;
const logger = logLevel ? createLogger({ level: logLevel, destination: pino.destination({ dest: `${stateDir}/gateway.log`, sync: true }) }) : silentLogger();
const gateway = await startGateway({ config, logger, transportOverrides: { simDevices: devices } });
// The sim routes are ready once the driver has run its init commands; wait for that (with
// latency, each init command takes its answer's delay).
for (let i = 0; i < 200 + 10 * latencyMs && gateway.transports.some((t) => t.health?.().state !== undefined && t.health().state !== 'ready'); i += 1) {
  await new Promise((r) => setTimeout(r, 10));
}

// 'accept-only': the modem stops answering, so the dispatcher holds one send and writes nothing
// more; what is left is the accept path alone (SMTP, parse, encode, group commit).
if (mode === 'accept-only') for (const dev of devices.values()) dev.setFault('no-answer');

process.on('message', async (msg) => {
  switch (msg.cmd) {
    case 'clock':
      return process.send({ id: msg.id, now: now() });
    case 'snapshot':
      return process.send({ id: msg.id, now: now(), cpu: process.cpuUsage(), rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024, rssSplit: rssSplit(), heapUsed: process.memoryUsage().heapUsed, stats: gateway.queue.stats(), txn: { ...txn }, submitted });
    case 'backlog':
      return process.send({ id: msg.id, backlog: gateway.queue.backlog() });
    case 'gc':
      // Only with --expose-gc (BENCH_GATEWAY_NODE_ARGS): what is live, as opposed to not yet collected.
      globalThis.gc?.();
      return process.send({ id: msg.id, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed });
    case 'submits': {
      const taken = submits;
      submits = [];
      return process.send({ id: msg.id, submits: taken });
    }
    case 'stop':
      await gateway.stop();
      process.send({ id: msg.id, stopped: true });
      return process.disconnect();
  }
});
// Ends with the bench that forked it, even if that one was killed.
process.on('disconnect', () => process.exit(0));
process.send({ ready: true, port: gateway.listening[0].port, rss: process.memoryUsage().rss });
