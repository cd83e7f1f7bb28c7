#!/usr/bin/env node
/*
 * condense.mjs - the CPU cost of condensing (SPEC 5, issue 11), per mail: for each alert mail in
 * test/fixtures/mail/alerts, the time condenseMail() takes on the parsed mail, and the time of
 * the whole draft (condense + compose + encode, what intake runs after parsing) with the
 * default account's `condense: auto` against `condense: off`. Parsing is done once, outside the
 * timing: it is the same with and without condensing.
 *
 * Prints one row per mail (median of --rounds rounds of --iterations calls each, microseconds)
 * and the mean over all mails. Then the accept rate itself: the built gateway in its own process
 * (gateway-fork.mjs, accept path alone: the simulated modem holds its one send), 32 clients on
 * kept connections sending the Alertmanager HTML mail (the largest fixture) and the Monit one,
 * with the bench account's `condense` auto and off, alternating, each point twice; accepted
 * mails/s and gateway CPU ms per mail. Run `npm run build` first.
 *
 * Usage: node scripts/bench/condense.mjs [--iterations N] [--rounds R] [--mails N] [--no-accept]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { forkGateway } from './gateway-fork.mjs';
import { numberOf, runLoad } from './smtp-load.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: { iterations: { type: 'string', default: '200' }, rounds: { type: 'string', default: '7' }, mails: { type: 'string', default: '3000' }, 'no-accept': { type: 'boolean' } },
});
const iterations = Number(values.iterations);
const rounds = Number(values.rounds);
const { DEFAULT_ACCOUNT } = await import(join(ROOT, 'dist/accounts/index.js'));
const { parseMail } = await import(join(ROOT, 'dist/parse/index.js'));
const { condenseMail } = await import(join(ROOT, 'dist/condense/index.js'));
const { planSms } = await import(join(ROOT, 'dist/draft.js'));

/** Median over rounds of the mean microseconds per call of `work`. */
function time(work) {
  for (let i = 0; i < iterations; i += 1) work(); // warm up
  const samples = [];
  for (let r = 0; r < rounds; r += 1) {
    const start = performance.now();
    for (let i = 0; i < iterations; i += 1) work();
    samples.push(((performance.now() - start) * 1000) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const dir = join(ROOT, 'test/fixtures/mail/alerts');
const off = { ...DEFAULT_ACCOUNT, condense: 'off' };
const rows = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()) {
  const raw = readFileSync(join(dir, file));
  const parsed = await parseMail(raw);
  if (!parsed.ok) continue;
  const mail = parsed.mail;
  rows.push({
    file,
    bytes: raw.length,
    condense: time(() => condenseMail(mail)),
    draftOn: time(() => planSms(mail, DEFAULT_ACCOUNT)),
    draftOff: time(() => planSms(mail, off)),
  });
}
const f = (n) => n.toFixed(1);
console.log(`condense bench: node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, ${new Date().toISOString()}, ${iterations} calls x ${rounds} rounds (median)`);
console.log('| mail | bytes | condenseMail µs | draft, condense auto µs | draft, condense off µs |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.file} | ${r.bytes} | ${f(r.condense)} | ${f(r.draftOn)} | ${f(r.draftOff)} |`);
const mean = (key) => rows.reduce((n, r) => n + r[key], 0) / rows.length;
console.log(`| mean of ${rows.length} | | ${f(mean('condense'))} | ${f(mean('draftOn'))} | ${f(mean('draftOff'))} |`);
console.log(`max condenseMail: ${f(Math.max(...rows.map((r) => r.condense)))} µs (${rows.find((r) => r.condense === Math.max(...rows.map((x) => x.condense)))?.file})`);

if (!values['no-accept']) {
  /** The fixture as the bench user sends it: From bench@example.lan, To the mail's number, dot-stuffed. */
  const asBench = (file) => {
    const text = readFileSync(join(dir, file), 'latin1').replace(/\r?\n/g, '\r\n');
    const [head, ...body] = text.split('\r\n\r\n');
    const headers = head.split(/\r\n(?![ \t])/).filter((h) => !/^(from|to):/i.test(h));
    const rest = body.join('\r\n\r\n').replace(/^\./gm, '..');
    return (i) => `From: bench@example.lan\r\nTo: ${numberOf(i)}@sms.bench\r\n${headers.join('\r\n')}\r\n\r\n${rest}\r\n.\r\n`;
  };
  console.log('\n| mail | condense | accepted mails/s | gateway CPU ms/mail |');
  console.log('|---|---|---|---|');
  for (const file of ['alertmanager-firing-html.eml', 'monit-nonexist.eml']) {
    const message = asBench(file);
    const figures = { auto: [], off: [] };
    for (let run = 0; run < 2; run += 1) {
      for (const condense of ['auto', 'off']) {
        const gw = await forkGateway(['0', 'accept-only', '', '', JSON.stringify({ condense })], { held: true });
        await new Promise((r) => setTimeout(r, 200));
        const before = await gw.request('snapshot');
        const load = await runLoad({ port: gw.port, clients: 32, mails: Number(values.mails), perConnection: 'kept', maxSeconds: 6, message });
        const after = await gw.request('snapshot');
        await gw.stop();
        if (load.errors.length > 0) console.error(`${file} ${condense}: ${load.errors.length} client error(s), first: ${load.errors[0]}`);
        const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
        figures[condense].push(`${Math.round(load.accepted / load.seconds)} @ ${(cpuMs / load.accepted).toFixed(2)}`);
      }
    }
    for (const condense of ['auto', 'off']) {
      const runs = figures[condense].map((x) => x.split(' @ '));
      console.log(`| ${file} | ${condense} | ${runs.map((r) => r[0]).join(' / ')} | ${runs.map((r) => r[1]).join(' / ')} |`);
    }
  }
}
