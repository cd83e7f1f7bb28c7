import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gsm7SeptetCount, planOctets, planText, type PlanOptions, type TextPlan } from '../../../src/encode/index.js';
import { partition, vectorsOf, type Vector } from './fixture-vectors.js';
import { mixedText } from './text-arbitraries.js';

const CONCAT: PlanOptions = { long: 'concatenate', maxSegments: 10 };
const SPLIT: PlanOptions = { long: 'split', maxSegments: 10 };

function okPlan(plan: TextPlan): Extract<TextPlan, { ok: true }> {
  if (!plan.ok) throw new Error(`expected a plan, got ${plan.reason}`);
  return plan;
}

function unitsOf(part: string, encoding: 'gsm7' | 'ucs2'): number {
  return encoding === 'gsm7' ? (gsm7SeptetCount(part) ?? Number.NaN) : part.length;
}

function vectorText(v: Vector): string {
  const repeat = v.input['text_repeat'] as { char: string; count: number } | undefined;
  return repeat ? repeat.char.repeat(repeat.count) : String(v.input['text']);
}

describe('segmentation vectors', () => {
  const { run, skipped } = partition(vectorsOf('segmentation'), (v) =>
    v.input['enabled_single_shift_tables'] !== undefined
      ? 'needs a national language shift table (23.038 Annex A); we use the default alphabet only'
      : v.input['concat_reference_bits'] === 16
        ? 'assumes 16-bit concatenation references; we use 8-bit (SPEC 6)'
        : undefined,
  );

  test('three Turkish-table and two 16-bit-reference vectors are skipped, the rest run', () => {
    expect(skipped).toHaveLength(5);
    expect(run).toHaveLength(28);
  });

  test.each(run)('$id gives the expected segments and units', (v) => {
    const text = vectorText(v);
    const max = v.expected['one_more_char'] !== undefined ? 255 : 10;
    const plan = okPlan(planText(text, { long: 'concatenate', maxSegments: max }));
    expect(plan.parts).toHaveLength(Number(v.expected['segments']));
    if (v.expected['encoding'] !== undefined) expect(plan.encoding.toUpperCase()).toBe(v.expected['encoding']);
    if (v.expected['code_units'] !== undefined) expect(plan.units).toBe(v.expected['code_units']);
    const lengths = plan.parts.map((p) => unitsOf(p, plan.encoding));
    if (v.expected['fragment_char_lengths'] !== undefined) expect(lengths).toEqual(v.expected['fragment_char_lengths']);
    if (v.expected['units_remaining'] !== undefined) {
      const single = plan.encoding === 'gsm7' ? 160 : 70;
      const budget = plan.parts.length === 1 ? single : plan.encoding === 'gsm7' ? 153 : 67;
      expect(budget - (lengths.at(-1) ?? 0)).toBe(v.expected['units_remaining']);
    }
    if (v.expected['one_more_char'] !== undefined) {
      const more = planText(text + text.charAt(0), { long: 'concatenate', maxSegments: 255 });
      expect(more).toMatchObject({ ok: false, reason: 'too-many-segments', needed: 256, max: 255 });
    }
  });
});

describe('planText: SPEC 6 budgets', () => {
  test('160 GSM characters are one part', () => {
    const plan = okPlan(planText('a'.repeat(160), CONCAT));
    expect(plan).toMatchObject({ encoding: 'gsm7', units: 160 });
    expect(plan.parts).toEqual(['a'.repeat(160)]);
  });

  test('161 GSM characters are two parts of 153 and 8', () => {
    const plan = okPlan(planText('a'.repeat(161), CONCAT));
    expect(plan.parts.map((p) => p.length)).toEqual([153, 8]);
  });

  test('70 UCS-2 characters are one part and 71 are two', () => {
    expect(okPlan(planText('ж'.repeat(70), CONCAT)).parts).toHaveLength(1);
    const plan = okPlan(planText('ж'.repeat(71), CONCAT));
    expect(plan).toMatchObject({ encoding: 'ucs2', units: 71 });
    expect(plan.parts.map((p) => p.length)).toEqual([67, 4]);
  });

  test('€ costs two septets while é is GSM, not UCS-2', () => {
    expect(okPlan(planText('€', CONCAT))).toMatchObject({ encoding: 'gsm7', units: 2 });
    expect(okPlan(planText('café', CONCAT))).toMatchObject({ encoding: 'gsm7', units: 4 });
    expect(okPlan(planText('€'.repeat(80), CONCAT)).parts).toHaveLength(1);
    expect(okPlan(planText('€'.repeat(81), CONCAT)).parts).toHaveLength(2);
  });

  test('one character outside GSM 03.38 makes the whole text UCS-2', () => {
    expect(okPlan(planText('hello ж', CONCAT))).toMatchObject({ encoding: 'ucs2', units: 7 });
  });

  test('an escape pair at the 153-septet boundary moves whole to the next part', () => {
    const text = `${'a'.repeat(152)}€${'b'.repeat(10)}`;
    const plan = okPlan(planText(text, CONCAT));
    expect(plan.parts).toEqual(['a'.repeat(152), `€${'b'.repeat(10)}`]);
  });

  test('an emoji at the 67-unit boundary moves whole to the next part', () => {
    const text = `${'ж'.repeat(66)}😀${'ж'.repeat(10)}`;
    const plan = okPlan(planText(text, CONCAT));
    expect(plan.parts).toEqual(['ж'.repeat(66), `😀${'ж'.repeat(10)}`]);
  });

  test('split mode cuts into independent SMS of 160 septets or 70 units', () => {
    expect(okPlan(planText('a'.repeat(161), SPLIT)).parts.map((p) => p.length)).toEqual([160, 1]);
    expect(okPlan(planText('ж'.repeat(141), SPLIT)).parts.map((p) => p.length)).toEqual([70, 70, 1]);
  });

  test('more parts than the account allows is refused with the count needed', () => {
    expect(planText('a'.repeat(153 * 3 + 1), { long: 'concatenate', maxSegments: 3 })).toEqual({
      ok: false,
      reason: 'too-many-segments',
      needed: 4,
      max: 3,
      encoding: 'gsm7',
    });
    expect(planText('ж'.repeat(70 * 2 + 1), { long: 'split', maxSegments: 2 })).toMatchObject({ needed: 3, max: 2 });
  });

  test('concatenation is capped at 255 parts whatever the account allows', () => {
    expect(planText('a'.repeat(153 * 255 + 1), { long: 'concatenate', maxSegments: 1000 })).toMatchObject({
      ok: false,
      needed: 256,
      max: 255,
    });
  });

  test('an empty text is one empty GSM part', () => {
    expect(planText('', CONCAT)).toEqual({ ok: true, encoding: 'gsm7', parts: [''], units: 0 });
  });
});

