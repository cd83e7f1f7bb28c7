import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  formatMappings,
  gsm7SeptetCount,
  planText,
  planTextTransliterated,
  summarizeMappings,
  transliterateToGsm,
  transliterationTable,
  type TransliterationResult,
} from '../../../src/encode/index.js';
import { gsmText, mixedText } from './text-arbitraries.js';

const isGsm = (text: string): boolean => gsm7SeptetCount(text) !== undefined;

function gsmForm(text: string): string {
  const result = transliterateToGsm(text);
  if (!result.ok) throw new Error(`expected a GSM form of ${JSON.stringify(text)}, "${result.char}" has none`);
  return result.text;
}

describe('transliterateToGsm: one test per class of mapping', () => {
  test.each([
    ['smart single quotes and apostrophes become an apostrophe', '‘it’s’ ‚x‛ 5′ ‹a› `b´', "'it's' 'x' 5' 'a' 'b'"],
    ['smart double quotes, double primes and guillemets become a straight quote', '“a” „b‟ 6″ «c»', '"a" "b" 6" "c"'],
    ['hyphens, dashes and the minus sign become a hyphen-minus', 'a‐b‑c‒d–e—f―g−1', 'a-b-c-d-e-f-g-1'],
    ['bullets become a hyphen and the middle dot a full stop', '• one ‣ two ◦ three a·b', '- one - two - three a.b'],
    ['the ellipsis becomes three full stops', 'wait…', 'wait...'],
    ['no-break, thin, narrow and ideographic spaces and the tab become a space', 'a\u00a0b\u2009c\u202fd\u3000e\tf', 'a b c d e f'],
    ['line and paragraph separators become a line feed', 'a\u2028b\u2029c', 'a\nb\nc'],
    ['invisible formatting characters become nothing', 'a\u200bb\ufeffc\u00add\u2060e', 'abcde'],
    ['accented Latin letters outside GSM lose their accent', 'á â ã ê ë í î ï ó ô õ ú û ý ÿ ś ž č ą ę ň ř', 'a a a e e i i i o o o u u y y s z c a e n r'],
    ['capital accented letters outside GSM lose their accent', 'À È Ì Ò Ù Á Í Ó Ú Â Ê Š Ž Č', 'A E I O U A I O U A E S Z C'],
    ['Hungarian double acute becomes the GSM umlaut', 'ő ű Ő Ű', 'ö ü Ö Ü'],
    ['stacked accents keep the ones GSM has', 'ǘ ǻ ố ắ', 'ü å o a'],
    ['letters Unicode does not decompose use the table', 'ł Ł đ ð þ Þ ħ ı ŋ ŀ', 'l L d d th Th h i n l'],
    ['ligatures outside GSM are spelled out', 'œ Œ ﬁ ﬂ ĳ ǆ', 'oe OE fi fl ij dz'],
    ['a decomposed accent is recomposed into its GSM letter', 'Cafe\u0301 e\u0300', 'Café è'],
    ['trade, copyright and registered marks become letters', '™ © ® ℗', 'TM (c) (R) (P)'],
    ['the degree sign becomes deg, also inside ℃', '45° 30℃', '45deg 30degC'],
    ['arithmetic signs become ASCII', '2×3 6÷2 ±1 ≤ ≥ ≠ ≈', '2x3 6/2 +/-1 <= >= != ~'],
    ['vulgar fractions become a slash fraction', '½ ¼ ¾ ⅓', '1/2 1/4 3/4 1/3'],
    ['superscripts, full-width and circled forms become their plain form', 'm² Ｘ１ ①', 'm2 X1 1'],
    ['arrows become ASCII arrows', 'a → b ← c ⇒ d', 'a -> b <- c => d'],
    ['the micro sign becomes u', '5µs 3μs', '5us 3us'],
    ['Greek capitals drawn like Latin ones become Latin', 'ΑΒΕΗΙΚΜΝΟΡΤΥΧΖ', 'ABEHIKMNOPTYXZ'],
  ])('%s', (_name, input, expected) => {
    expect(gsmForm(input)).toBe(expected);
    expect(isGsm(expected)).toBe(true);
  });

  test('GSM characters are kept as they are, including é ü Ç ç Å Ø æ ß € and the GSM Greek capitals', () => {
    const gsm = 'é ü Ç ç Å Ø æ ß € Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ Ñ ¿ ¡ § £ ¥ ¤ [ ] { } ~ ^ \\ |';
    expect(transliterateToGsm(gsm)).toEqual({ ok: true, text: gsm, changed: [] });
  });

  test('GSM characters next to mapped ones are kept, and only the mapped ones are reported with their index', () => {
    expect(transliterateToGsm('Zürich “Ç”: 5 €')).toEqual({
      ok: true,
      text: 'Zürich "Ç": 5 €',
      changed: [
        { from: '“', to: '"', index: 7 },
        { from: '”', to: '"', index: 9 },
      ],
    });
  });

  test.each([
    ['Cyrillic', 'Привет “мир”', 'П', 0],
    ['CJK', '“Server” 障害', '障', 9],
    ['an emoji, a surrogate pair', 'ok – 👍', '👍', 5],
    ['Greek small letters', 'ΑΒΓ αβγ', 'α', 4],
    ['a combining mark with no base letter', '\u0301abc', '\u0301', 0],
    ['a control character', 'a\u0001b', '\u0001', 1],
  ])('a text with %s has no GSM form and the first such character is named', (_name, input, char, index) => {
    const result: TransliterationResult = transliterateToGsm(input);
    expect(result).toEqual({ ok: false, char, index });
  });
});

