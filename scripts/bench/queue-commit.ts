/*
 * queue-commit.ts - how group commit scales: commits per accepted mail and mails per second
 * against a real SQLite file (WAL, synchronous=FULL), for several numbers of concurrent senders.
 *
 * Each sender behaves like one SMTP session: it enqueues a mail, waits for the commit (the
 * moment the `250` may go out), then sends the next. Speed is printed here, never asserted in
 * tests (STYLE 6). The build compiles src/ only, so compile this file beside it and run it:
 *   npx tsc -p tsconfig.json --noEmit false --outDir .bench && node .bench/scripts/bench/queue-commit.js [DIR]
 * DIR (default: a temp dir) should be on the disk the gateway will use: fsync cost is the point.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log/index.js';
import { openQueue, type NewMessage } from '../../src/queue/index.js';

const MAILS = 2000;
const CONCURRENCY = [1, 4, 16, 64, 256];

function mail(i: number): NewMessage {
  return {
    mailId: `<bench-${i}@bench>`,
    to: `+8190${String(10_000_000 + (i % 5000)).padStart(8, '0')}`,
    from: 'bench@example.lan',
    account: 'default',
    userEmail: 'bench@example.lan',
    encoding: 'gsm7',
    parts: [{ text: `Alert ${i}: disk full on host-${i % 97}` }, { text: 'second part' }],
    concatenated: true,
    priority: 0,
    validUntil: Date.now() + 86_400_000,
    statusReport: false,
    notify: { success: false, failure: true },
  };
}

async function run(base: string, senders: number): Promise<string> {
  const dir = mkdtempSync(join(base, `m2s-bench-${senders}-`));
  const queue = openQueue({ path: join(dir, 'mail2sms.db'), logger: silentLogger() });
  let next = 0;
  const started = process.hrtime.bigint();
  const sender = async (): Promise<void> => {
    while (next < MAILS) {
      next += 1;
      await queue.enqueue([mail(next)]);
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { commits, enqueued } = queue.stats();
  await queue.close();
  rmSync(dir, { recursive: true, force: true });
  const perMail = (commits / enqueued).toFixed(3);
  return `senders=${String(senders).padStart(3)} mails=${enqueued} commits=${commits} commits/mail=${perMail} mails/s=${Math.round(enqueued / seconds)}`;
}

const base = process.argv[2] ?? tmpdir();
for (const senders of CONCURRENCY) console.log(await run(base, senders));
