/*
 * Reassembly of concatenated inbound SMS (SPEC 10, TS 23.040 §9.2.3.24.1): pure joins in part
 * order, duplicates once, missing parts marked; checked on the corpus concatenation vectors
 * (test/fixtures/sms-deliver/vectors.json, see SOURCES.md there) and by properties.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { decodeDeliver } from '../../../src/encode/index.js';
import { assembleParts, missingPartMark, missingParts, type WaitingPart } from '../../../src/inbound/index.js';

const VECTORS = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/sms-deliver/vectors.json', import.meta.url)), 'utf8')) as {
    vectors: { id: string; kind: string; parts_hex?: string[]; expected: Record<string, unknown> }[];
  }
).vectors.filter((v) => v.kind === 'concat_assemble');

const gsm = (seq: number, text: string): WaitingPart => ({ seq, encoding: 'gsm7', text });

describe('assembleParts', () => {
  test.each([
    ['parts in order', [gsm(1, 'ab'), gsm(2, 'cd'), gsm(3, 'ef')], 3, 'abcdef'],
    ['parts out of order', [gsm(3, 'ef'), gsm(1, 'ab'), gsm(2, 'cd')], 3, 'abcdef'],
    ['a part given twice, the first kept', [gsm(2, 'cd'), gsm(1, 'ab'), gsm(2, 'XX')], 2, 'abcd'],
  ])('joins %s in part order', (_name, parts, total, text) => {
    expect(assembleParts(parts, total)).toEqual({ complete: true, encoding: 'gsm7', text, missing: [] });
  });

  it('marks a missing part in its place and lists it', () => {
    expect(assembleParts([gsm(3, 'ef'), gsm(1, 'ab')], 3)).toEqual({ complete: false, encoding: 'gsm7', text: 'ab[part 2 of 3 missing]ef', missing: [2] });
  });

  it('gives ucs2 when GSM 7-bit and UCS-2 parts make one message (a phone codes each part on its own)', () => {
    expect(assembleParts([gsm(1, 'Grüße '), { seq: 2, encoding: 'ucs2', text: 'aus Łódź' }], 2)).toMatchObject({ encoding: 'ucs2', text: 'Grüße aus Łódź' });
  });

  it('joins the data of 8-bit parts in part order', () => {
    const parts: WaitingPart[] = [
      { seq: 2, encoding: 'binary', text: '', dataHex: 'CCDD' },
      { seq: 1, encoding: 'binary', text: '', dataHex: 'AABB' },
    ];
    expect(assembleParts(parts, 3)).toEqual({ complete: false, encoding: 'binary', text: missingPartMark(3, 3), dataHex: 'AABBCCDD', missing: [3] });
  });

  it('ignores a part number outside 1..total', () => {
    expect(assembleParts([gsm(1, 'a'), gsm(4, 'x')], 2)).toMatchObject({ complete: false, text: 'a[part 2 of 2 missing]', missing: [2] });
  });

  it('missingParts lists 1..total less what is there', () => {
    expect(missingParts([{ seq: 4 }, { seq: 1 }], 5)).toEqual([2, 3, 5]);
  });
});

describe('assembleParts on the corpus concatenation vectors', () => {
  const partsOf = (hexes: readonly string[]): { parts: WaitingPart[]; total: number } => {
    const decoded = hexes.map((hex) => decodeDeliver(hex, { withSmsc: true }));
    const concat = decoded.flatMap((d) => (d.ok && d.sms.concat !== undefined ? [{ ...d.sms, concat: d.sms.concat }] : []));
    const parts = concat.map((sms) => ({ seq: sms.concat.seq, encoding: sms.encoding, text: sms.text }));
    return { parts, total: concat[0]?.concat.total ?? 1 };
  };

  test.each(VECTORS.filter((v) => typeof v.expected['text'] === 'string'))('$id: the text node-pdu assembles, missing parts marked', (v) => {
    const { parts, total } = partsOf(v.parts_hex ?? []);
    const assembled = assembleParts(parts, total);
    expect(assembled.text.replace(/\[part \d+ of \d+ missing\]/g, '')).toBe(v.expected['text']);
    expect(assembled.complete).toBe(assembled.missing.length === 0);
    expect(assembled.missing).toEqual(missingParts(parts, total));
  });

  it('node-pdu/append#3: parts 1 and 2 of 3 give the text with part 3 marked missing', () => {
    const v = VECTORS.find((x) => x.id === 'node-pdu/append#3');
    const { parts, total } = partsOf(v?.parts_hex ?? []);
    expect(assembleParts(parts, total)).toEqual({ complete: false, encoding: 'gsm7', text: "What's up,[part 3 of 3 missing]", missing: [3] });
  });

  it('ofono/concat_assembly: complete only after part 3', () => {
    const v = VECTORS.find((x) => x.id === 'ofono/concat_assembly');
    const { parts, total } = partsOf(v?.parts_hex ?? []);
    const completeAfter = [1, 2, 3].find((n) => assembleParts(parts.slice(0, n), total).complete);
    expect(completeAfter).toBe(v?.expected['complete_after_part']);
  });
});

describe('assembleParts properties', () => {
  const message = fc.array(fc.string({ minLength: 0, maxLength: 8 }), { minLength: 1, maxLength: 8 });

  it('any order with any duplicates gives the texts joined in part order, complete', () => {
    fc.assert(
      fc.property(
        message.chain((texts) => fc.tuple(fc.constant(texts), fc.shuffledSubarray(texts.map((_, i) => i + 1), { minLength: 0 }), fc.infiniteStream(fc.nat()))),
        ([texts, repeats, order]) => {
          const given = [...texts.map((t, i) => gsm(i + 1, t)), ...repeats.map((seq) => gsm(seq, texts[seq - 1] ?? ''))];
          const keys = given.map(() => order.next().value as number);
          const shuffled = given.map((p, i) => ({ p, k: keys[i] ?? 0 })).sort((a, b) => a.k - b.k).map(({ p }) => p);
          expect(assembleParts(shuffled, texts.length)).toEqual({ complete: true, encoding: 'gsm7', text: texts.join(''), missing: [] });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with parts left out, each is marked in its place and listed', () => {
    fc.assert(
      fc.property(
        message.chain((texts) => fc.tuple(fc.constant(texts), fc.subarray(texts.map((_, i) => i + 1)))),
        ([texts, kept]) => {
          const total = texts.length;
          const assembled = assembleParts(kept.map((seq) => gsm(seq, texts[seq - 1] ?? '')).reverse(), total);
          const expected = texts.map((t, i) => (kept.includes(i + 1) ? t : missingPartMark(i + 1, total))).join('');
          expect(assembled.text).toBe(expected);
          expect(assembled.missing).toEqual(texts.map((_, i) => i + 1).filter((seq) => !kept.includes(seq)));
          expect(assembled.complete).toBe(kept.length === total);
        },
      ),
      { numRuns: 200 },
    );
  });
});