describe('planText properties', () => {
  test.each([['concatenate'], ['split']] as const)('in %s mode parts fit, rejoin, and never split a pair', (long) => {
    fc.assert(
      fc.property(mixedText, (text) => {
        const plan = okPlan(planText(text, { long, maxSegments: 1000 }));
        const single = plan.encoding === 'gsm7' ? 160 : 70;
        const budget = plan.parts.length === 1 || long === 'split' ? single : plan.encoding === 'gsm7' ? 153 : 67;
        expect(plan.parts.join('')).toBe(text);
        const units = plan.parts.map((p) => unitsOf(p, plan.encoding));
        expect(units.reduce((a, b) => a + b, 0)).toBe(plan.units);
        units.forEach((u, i) => {
          expect(u).toBeLessThanOrEqual(budget);
          // Only a pair that would not fit ends a part early, so each part but the last is full or one short.
          if (i < units.length - 1) expect(u).toBeGreaterThanOrEqual(budget - 1);
        });
        for (const part of plan.parts) {
          expect(part).not.toMatch(/^[\udc00-\udfff]/);
          expect(part).not.toMatch(/[\ud800-\udbff]$/);
        }
        expect(plan.parts.length).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(plan.units / budget)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('planOctets: 8-bit data', () => {
  test('140 octets are one part and 141 are two of 134 and 7', () => {
    expect(planOctets('AB'.repeat(140), CONCAT)).toMatchObject({ ok: true, parts: ['AB'.repeat(140)], units: 140 });
    const plan = planOctets('ab'.repeat(141), CONCAT);
    expect(plan.ok && plan.parts.map((p) => p.length / 2)).toEqual([134, 7]);
    expect(plan.ok && plan.parts[0]?.startsWith('ABAB')).toBe(true);
  });

  test('split mode cuts 8-bit data into independent SMS of 140 octets', () => {
    const plan = planOctets('00'.repeat(281), SPLIT);
    expect(plan.ok && plan.parts.map((p) => p.length / 2)).toEqual([140, 140, 1]);
  });

  test('a UDH from the sender shrinks each part by its length plus the UDHL octet', () => {
    // 8-bit port addressing IE (04 02 dst src): 4 octets, + UDHL = 5 in a single SMS; + concat 11 in a part.
    expect(planOctets('00'.repeat(135), { ...CONCAT, udhHex: '04021020' })).toMatchObject({ ok: true, units: 135 });
    const plan = planOctets('00'.repeat(136), { ...CONCAT, udhHex: '04021020' });
    expect(plan.ok && plan.parts.map((p) => p.length / 2)).toEqual([130, 6]);
  });

  test('too many octets for the account are refused, bad hex too', () => {
    expect(planOctets('00'.repeat(134 * 2 + 1), { long: 'concatenate', maxSegments: 2 })).toEqual({
      ok: false,
      reason: 'too-many-segments',
      needed: 3,
      max: 2,
      encoding: 'binary',
    });
    expect(planOctets('0G', CONCAT)).toMatchObject({ ok: false, reason: 'invalid-hex' });
    expect(planOctets('000', CONCAT)).toMatchObject({ ok: false, reason: 'invalid-hex' });
    expect(planOctets('00', { ...CONCAT, udhHex: '00'.repeat(134) })).toMatchObject({ ok: false, reason: 'udh-too-long' });
  });

  test('empty data is one empty part', () => {
    expect(planOctets('', CONCAT)).toEqual({ ok: true, encoding: 'binary', parts: [''], units: 0 });
  });
});
