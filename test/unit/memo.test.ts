// memoize (src/memo.ts): each input computed once, the table bounded.
import { describe, expect, it } from 'vitest';
import { memoize } from '../../src/memo.js';

describe('memoize', () => {
  it('computes each input once, undefined results included', () => {
    const asked: string[] = [];
    const f = memoize((k: string) => (asked.push(k), k === 'none' ? undefined : k.length), 10);
    expect([f('ab'), f('ab'), f('none'), f('none'), f('abc')]).toEqual([2, 2, undefined, undefined, 3]);
    expect(asked).toEqual(['ab', 'none', 'abc']);
  });

  it('starts afresh once it knows `kept` inputs, so the table never holds more', () => {
    const asked: number[] = [];
    const f = memoize((k: number) => (asked.push(k), k * 2), 3);
    for (const k of [1, 2, 3, 1, 4, 1]) f(k);
    // 1, 2, 3 known; 1 from the table; 4 clears it (3 known) and is computed; 1 again computed.
    expect(asked).toEqual([1, 2, 3, 4, 1]);
  });
});
