/*
 * pool.mjs - SMS/s through a pool of 1, 2 and 4 simulated modems whose AT+CMGS takes about 1 s
 * (SPEC 9: the dispatcher keeps every healthy modem busy, one outstanding AT+CMGS each, so the
 * rate must grow linearly with the modems).
 *
 *   npm run build && node scripts/bench/pool.mjs [--mails=40] [--latency=500]
 *
 * The BUILT gateway runs in its own process (gateway-fork.mjs -> gateway-child.mjs with the pool
 * argument): N sim routes, each a SimDevice answering every command `latency` ms late. The real
 * modem driver sends one segment as AT+CMGS=<len>, waits for the "> " prompt (one answer), then
 * the PDU and Ctrl-Z, and waits for +CMGS: <mr> / OK (a second answer): one round trip is two
 * answers, so latency 500 ms gives about 1 s per SMS, measured below from the first byte of
 * AT+CMGS= to the next AT+CMGS= on the same modem.
 * A burst of `mails` one-SMS mails to distinct numbers over 8 kept SMTP connections; SMS/s is
 * the mails sent divided by the time from the first 250 (accept) to the last submit (the PDU
 * reaching a modem). Every point runs twice on a fresh gateway and state dir. Printed, never
 * asserted.
 */
import os from 'node:os';
import { clockOffset, forkGateway } from './gateway-fork.mjs';
import { runLoad } from './smtp-load.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MAILS = arg('mails', 40);
const LATENCY = arg('latency', 500);
const POOLS = [1, 2, 4];
const REPEAT = 2;

/** Per modem, the gaps between consecutive AT+CMGS starts: one CMGS round trip each, back to back. */
function roundTrips(submits) {
  const byRoute = new Map();
  for (const [, cmgsAt, , route] of submits) byRoute.set(route, [...(byRoute.get(route) ?? []), cmgsAt]);
  const gaps = [...byRoute.values()].flatMap((starts) => starts.sort((a, b) => a - b).slice(1).map((t, i) => t - starts[i]));
  return gaps.sort((a, b) => a - b);
}

async function point(routes) {
  const gw = await forkGateway(['0', 'send', '', JSON.stringify({ routes, latencyMs: LATENCY })]);
  const offset = await clockOffset(gw);
  const load = await runLoad({ port: gw.port, clients: 8, mails: MAILS, perConnection: 'kept', maxSeconds: 60 });
  const until = Date.now() + 5 * 60_000;
  while ((await gw.request('snapshot')).submitted < load.accepted && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  const { submits } = await gw.request('submits');
  await gw.stop();
  const firstAccept = Math.min(...load.accepts.map(([, at]) => at));
  const lastSubmit = Math.max(...submits.map(([, , at]) => at - offset));
  const perRoute = new Map();
  for (const [, , , route] of submits) perRoute.set(route, (perRoute.get(route) ?? 0) + 1);
  const gaps = roundTrips(submits);
  return {
    routes,
    accepted: load.accepted,
    sent: submits.length,
    seconds: (lastSubmit - firstAccept) / 1000,
    rate: submits.length / ((lastSubmit - firstAccept) / 1000),
    perRoute: [...perRoute.values()],
    cmgsMedianMs: gaps[Math.floor(gaps.length / 2)] ?? NaN,
    errors: load.errors.length,
  };
}

const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const results = [];
for (const routes of POOLS) {
  const runs = [];
  for (let r = 0; r < REPEAT; r += 1) runs.push(await point(routes));
  results.push(runs);
}
const base = results[0].reduce((s, p) => s + p.rate, 0) / results[0].length;
console.log(`\nPool of simulated modems, AT+CMGS ≈ 2 × ${LATENCY} ms, ${MAILS} one-SMS mails to distinct numbers, 8 kept SMTP connections`);
console.log(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${new Date().toISOString()}\n`);
console.log('| modems | SMS sent | first accept → last submit (s) | SMS/s | × 1 modem | SMS per modem | CMGS round trip, median (ms) |');
console.log('|---:|---:|---:|---:|---:|---|---:|');
for (const runs of results) {
  const cell = (f) => runs.map(f).join(' / ');
  console.log(`| ${runs[0].routes} | ${cell((p) => `${p.sent}/${p.accepted}`)} | ${cell((p) => fmt(p.seconds))} | ${cell((p) => fmt(p.rate))} | ${cell((p) => fmt(p.rate / base))} | ${cell((p) => p.perRoute.join('+'))} | ${cell((p) => fmt(p.cmgsMedianMs, 0))} |`);
}
const errors = results.flat().reduce((s, p) => s + p.errors, 0);
if (errors > 0) console.log(`\n${errors} SMTP client errors`);