describe('the transliteration table', () => {
  test('every key is outside GSM and every value is GSM text', () => {
    const table = transliterationTable();
    expect(table.size).toBeGreaterThan(80);
    for (const [from, to] of table) {
      expect({ from, gsm: isGsm(from) }).toEqual({ from, gsm: false });
      expect({ from, to, gsm: isGsm(to) }).toEqual({ from, to, gsm: true });
    }
  });
});

describe('transliterateToGsm properties', () => {
  test('the output is GSM-encodable whenever it succeeds', () => {
    fc.assert(
      fc.property(mixedText, (text) => {
        const result = transliterateToGsm(text);
        if (result.ok) expect(isGsm(result.text)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('GSM-encodable input comes back unchanged with nothing reported', () => {
    fc.assert(
      fc.property(gsmText, (text) => {
        expect(transliterateToGsm(text)).toEqual({ ok: true, text, changed: [] });
      }),
    );
  });

  test('it never throws, on any string of code units including lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)) }), (a, b) => {
        transliterateToGsm(a);
        transliterateToGsm(b);
      }),
      { numRuns: 2000 },
    );
  });

  test('a failure names a character of the input at its index, and a success reports each change at its index', () => {
    fc.assert(
      fc.property(mixedText, (text) => {
        const result = transliterateToGsm(text);
        if (!result.ok) return void expect(text.slice(result.index, result.index + result.char.length)).toBe(result.char);
        for (const c of result.changed) expect(text.slice(c.index, c.index + c.from.length)).toBe(c.from);
      }),
    );
  });
});

describe('summaries for the preview', () => {
  const changed = gsmChanges('“a” – “b” … ‘c’');

  function gsmChanges(text: string) {
    const result = transliterateToGsm(text);
    if (!result.ok) throw new Error('expected a GSM form');
    return result.changed;
  }

  test('each distinct mapping is counted once in order of first occurrence', () => {
    expect(summarizeMappings(changed)).toEqual([
      { from: '“', to: '"', count: 2 },
      { from: '”', to: '"', count: 2 },
      { from: '–', to: '-', count: 1 },
      { from: '…', to: '...', count: 1 },
      { from: '‘', to: "'", count: 1 },
      { from: '’', to: "'", count: 1 },
    ]);
  });

  test('the formatted summary shows counts, escapes invisible characters and cuts after the limit', () => {
    expect(formatMappings(changed, 3)).toBe('“→" ×2, ”→" ×2, –→-, …');
    expect(formatMappings(gsmChanges('a\u200bb\tc\u00a0d'))).toBe('<U+200B>→(nothing), <U+0009>→<space>, <U+00A0>→<space>');
  });
});

describe('planTextTransliterated (SPEC 6: transliteration saves segments, the account decides)', () => {
  const opts = { long: 'concatenate', maxSegments: 10 } as const;
  const smart = '“Disk almost full” – server db1 at 91 %… please check it now, it’s the one in rack 4 before the night batch';

  test('without the account option the text is planned exactly as planText plans it', () => {
    const r = planTextTransliterated(smart, { ...opts, transliterate: false });
    expect(r).toMatchObject({ transliterated: false, reason: 'not-asked', text: smart });
    expect(r.plan).toEqual(planText(smart, opts));
    expect(r.plan.encoding).toBe('ucs2');
  });

  test('with the option, smart punctuation goes out as GSM in fewer segments', () => {
    const r = planTextTransliterated(smart, { ...opts, transliterate: true });
    if (!r.transliterated) throw new Error(`expected a transliteration, got ${r.reason}`);
    expect(r.plan).toMatchObject({ ok: true, encoding: 'gsm7' });
    expect(r.plan.ok && r.plan.parts.length).toBe(1);
    expect(r.ucs2Segments).toBe(2);
    expect(r.text).toBe('"Disk almost full" - server db1 at 91 %... please check it now, it\'s the one in rack 4 before the night batch');
    expect(r.changed).toHaveLength(5);
  });

  test('a text that is GSM already is not touched', () => {
    expect(planTextTransliterated('Disk full', { ...opts, transliterate: true })).toMatchObject({ transliterated: false, reason: 'already-gsm', text: 'Disk full' });
  });

  test('a text with a character that has no GSM form stays UCS-2 and whole', () => {
    const text = '“Alarm” 温度 high';
    const r = planTextTransliterated(text, { ...opts, transliterate: true });
    expect(r).toMatchObject({ transliterated: false, reason: 'no-gsm-form', char: '温', index: 8, text });
    expect(r.plan).toEqual(planText(text, opts));
  });

  test('the GSM form is not used when it needs more segments than UCS-2', () => {
    const text = '…'.repeat(60);
    const r = planTextTransliterated(text, { ...opts, transliterate: true });
    expect(r).toMatchObject({ transliterated: false, reason: 'no-saving', gsmSegments: 2, text });
    expect(r.plan).toMatchObject({ ok: true, encoding: 'ucs2', units: 60 });
  });

  test('the GSM form is used when UCS-2 would exceed the account limit and GSM fits', () => {
    const text = `${'x'.repeat(150)}’`;
    const r = planTextTransliterated(text, { long: 'concatenate', maxSegments: 2, transliterate: true });
    expect(planText(text, { long: 'concatenate', maxSegments: 2 })).toMatchObject({ ok: false, needed: 3 });
    expect(r).toMatchObject({ transliterated: true, ucs2Segments: 3, plan: { ok: true, encoding: 'gsm7' } });
  });

  test('whatever the text, the chosen plan never needs more segments than planText alone', () => {
    fc.assert(
      fc.property(mixedText, fc.boolean(), (text, transliterate) => {
        const r = planTextTransliterated(text, { ...opts, transliterate });
        const plain = planText(text, opts);
        const count = (p: typeof plain): number => (p.ok ? p.parts.length : p.needed);
        expect(count(r.plan)).toBeLessThanOrEqual(count(plain));
        if (!r.transliterated) expect(r.text).toBe(text);
        expect(r.plan.ok ? r.plan.parts.join('') : r.text).toBe(r.text);
      }),
    );
  });
});
