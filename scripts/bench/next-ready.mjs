/*
 * next-ready.mjs - what picking the next segment to send costs as the backlog grows: one
 * queue.nextReady() call (the dispatcher reads a pass's heads in one queue.readyBatch(), the same
 * query with a larger LIMIT).
 *
 *   npm run build && node scripts/bench/next-ready.mjs
 *
 * Real SQLite file (WAL, synchronous=FULL) in a temp dir; one short segment per message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../dist/log/index.js';
import { openQueue } from '../../dist/queue/index.js';

const message = (i) => ({
  mailId: `<bench-${i}@example.lan>`,
  to: `+4479731${String(i % 100_000).padStart(5, '0')}`,
  from: 'bench@example.lan',
  account: 'default',
  userEmail: 'bench@example.lan',
  encoding: 'gsm7',
  parts: [{ text: `Server db${i % 10} disk 91% full` }],
  concatenated: false,
  priority: 0,
  validUntil: Date.now() + 86_400_000,
  statusReport: false,
  notify: { success: false, failure: true },
});

export async function nextReadyCost(backlogs = [100, 1000, 10_000]) {
  const dir = mkdtempSync(join(tmpdir(), 'm2s-next-ready-'));
  const queue = openQueue({ path: join(dir, 'mail2sms.db'), logger: silentLogger() });
  const rows = [];
  let queued = 0;
  for (const backlog of backlogs) {
    const batch = [];
    while (queued + batch.length < backlog) batch.push(message(queued + batch.length));
    await queue.enqueue(batch);
    queued = backlog;
    const calls = 200;
    const started = performance.now();
    for (let i = 0; i < calls; i += 1) queue.nextReady(Date.now(), new Set());
    rows.push({ backlog, msPerCall: (performance.now() - started) / calls });
  }
  await queue.close();
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log('| messages waiting | nextReady() ms per call |');
  console.log('|---|---|');
  for (const { backlog, msPerCall } of await nextReadyCost()) console.log(`| ${backlog} | ${msPerCall.toFixed(2)} |`);
}
