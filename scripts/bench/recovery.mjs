/*
 * recovery.mjs - how long the modem transport takes to notice a hung modem and to get it back,
 * with the DEFAULT driver timeouts and recovery timings (what a box runs with).
 *
 * The built modem transport (dist/) drives the simulated modem through the in-process serialport
 * binding. Scenarios, each run once (the timings are timeouts, not load-dependent):
 * - "PDU unanswered": the modem takes the PDU and never answers (`hang-after-prompt`, once);
 *   the send ends `unknown` after the submit timeout, then the ladder's first step (ESC + AT)
 *   brings it back.
 * - "no prompt, back after a reset": the modem stops answering anything (`no-answer`) until it is
 *   reset; two sends time out at the prompt, then sync and re-init fail and AT+CFUN=1,1 works.
 * Printed: time from the first failing send to the moment the transport knew (recovery started),
 * and to the moment it was ready again, with the ladder's steps.
 *
 * Usage: npm run build && node scripts/bench/recovery.mjs   (about 3 minutes)
 */
import os from 'node:os';
import { createLogger } from '../../dist/log/index.js';
import { createModemTransport } from '../../dist/transports/modem/index.js';
import { createSimBinding, SimDevice } from '../../dist/transports/sim/index.js';

const signal = new AbortController().signal;
const segment = (qid) => ({ qid, seq: 1, total: 1, destination: '+447700900123', encoding: 'gsm7', text: `alert ${qid}`, statusReport: false });

async function scenario(name, { faults = [], setFault, clearOnStep }) {
  const lines = [];
  const sim = new SimDevice({ now: Date.now, faults });
  const logger = createLogger({
    level: 'info',
    destination: {
      write: (s) => {
        const line = { ...JSON.parse(s), t: performance.now() };
        lines.push(line);
        if (clearOnStep && line.event === 'modem.recovery' && line.step === clearOnStep) sim.clearFault(setFault);
      },
    },
  });
  const t = createModemTransport({ name: 'gsm1', path: 'sim://gsm1', baudRate: 115200, binding: createSimBinding(sim), logger });
  await t.start();
  if (setFault) sim.setFault(setFault);
  const start = performance.now();
  const outcomes = [];
  for (let i = 0; i < 2 && t.health().state === 'ready'; i += 1) outcomes.push((await t.send(segment(`Q${i}`), signal)).kind);
  const knew = performance.now();
  while (t.health().state !== 'ready') await new Promise((r) => setTimeout(r, 20));
  const ready = performance.now();
  await t.stop({ drain: false });
  const steps = lines.filter((l) => l.event === 'modem.recovery').map((l) => `${l.step}:${l.outcome} @${((l.t - start) / 1000).toFixed(1)}s`);
  return `| ${name} | ${outcomes.join(', ')} | ${((knew - start) / 1000).toFixed(1)} | ${((ready - start) / 1000).toFixed(1)} | ${steps.join('; ')} |`;
}

console.log(`# modem recovery with default timeouts, ${new Date().toISOString()}; node ${process.version}, ${os.cpus().length} CPU, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| hang | send outcomes | s to notice | s to ready again | ladder steps (time from the first send) |');
console.log('|---|---|---|---|---|');
console.log(await scenario('PDU taken, never answered', { faults: ['hang-after-prompt'] }));
console.log(await scenario('silent until AT+CFUN=1,1', { setFault: 'no-answer', clearOnStep: 'reinit' }));
