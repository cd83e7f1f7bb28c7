/*
 * The receiving store (SPEC 10) on a real SQLite file: parts of several messages from several
 * senders in any order, with duplicates and restarts in between, make each message exactly
 * once; waiting parts survive a restart; a partial message past the wait is made with what came.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DUPLICATE_WINDOW_MS, createReceiver, migrate, type Receiver } from '../../../src/inbound/index.js';
import { createQueueIdGenerator } from '../../../src/queue/index.js';
import { openDatabase } from '../../../src/state/index.js';
import type { ReceivedPart } from '../../../src/transports/transport.js';

let dir: string;
let path: string;
let db: BetterSqlite3.Database | undefined;

/** Opens (or reopens, as after a restart) the file and a receiver on it. */
function open(): Receiver {
  db?.close();
  db = openDatabase(path, { busyTimeoutMs: 1000 });
  migrate(db);
  return createReceiver(db, { newId: createQueueIdGenerator() });
}

const rows = (sql: string, ...params: unknown[]): Record<string, unknown>[] => (db as BetterSqlite3.Database).prepare(sql).all(...params) as Record<string, unknown>[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mail2sms-inbound-'));
  path = join(dir, 'state.sqlite');
});

afterEach(() => {
  db?.close();
  db = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2024-05-01T08:00:00Z');

function part(from: string, text: string, extra: Partial<ReceivedPart> = {}): ReceivedPart {
  const concat = extra.concat;
  return {
    from,
    fromKind: 'international',
    encoding: 'gsm7',
    text,
    sentAt: T0,
    raw: `${from}|${concat ? `${concat.refBits}/${concat.ref}/${concat.total}/${concat.seq}` : 'single'}|${text}`,
    ...extra,
  };
}

const piece = (from: string, refBits: 8 | 16, ref: number, total: number, seq: number, text: string): ReceivedPart =>
  part(from, text, { concat: { ref, total, seq, refBits } });

describe('receive', () => {
  it('a single SMS completes at once: one inbound row, received and due now, its part pointing to it', () => {
    const receiver = open();
    const result = receiver.receive(part('+4915112345678', 'ack 42', { flash: true }), 'gsm1', T0 + 5000);
    if (result.kind !== 'complete') throw new Error(result.kind);
    expect(rows('SELECT id, state, route, sender, sender_kind, encoding, text, parts_total, parts_missing, flash, sent_at, received_at, next_attempt_at FROM inbound')).toEqual([
      { id: result.id, state: 'received', route: 'gsm1', sender: '+4915112345678', sender_kind: 'international', encoding: 'gsm7', text: 'ack 42', parts_total: 1, parts_missing: null, flash: 1, sent_at: T0, received_at: T0 + 5000, next_attempt_at: T0 + 5000 },
    ]);
    expect(rows('SELECT inbound_id FROM inbound_parts')).toEqual([{ inbound_id: result.id }]);
  });

  it('the same part given twice is kept once and makes no second message', () => {
    const receiver = open();
    const sms = part('+4915112345678', 'on my way');
    expect(receiver.receive(sms, 'gsm1', T0).kind).toBe('complete');
    expect(receiver.receive(sms, 'gsm1', T0 + 86_400_000)).toEqual({ kind: 'duplicate' });
    expect(rows('SELECT COUNT(*) AS n FROM inbound_parts')).toEqual([{ n: 1 }]);
    expect(rows('SELECT COUNT(*) AS n FROM inbound')).toEqual([{ n: 1 }]);
  });

  it('a part without a time stamp (SMPP) is a duplicate within 10 minutes of the stored one, a new message after', () => {
    const receiver = open();
    const { sentAt: _none, ...smpp } = part('+4915112345678', 'ack');
    expect(receiver.receive(smpp, 'smpp1', T0).kind).toBe('complete');
    expect(receiver.receive(smpp, 'smpp1', T0 + DUPLICATE_WINDOW_MS)).toEqual({ kind: 'duplicate' });
    expect(receiver.receive(smpp, 'smpp1', T0 + DUPLICATE_WINDOW_MS + 1).kind).toBe('complete');
    expect(rows('SELECT text, sent_at FROM inbound')).toEqual([
      { text: 'ack', sent_at: null },
      { text: 'ack', sent_at: null },
    ]);
  });

  it('8- and 16-bit references with the same number from one sender are different messages', () => {
    const receiver = open();
    const from = '+4915112345678';
    expect(receiver.receive(piece(from, 8, 7, 2, 1, 'eight-'), 'gsm1', T0).kind).toBe('waiting');
    expect(receiver.receive(piece(from, 16, 7, 2, 2, 'SIXTEEN'), 'gsm1', T0 + 1).kind).toBe('waiting');
    expect(receiver.receive(piece(from, 8, 7, 2, 2, 'one'), 'gsm1', T0 + 2).kind).toBe('complete');
    expect(receiver.receive(piece(from, 16, 7, 2, 1, 'sixteen-'), 'gsm1', T0 + 3).kind).toBe('complete');
    expect(rows('SELECT text FROM inbound ORDER BY received_at')).toEqual([{ text: 'eight-one' }, { text: 'sixteen-SIXTEEN' }]);
  });

  it('the same reference from two senders makes two messages', () => {
    const receiver = open();
    expect(receiver.receive(piece('+4915100000001', 8, 1, 2, 1, 'A1'), 'gsm1', T0).kind).toBe('waiting');
    expect(receiver.receive(piece('+4915100000002', 8, 1, 2, 2, 'B2'), 'gsm1', T0 + 1).kind).toBe('waiting');
    expect(receiver.receive(piece('+4915100000002', 8, 1, 2, 1, 'B1'), 'gsm1', T0 + 2).kind).toBe('complete');
    expect(receiver.receive(piece('+4915100000001', 8, 1, 2, 2, 'A2'), 'gsm1', T0 + 3).kind).toBe('complete');
    expect(rows('SELECT sender, text FROM inbound ORDER BY received_at')).toEqual([
      { sender: '+4915100000002', text: 'B1B2' },
      { sender: '+4915100000001', text: 'A1A2' },
    ]);
  });

  it('waiting parts survive a restart and complete their message after it', () => {
    let receiver = open();
    expect(receiver.receive(piece('+4915112345678', 8, 9, 2, 2, 'world'), 'gsm1', T0).kind).toBe('waiting');
    receiver = open();
    expect(receiver.receive(piece('+4915112345678', 8, 9, 2, 1, 'hello '), 'gsm1', T0 + 1).kind).toBe('complete');
    expect(rows('SELECT text FROM inbound')).toEqual([{ text: 'hello world' }]);
  });
});

describe('flushPartials', () => {
  it('a partial message past the wait becomes one row with the missing parts listed and marked', () => {
    const receiver = open();
    const from = '+4915112345678';
    receiver.receive(piece(from, 8, 3, 3, 1, 'first '), 'gsm1', T0);
    receiver.receive(piece(from, 8, 3, 3, 3, ' third'), 'gsm1', T0 + 1000);
    const wait = 60_000;
    expect(receiver.flushPartials(T0 + wait, wait)).toEqual([]);
    const ids = receiver.flushPartials(T0 + wait + 1, wait);
    expect(ids).toHaveLength(1);
    expect(rows('SELECT id, text, parts_total, parts_missing, received_at, next_attempt_at, state FROM inbound')).toEqual([
      { id: ids[0], text: 'first [part 2 of 3 missing] third', parts_total: 3, parts_missing: '[2]', received_at: T0 + 1000, next_attempt_at: T0 + wait + 1, state: 'received' },
    ]);
    expect(rows('SELECT COUNT(*) AS n FROM inbound_parts WHERE inbound_id IS NULL')).toEqual([{ n: 0 }]);
    expect(receiver.flushPartials(T0 + 10 * wait, wait)).toEqual([]);
  });

  it('leaves alone a message whose first part is within the wait, and complete messages', () => {
    const receiver = open();
    receiver.receive(piece('+4915100000001', 16, 300, 2, 1, 'x'), 'gsm1', T0);
    receiver.receive(piece('+4915100000001', 16, 300, 2, 2, 'y'), 'gsm1', T0);
    receiver.receive(piece('+4915100000002', 16, 300, 2, 1, 'late'), 'gsm1', T0 + 50_000);
    expect(receiver.flushPartials(T0 + 60_000, 30_000)).toEqual([]);
    expect(rows('SELECT COUNT(*) AS n FROM inbound')).toEqual([{ n: 1 }]);
  });
});

interface Message {
  readonly sender: string;
  readonly refBits: 8 | 16;
  readonly ref: number;
  readonly texts: readonly string[];
}

const keyOf = (m: Pick<Message, 'sender' | 'refBits' | 'ref'> & { total: number }): string => `${m.sender}/${m.refBits}/${m.ref}/${m.total}`;

const messages = fc.uniqueArray(
  fc.record({
    sender: fc.constantFrom('+4915100000001', '+4915100000002', '+447700900123'),
    refBits: fc.constantFrom<8 | 16>(8, 16),
    ref: fc.integer({ min: 0, max: 2 }),
    texts: fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 }),
  }),
  { minLength: 1, maxLength: 8, selector: (m) => keyOf({ ...m, total: m.texts.length }) },
);

