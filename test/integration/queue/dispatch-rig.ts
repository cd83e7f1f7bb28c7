/*
 * dispatch-rig.ts - what the dispatcher tests share: a real queue on a SQLite file in a temp
 * dir, a clock moved by hand, the JSON log lines of the test's logger, and the test's
 * dispatcher, stopped (without drain) and the file removed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Dispatcher } from '../../../src/dispatch/index.js';
import { createLogger, type Logger } from '../../../src/log/index.js';
import { openQueue, type Queue } from '../../../src/queue/index.js';
import { T0 } from './queue-fixtures.js';
import { FakeClock } from './scripted-transport.js';

export type LogLine = Record<string, unknown>;

export interface DispatchRig {
  readonly clock: FakeClock;
  readonly queue: Queue;
  readonly lines: LogLine[];
  /** The test's dispatcher: set it, and it is stopped after the test. */
  dispatcher: Dispatcher | undefined;
  /** An info-level logger whose lines land in `lines`. */
  logger(): Logger;
}

/** Registers the set-up and tear-down hooks of the calling test file; fields are fresh per test. */
export function useDispatchRig(prefix: string): DispatchRig {
  let dir = '';
  let state: { clock: FakeClock; queue: Queue; lines: LogLine[] } | undefined;
  const current = () => {
    if (!state) throw new Error('dispatch rig used outside a test');
    return state;
  };
  const rig: DispatchRig = {
    get clock() {
      return current().clock;
    },
    get queue() {
      return current().queue;
    },
    get lines() {
      return current().lines;
    },
    dispatcher: undefined,
    logger: () => createLogger({ level: 'info', destination: { write: (s: string) => void current().lines.push(JSON.parse(s) as LogLine) } }),
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const clock = new FakeClock(T0);
    state = { clock, lines: [], queue: openQueue({ path: join(dir, 'mail2sms.db'), logger: createLogger({ level: 'silent' }), now: () => clock.now }) };
  });
  afterEach(async () => {
    await rig.dispatcher?.stop({ drain: false });
    rig.dispatcher = undefined;
    await state?.queue.close();
    state = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  return rig;
}
