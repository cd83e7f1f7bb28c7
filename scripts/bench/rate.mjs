/*
 * rate.mjs - the per-route `rate` (SPEC 9): the largest number of sends started in any
 * one-second window against the configured rate, for rates 50, 200 and 1000, with an instant
 * transport (answers on the next microtask, a window of 50 like an SMPP bind).
 *
 *   npm run build && node scripts/bench/rate.mjs [--seconds=4]
 *
 * The BUILT dispatcher on a real queue (SQLite file in a temp dir, WAL, synchronous=FULL) on the
 * wall clock; the transport writes down when each send() begins (performance.now on the
 * epoch). Windows are every [t, t + 1000 ms] over those times, not clock seconds. Target: never
 * more than 1 % above the rate. Also the rate achieved over the run, sends / (last start - first
 * start + 1 s): up to `rate` sends may start at once, so a run of k windows spans k - 1 seconds. Printed, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createDispatcher } from '../../dist/dispatch/index.js';
import { silentLogger } from '../../dist/log/index.js';
import { openQueue } from '../../dist/queue/index.js';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SECONDS = arg('seconds', 4);
const RATES = [50, 200, 1000];

class InstantTransport {
  kind = 'smpp';
  concurrency = 50;
  starts = [];
  constructor(name) {
    this.name = name;
  }
  async start() {}
  async stop() {}
  health() {
    return { ready: true, state: 'ready' };
  }
  onStatusReport() {
    return () => undefined;
  }
  async send() {
    this.starts.push(performance.timeOrigin + performance.now());
    await Promise.resolve();
    return { kind: 'sent', messageRef: String(this.starts.length) };
  }
}

function mostInAnySecond(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[j] < sorted[i] - 1000) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function point(rate) {
  const dir = mkdtempSync(join(os.tmpdir(), 'mail2sms-rate-'));
  const queue = openQueue({ path: join(dir, 'mail2sms.db'), logger: silentLogger() });
  const n = rate * SECONDS;
  const now = Date.now();
  const messages = Array.from({ length: n }, (_, i) => ({
    mailId: `<r${i}@bench.lan>`, to: `+8190${String(50000000 + i)}`, from: 'bench@example.lan', account: 'default', userEmail: 'bench@example.lan',
    encoding: 'gsm7', parts: [{ text: `alert ${i}` }], concatenated: false, priority: 0, validUntil: now + 86_400_000, statusReport: false,
    notify: { success: false, failure: false },
  }));
  for (let i = 0; i < n; i += 500) await queue.enqueue(messages.slice(i, i + 500));
  const transport = new InstantTransport('smsc1');
  const d = createDispatcher({ queue, transports: [transport], logger: silentLogger(), rates: { smsc1: rate } });
  d.start();
  while (transport.starts.length < n) await new Promise((r) => setTimeout(r, 20));
  await d.stop({ drain: true });
  await queue.close();
  rmSync(dir, { recursive: true, force: true });
  const first = Math.min(...transport.starts);
  const last = Math.max(...transport.starts);
  return { rate, sends: n, most: mostInAnySecond(transport.starts), achieved: n / ((last - first) / 1000 + 1) };
}

console.log(`\nPer-route rate: ${SECONDS} s of sends per rate, instant transport (window 50), real queue`);
console.log(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${new Date().toISOString()}\n`);
console.log('| rate (sends/s) | sends | most started in any 1 s window | over the rate | sends/s over the run: sends / (last − first start + 1 s) |');
console.log('|---:|---:|---:|---:|---:|');
for (const rate of RATES) {
  for (let run = 0; run < 2; run += 1) {
    const p = await point(rate);
    const over = ((p.most - rate) / rate) * 100;
    console.log(`| ${rate} | ${p.sends} | ${p.most} | ${over > 0 ? `+${over.toFixed(1)} %` : 'none'} | ${p.achieved.toFixed(1)} |`);
  }
}
