// perLimit (src/state/database.ts): a LIMIT written into the statement's text, one prepared
// statement per value, on a real SQLite connection.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { perLimit } from '../../../src/state/index.js';

let db: Database.Database | undefined;
afterEach(() => db?.close());

describe('perLimit', () => {
  it('returns at most the limit of rows, and prepares each distinct limit once', () => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY); INSERT INTO t (n) VALUES (1), (2), (3), (4), (5)');
    const texts: string[] = [];
    const upTo = perLimit('SELECT n FROM t WHERE n >= @from ORDER BY n LIMIT @limit', (sql) => {
      texts.push(sql);
      return db!.prepare<{ from: number }, { n: number }>(sql);
    });
    expect(upTo(2).all({ from: 2 }).map((r) => r.n)).toEqual([2, 3]);
    expect(upTo(2).all({ from: 4 }).map((r) => r.n)).toEqual([4, 5]);
    expect(upTo(0).all({ from: 1 })).toEqual([]);
    expect(upTo(10).all({ from: 3 }).map((r) => r.n)).toEqual([3, 4, 5]);
    expect(texts).toEqual(['SELECT n FROM t WHERE n >= @from ORDER BY n LIMIT 2', 'SELECT n FROM t WHERE n >= @from ORDER BY n LIMIT 0', 'SELECT n FROM t WHERE n >= @from ORDER BY n LIMIT 10']);
  });

  it('refuses a limit that is not a count, and a statement without "LIMIT @limit"', () => {
    db = new Database(':memory:');
    const one = perLimit('SELECT 1 LIMIT @limit', (sql) => db!.prepare(sql));
    expect(() => one(1.5)).toThrow(RangeError);
    expect(() => one(-1)).toThrow('LIMIT -1 is not a count');
    expect(() => perLimit('SELECT 1 LIMIT 5', (sql) => db!.prepare(sql))).toThrow('no "LIMIT @limit"');
  });
});
