// Shared set-up for the queue integration tests: a real SQLite file in a fresh temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/log/index.js';
import { openQueue, type NewMessage, type Queue } from '../../../src/queue/index.js';

export const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);

export interface TempQueue {
  readonly path: string;
  readonly clock: { now: number };
  queue: Queue;
  reopen(): Queue;
  cleanup(): Promise<void>;
}

export function tempQueue(): TempQueue {
  const dir = mkdtempSync(join(tmpdir(), 'mail2sms-queue-'));
  const path = join(dir, 'mail2sms.db');
  const clock = { now: T0 };
  const open = (): Queue => openQueue({ path, logger: silentLogger(), now: () => clock.now });
  const tq: TempQueue = {
    path,
    clock,
    queue: open(),
    reopen() {
      tq.queue = open();
      return tq.queue;
    },
    async cleanup() {
      await tq.queue.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return tq;
}

export function message(overrides: Partial<NewMessage> & { texts?: readonly string[] } = {}): NewMessage {
  const { texts = ['Disk /var is 91% full'], ...rest } = overrides;
  return {
    mailId: '<m1@example.lan>',
    to: '+819012345678',
    from: 'alerts@example.lan',
    account: 'default',
    userEmail: 'alerts@example.lan',
    encoding: 'gsm7',
    parts: texts.map((text) => ({ text })),
    concatenated: texts.length > 1,
    priority: 0,
    validUntil: T0 + 24 * 3600_000,
    statusReport: false,
    notify: { success: false, failure: true },
    ...rest,
  };
}