describe('receive properties', () => {
  it('parts in any order, with any duplicates and restarts between them: each message once, with its text; nothing lost', () => {
    fc.assert(
      fc.property(
        messages.chain((ms) => {
          const parts = ms.flatMap((m, mi) =>
            m.texts.map((text, i) =>
              m.texts.length === 1 ? part(m.sender, text, { sentAt: T0 + mi, raw: `${keyOf({ ...m, total: 1 })}|${text}` }) : { ...piece(m.sender, m.refBits, m.ref, m.texts.length, i + 1, text), sentAt: T0 + mi },
            ),
          );
          return fc.tuple(
            fc.constant(ms),
            fc.constant(parts),
            fc.array(fc.nat({ max: parts.length - 1 }), { maxLength: parts.length }), // parts given again
            fc.array(fc.nat(), { minLength: 2 * parts.length, maxLength: 2 * parts.length }), // order
            fc.array(fc.boolean(), { minLength: 2 * parts.length, maxLength: 2 * parts.length }), // restart before?
          );
        }),
        ([ms, parts, again, order, restarts]) => {
          rmSync(path, { force: true });
          rmSync(`${path}-wal`, { force: true });
          rmSync(`${path}-shm`, { force: true });
          db?.close();
          db = undefined;
          const given = [...parts, ...again.map((i) => parts[i] as ReceivedPart)]
            .map((p, i) => ({ p, k: order[i] ?? 0 }))
            .sort((a, b) => a.k - b.k)
            .map(({ p }) => p);
          let receiver = open();
          const results = given.map((p, i) => {
            if (restarts[i] === true) receiver = open();
            return receiver.receive(p, 'gsm1', T0 + 1000 + i);
          });
          expect(results.filter((r) => r.kind === 'complete')).toHaveLength(ms.length);
          expect(results.filter((r) => r.kind === 'duplicate')).toHaveLength(again.length);
          const sorted = (list: readonly Record<string, unknown>[]): string[] => list.map((r) => JSON.stringify(r)).sort();
          const made = rows('SELECT sender, parts_total, text, parts_missing FROM inbound');
          const expected = ms.map((m) => ({ sender: m.sender, parts_total: m.texts.length, text: m.texts.join(''), parts_missing: null }));
          expect(sorted(made)).toEqual(sorted(expected));
          expect(rows('SELECT COUNT(*) AS n FROM inbound_parts')).toEqual([{ n: parts.length }]);
          expect(rows('SELECT COUNT(*) AS n FROM inbound_parts WHERE inbound_id IS NULL')).toEqual([{ n: 0 }]);
        },
      ),
      { numRuns: 40 },
    );
  });
});
