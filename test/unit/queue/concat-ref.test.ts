import { describe, expect, it } from 'vitest';
import { chooseConcatRef, createQueueIdGenerator, isQueueId } from '../../../src/queue/index.js';

describe('chooseConcatRef', () => {
  const cases: ReadonlyArray<[name: string, last: number | undefined, busy: number[], ref: number, reused: boolean]> = [
    ['a first message to a destination gets 0', undefined, [], 0, false],
    ['the next message gets the reference after the last one', 4, [4], 5, false],
    ['references wrap from 255 to 0', 255, [], 0, false],
    ['a reference held by an unfinished message is skipped', 9, [10, 11], 12, false],
    ['a finished message frees its reference', 9, [], 10, false],
  ];
  it.each(cases)('%s', (_name, last, busy, ref, reused) => {
    expect(chooseConcatRef(last, new Set(busy))).toEqual({ ref, reused });
  });

  it('reuses the next reference and says so when all 256 are held', () => {
    const all = new Set(Array.from({ length: 256 }, (_, i) => i));
    expect(chooseConcatRef(7, all)).toEqual({ ref: 8, reused: true });
  });
});

describe('queue ids', () => {
  it('are 16 base32 characters that sort in the order they were made, also within one millisecond', () => {
    const next = createQueueIdGenerator(() => 0.99);
    const ids = [next(1000), next(1000), next(1000), next(1001), next(999)];
    for (const id of ids) expect(isQueueId(id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('start with the time, and keep increasing when the clock steps back', () => {
    const next = createQueueIdGenerator(() => 0);
    expect(next(0).slice(0, 10)).toBe('0000000000');
    const before = next(Date.UTC(2025, 0, 1));
    const after = next(Date.UTC(2024, 0, 1));
    expect(after > before).toBe(true);
  });
});
