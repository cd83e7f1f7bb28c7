import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { decodeUcs2, encodeUcs2, fromUcs2Hex, toUcs2Hex, ucs2UnitCount } from '../../../src/encode/index.js';
import { vectorsOf } from './fixture-vectors.js';

describe('UCS-2 (UTF-16BE)', () => {
  test.each(vectorsOf('ucs2'))('$id encodes to the expected big-endian hex', (v) => {
    expect(toUcs2Hex(String(v.input['text']))).toBe(v.expected['encoded_hex']);
    expect(fromUcs2Hex(String(v.expected['encoded_hex']))).toBe(v.input['text']);
  });

  test('a character outside the BMP is its surrogate pair, two units', () => {
    expect(toUcs2Hex('😀')).toBe('D83DDE00');
    expect(ucs2UnitCount('😀')).toBe(2);
  });

  test('an odd trailing octet is ignored', () => {
    expect(decodeUcs2(Uint8Array.of(0x00, 0x41, 0x00))).toBe('A');
  });

  test('decoding undoes encoding for every string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\ud83d', '\ude00'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) }), (text) => {
        expect(decodeUcs2(encodeUcs2(text))).toBe(text);
      }),
    );
  });
});
