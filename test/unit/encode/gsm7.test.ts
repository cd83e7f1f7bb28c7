import { describe, expect, test } from 'vitest';
import {
  GSM7_ESCAPE,
  fromGsm7Septets,
  gsm7CharCost,
  gsm7SeptetCount,
  hexToOctets,
  octetsToHex,
  packSeptets,
  toGsm7Septets,
  unpackSeptets,
} from '../../../src/encode/index.js';
import { GSM0338, partition, vectorsOf } from './fixture-vectors.js';

const defaultEntries = Object.entries(GSM0338.default_alphabet).map(([code, e]) => ({
  code: Number.parseInt(code, 16),
  char: e.char,
  name: e.name,
}));
const extensionEntries = Object.entries(GSM0338.extension_table).map(([code, e]) => ({
  code: Number.parseInt(code, 16),
  char: e.char,
  name: e.name,
}));

describe('the GSM 03.38 default alphabet', () => {
  // 0x1B is the escape (GSM0338.TXT shows it as NBSP for display only); 0x09 is decided below.
  const plain = defaultEntries.filter((e) => e.code !== GSM7_ESCAPE && e.code !== 0x09);

  test.each(plain)('$name (0x$code) encodes to its one septet and decodes back', ({ code, char }) => {
    expect(toGsm7Septets(char)).toEqual({ ok: true, septets: [code] });
    expect(fromGsm7Septets([code])).toBe(char);
    expect(gsm7CharCost(char)).toBe(1);
  });

  test('the table has 128 codes, 126 of them used as above', () => {
    expect(defaultEntries).toHaveLength(128);
    expect(plain).toHaveLength(126);
  });

  test('0x09 decodes as capital C-cedilla, and both C-cedillas encode to 0x09', () => {
    expect(GSM0338.default_alphabet['0x09']?.char).toBe('ç'); // Unicode's reading, which we note
    expect(fromGsm7Septets([0x09])).toBe('Ç');
    expect(toGsm7Septets('Ç')).toEqual({ ok: true, septets: [0x09] });
    expect(toGsm7Septets('ç')).toEqual({ ok: true, septets: [0x09] });
  });

  test('NO-BREAK SPACE, shown for a bare escape in GSM0338.TXT, is not encodable', () => {
    expect(toGsm7Septets('a\u00a0b')).toEqual({ ok: false, char: '\u00a0', index: 1 });
  });

  test('line feed and carriage return are one septet each', () => {
    expect(toGsm7Septets('\r\n')).toEqual({ ok: true, septets: [0x0d, 0x0a] });
  });
});

describe('the GSM 03.38 extension table', () => {
  test.each(extensionEntries)('$name (ESC 0x$code) costs two septets and round-trips', ({ code, char }) => {
    expect(toGsm7Septets(char)).toEqual({ ok: true, septets: [GSM7_ESCAPE, code] });
    expect(gsm7CharCost(char)).toBe(2);
    expect(fromGsm7Septets([GSM7_ESCAPE, code])).toBe(char);
  });

  test('the euro sign, brackets, braces, tilde, caret, backslash, bar and form feed are all there', () => {
    expect(extensionEntries.map((e) => e.char).sort()).toEqual(['\f', '[', '\\', ']', '^', '{', '|', '}', '~', '€'].sort());
  });

  test('an escape before a code the table lacks shows the default character for that code', () => {
    expect(fromGsm7Septets([GSM7_ESCAPE, 0x41])).toBe('A');
  });

  test('a trailing lone escape shows as a space', () => {
    expect(fromGsm7Septets([0x41, GSM7_ESCAPE])).toBe('A ');
  });
});

describe('encodability', () => {
  test('é is GSM 7-bit and € costs two septets', () => {
    expect(gsm7SeptetCount('é')).toBe(1);
    expect(gsm7SeptetCount('€')).toBe(2);
    expect(gsm7SeptetCount('a€b')).toBe(4);
  });

  test('the first unencodable character is named with its index, whole even outside the BMP', () => {
    expect(toGsm7Septets('ok 😀 ж')).toEqual({ ok: false, char: '😀', index: 3 });
    expect(gsm7SeptetCount('ж')).toBeUndefined();
  });

  test.each(vectorsOf('gsm7_pack_must_fail'))('$id: text outside GSM 03.38 is refused', (v) => {
    expect(toGsm7Septets(String(v.input['text'])).ok).toBe(false);
  });
});

describe('septet packing vectors', () => {
  const { run, skipped } = partition(vectorsOf('gsm7_pack'), (v) =>
    v.input['cr_padding'] === true
      ? 'CR padding (23.038 §6.1.2.3.1) is for channels without a septet count (CBS, USSD); an SMS carries TP-UDL'
      : v.expected['packed_hex'] === undefined
        ? 'no packed hex to compare (counts only; checked below)'
        : undefined,
  );

  test('the skipped packing vectors are the CR-padding ones and the count-only one', () => {
    expect(skipped.map((s) => s.id).sort()).toEqual([
      'libosmocore/test_octet_return',
      'smspdudecoder/test_8n_1_encode#1',
      'smspdudecoder/test_8n_1_encode#2',
      'smspdudecoder/test_ext_alphabet#1',
      'smspdudecoder/test_ext_alphabet#2',
    ]);
    expect(run.length).toBeGreaterThan(25);
  });

  test.each(run)('$id packs to the expected octets and unpacks back', (v) => {
    const text = String(v.input['text']);
    const fill = Number(v.input['fill_bits'] ?? 0);
    const result = toGsm7Septets(text);
    if (!result.ok) throw new Error(`unexpected unencodable ${result.char}`);
    if (v.expected['septets_hex'] !== undefined) {
      expect(octetsToHex(Uint8Array.from(result.septets))).toBe(v.expected['septets_hex']);
    }
    if (v.expected['septet_count'] !== undefined) expect(result.septets.length).toBe(v.expected['septet_count']);
    const packed = packSeptets(result.septets, fill);
    expect(octetsToHex(packed)).toBe(v.expected['packed_hex']);
    if (v.expected['octet_count'] !== undefined) expect(packed.length).toBe(v.expected['octet_count']);
    const back = unpackSeptets(hexToOctets(String(v.expected['packed_hex'])), result.septets.length, fill);
    expect(fromGsm7Septets(back)).toBe(text);
  });

  test('libosmocore: eight septets pack into seven octets', () => {
    const result = toGsm7Septets('test1234');
    expect(result.ok && result.septets.length).toBe(8);
    expect(result.ok && packSeptets(result.septets).length).toBe(7);
  });
});
