/*
 * truncate.test.ts - SPEC 6 `overflow: truncate`: a text over the account's max segments is cut at
 * a word boundary to fit and ends with an ellipsis (issue 11 item 2).
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gsm7SeptetCount, planText, truncateToFit } from '../../../src/encode/index.js';
import { mixedText } from './text-arbitraries.js';

const words = (n: number, word = 'word'): string => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');

describe('truncateToFit', () => {
  test('leaves a text that fits alone: nothing is cut', () => {
    expect(truncateToFit('disk /var 97% full', { long: 'concatenate', maxSegments: 1 })).toBeUndefined();
    expect(truncateToFit('x'.repeat(160), { long: 'concatenate', maxSegments: 1 })).toBeUndefined();
  });

  test('cuts a GSM text at a word boundary to one SMS, ending with "..." (… is not GSM 03.38 and would force UCS-2)', () => {
    const text = words(60);
    const cut = truncateToFit(text, { long: 'concatenate', maxSegments: 1 })!;
    expect(cut.plan.encoding).toBe('gsm7');
    expect(cut.plan.parts).toHaveLength(1);
    expect(cut.text.endsWith('...')).toBe(true);
    const kept = cut.text.slice(0, -3);
    expect(text.startsWith(kept)).toBe(true);
    expect(text[kept.length]).toBe(' ');
    expect(gsm7SeptetCount(cut.text)).toBeLessThanOrEqual(160);
    expect(gsm7SeptetCount(cut.text)).toBeGreaterThan(150);
    expect(cut.dropped).toBe(Array.from(text).length - kept.length);
    expect(cut.needed).toBe(3); // 409 characters: 3 parts of 153
  });

  test('fills every allowed concatenated part, 153 septets each', () => {
    const cut = truncateToFit(words(400), { long: 'concatenate', maxSegments: 3 })!;
    expect(cut.plan.parts).toHaveLength(3);
    expect(gsm7SeptetCount(cut.text)).toBeGreaterThan(3 * 153 - 12);
    expect(cut.plan.parts.join('')).toBe(cut.text);
  });

  test('ends a UCS-2 text with "…", one unit', () => {
    const text = words(80, 'диск');
    const cut = truncateToFit(text, { long: 'concatenate', maxSegments: 2 })!;
    expect(cut.plan.encoding).toBe('ucs2');
    expect(cut.text.endsWith('…')).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(2 * 67);
    expect(cut.text.length).toBeGreaterThan(2 * 67 - 12);
  });

  test('cuts inside a word when no word boundary is within reach (one long token)', () => {
    const cut = truncateToFit('A'.repeat(500), { long: 'concatenate', maxSegments: 1 })!;
    expect(cut.text).toBe(`${'A'.repeat(157)}...`);
    expect(cut.dropped).toBe(343);
  });

  test('trims the blank before the ellipsis', () => {
    const cut = truncateToFit(`${'a'.repeat(150)}      ${'b'.repeat(100)}`, { long: 'split', maxSegments: 1 })!;
    expect(cut.text).toBe(`${'a'.repeat(150)}...`);
  });

  test('a GSM prefix of a text that is UCS-2 only further on goes out as GSM 7-bit', () => {
    const cut = truncateToFit(`${words(60)} ж`, { long: 'concatenate', maxSegments: 1 })!;
    expect(cut.plan.encoding).toBe('gsm7');
    expect(cut.text.endsWith('...')).toBe(true);
  });

  test('any text cut to any limit fits, is a prefix plus the ellipsis, and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(mixedText, fc.integer({ min: 1, max: 4 }), fc.constantFrom('concatenate' as const, 'split' as const), (text, maxSegments, long) => {
        const cut = truncateToFit(text, { long, maxSegments });
        if (!cut) {
          expect(planText(text, { long, maxSegments }).ok).toBe(true);
          return;
        }
        expect(cut.plan.parts.length).toBeLessThanOrEqual(maxSegments);
        expect(planText(cut.text, { long, maxSegments }).ok).toBe(true);
        const ellipsis = cut.text.endsWith('...') ? '...' : '…';
        const kept = cut.text.slice(0, cut.text.length - ellipsis.length);
        expect(text.startsWith(kept)).toBe(true);
        expect(/[\uD800-\uDBFF]$/.test(kept)).toBe(false);
        expect(cut.dropped).toBe(Array.from(text).length - Array.from(kept).length);
      }),
      { numRuns: 300 },
    );
  });
});
