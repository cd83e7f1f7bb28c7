import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  buildSubmitTpdu,
  decodeSubmitTpdu,
  encodeRelativeValidity,
  encodingOfDcs,
  planText,
  relativeValidityMinutes,
  type SmsPart,
  readDcs,
} from '../../../src/encode/index.js';
import { mixedText } from './text-arbitraries.js';

const BASE: SmsPart = { destination: '+819012345678', encoding: 'gsm7', text: 'hello', statusReport: false };

describe('buildSubmitTpdu: the first octet and header fields (23.040 §9.2.2.2)', () => {
  test.each([
    ['a plain part', {}, '01'],
    ['a status report request', { statusReport: true }, '21'],
    ['a relative validity', { validityMinutes: 60 }, '11'],
    ['a concatenated part', { concat: { ref: 1, total: 2, seq: 1 } }, '41'],
    ['all three', { statusReport: true, validityMinutes: 60, concat: { ref: 1, total: 2, seq: 1 } }, '71'],
  ] as const)('%s sets first octet %s', (_name, extra, first) => {
    expect(buildSubmitTpdu({ ...BASE, ...extra }).hex.slice(0, 2)).toBe(first);
  });

  test('TP-MR is 00 and the length counts the TPDU octets without an SMSC field', () => {
    const tpdu = buildSubmitTpdu(BASE);
    expect(tpdu.hex).toBe('01000C91180921436587000005E8329BFD06');
    expect(tpdu.length).toBe(18);
  });

  test('a number without + is sent with type of address 0x81', () => {
    expect(buildSubmitTpdu({ ...BASE, destination: '09012345678' }).hex.slice(4, 20)).toBe('0B819010325476F8');
  });

  test.each([
    ['gsm7', 0x00],
    ['ucs2', 0x08],
    ['binary', 0x04],
  ] as const)('%s text gets TP-DCS %i unless the part gives one', (encoding, dcs) => {
    const part: SmsPart = { ...BASE, encoding, text: encoding === 'binary' ? '' : 'x', userDataHex: '00' };
    expect(decodeSubmitTpdu(buildSubmitTpdu(part).hex).dcs).toBe(dcs);
    expect(decodeSubmitTpdu(buildSubmitTpdu({ ...part, dcs: 0xf5 }).hex).dcs).toBe(0xf5);
  });

  test('TP-PID is 00 unless the part gives one', () => {
    expect(decodeSubmitTpdu(buildSubmitTpdu(BASE).hex).pid).toBe(0);
    expect(decodeSubmitTpdu(buildSubmitTpdu({ ...BASE, pid: 0x41 }).hex).pid).toBe(0x41);
  });

  test('a sender UDH follows the concatenation IE and shifts the septets by the right fill bits', () => {
    const part: SmsPart = { ...BASE, udhHex: '050400001234', concat: { ref: 9, total: 2, seq: 2 } };
    const tpdu = buildSubmitTpdu(part);
    // UDHL 0B, 12 octets = 96 bits: 2 fill bits, then 14 septets of UDH room + 5 of text.
    expect(tpdu.hex).toContain('130B000309020205040000123');
    expect(decodeSubmitTpdu(tpdu.hex)).toMatchObject({
      text: 'hello',
      userDataLength: 19,
      udh: { hex: '000309020205040000123'.padEnd(22, '4'), extraHex: '050400001234', concat: { ref: 9, total: 2, seq: 2 } },
    });
  });

  test('8-bit data round-trips with its UDH', () => {
    const part: SmsPart = { ...BASE, encoding: 'binary', text: '', userDataHex: 'c0ffee', udhHex: '04021020' };
    expect(decodeSubmitTpdu(buildSubmitTpdu(part).hex)).toMatchObject({
      encoding: 'binary',
      text: '',
      userDataHex: 'C0FFEE',
      udh: { extraHex: '04021020' },
      userDataLength: 8,
    });
  });

  test.each([
    ['a destination with letters', { destination: '+81abc' }],
    ['text outside GSM 03.38 sent as gsm7', { text: 'ж' }],
    ['161 septets in one part', { text: 'a'.repeat(161) }],
    ['154 septets beside a concatenation UDH', { text: 'a'.repeat(154), concat: { ref: 1, total: 2, seq: 1 } }],
    ['71 UCS-2 units', { encoding: 'ucs2', text: 'ж'.repeat(71) }],
    ['141 octets of data', { encoding: 'binary', text: '', userDataHex: '00'.repeat(141) }],
  ] as const)('a part with %s is a bug upstream and throws', (_name, extra) => {
    expect(() => buildSubmitTpdu({ ...BASE, ...extra })).toThrow(RangeError);
  });
});

describe('relative validity (23.040 §9.2.3.12.1)', () => {
  test.each([
    [0, 0],
    [5, 0],
    [6, 1],
    [720, 143],
    [721, 144],
    [750, 144],
    [24 * 60, 167],
    [2 * 24 * 60, 168],
    [30 * 24 * 60, 196],
    [31 * 24 * 60, 197],
    [63 * 7 * 24 * 60, 255],
    [100 * 7 * 24 * 60, 255],
  ])('%i minutes is TP-VP %i', (minutes, tpVp) => {
    expect(encodeRelativeValidity(minutes)).toBe(tpVp);
  });

  test('every TP-VP value decodes to a period that encodes back to it', () => {
    for (let tpVp = 0; tpVp <= 255; tpVp += 1) {
      expect(encodeRelativeValidity(relativeValidityMinutes(tpVp))).toBe(tpVp);
    }
  });

  test('the decoder reports the period granted, including past 12 hours', () => {
    const hex = buildSubmitTpdu({ ...BASE, validityMinutes: 16 * 60 }).hex;
    expect(decodeSubmitTpdu(hex).validityMinutes).toBe(16 * 60);
    expect(decodeSubmitTpdu(buildSubmitTpdu({ ...BASE, validityMinutes: 3 * 24 * 60 }).hex).validityMinutes).toBe(4320);
  });
});

describe('decodeSubmitTpdu', () => {
  test('skips a leading SMSC field when asked', () => {
    const hex = buildSubmitTpdu(BASE).hex;
    expect(decodeSubmitTpdu(`07919130079229F0${hex}`, { withSmsc: true }).text).toBe('hello');
    expect(decodeSubmitTpdu(`00${hex}`, { withSmsc: true }).destination).toBe('+819012345678');
  });

  test('reads every extension character back, form feed included (node-pdu 2.1.1 reads ESC 0x0A as a backtick)', () => {
    const text = '\f€[]{}~^\\|';
    expect(decodeSubmitTpdu(buildSubmitTpdu({ ...BASE, text }).hex).text).toBe(text);
  });

  test('refuses hex that is not an SMS-SUBMIT', () => {
    expect(() => decodeSubmitTpdu('zz')).toThrow(RangeError);
    expect(() => decodeSubmitTpdu('040B91')).toThrow();
  });

  test.each([
    [0x00, 'gsm7'],
    [0x08, 'ucs2'],
    [0x04, 'binary'],
    [0x10, 'gsm7'],
    [0x18, 'ucs2'],
    [0x24, 'binary'],
    [0xf0, 'gsm7'],
    [0xf4, 'binary'],
    [0xe0, 'ucs2'],
    [0xc0, 'gsm7'],
  ] as const)('TP-DCS 0x%s selects %s (23.038 §4)', (dcs, encoding) => {
    expect(encodingOfDcs(dcs)).toBe(encoding);
  });
});

const destination = fc.oneof(
  fc.stringMatching(/^\+[1-9]\d{7,14}$/),
  fc.stringMatching(/^0\d{3,14}$/),
);

describe('every built part decodes back to what was planned', () => {
  test('destination, text, concatenation and flags survive build then decode', () => {
    fc.assert(
      fc.property(
        mixedText,
        destination,
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 63 * 7 * 24 * 60 }), { nil: undefined }),
        (text, to, ref, statusReport, validityMinutes) => {
          const plan = planText(text, { long: 'concatenate', maxSegments: 255 });
          if (!plan.ok) return;
          plan.parts.forEach((partText, i) => {
            const part: SmsPart = {
              destination: to,
              encoding: plan.encoding,
              text: partText,
              statusReport,
              ...(validityMinutes !== undefined ? { validityMinutes } : {}),
              ...(plan.parts.length > 1 ? { concat: { ref, total: plan.parts.length, seq: i + 1 } } : {}),
            };
            const tpdu = buildSubmitTpdu(part);
            expect(tpdu.length).toBe(tpdu.hex.length / 2);
            expect(tpdu.hex).toMatch(/^[0-9A-F]+$/);
            const decoded = decodeSubmitTpdu(tpdu.hex);
            expect(decoded.destination).toBe(to);
            // 0x09 decodes as Ç (see gsm7.ts), so a sent ç reads back capital.
            expect(decoded.text).toBe(plan.encoding === 'gsm7' ? partText.replaceAll('ç', 'Ç') : partText);
            expect(decoded.encoding).toBe(plan.encoding);
            expect(decoded.udh?.concat).toEqual(part.concat);
            expect(decoded.statusReport).toBe(statusReport);
            if (validityMinutes === undefined) expect(decoded.validityMinutes).toBeUndefined();
            else expect(decoded.validityMinutes).toBeGreaterThanOrEqual(Math.min(validityMinutes, 63 * 7 * 24 * 60));
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('decodeSubmitTpdu reads TP-DCS from its octet (node-pdu 2.1.1 drops bits of it)', () => {
  const values = Array.from({ length: 256 }, (_, dcs) => dcs).filter((dcs) => readDcs(dcs).ok);

  test.each(values)('DCS %i comes back unchanged, with the user data of its alphabet', (dcs) => {
    const read = readDcs(dcs);
    if (!read.ok) throw new Error('unreachable');
    const part = {
      destination: '+447973100000',
      encoding: read.value,
      text: read.value === 'binary' ? '' : read.value === 'ucs2' ? 'Ωmega' : 'Alarm',
      ...(read.value === 'binary' ? { userDataHex: '00FF10AB' } : {}),
      udhHex: '050415821582',
      dcs,
      statusReport: false,
    } as const;
    const decoded = decodeSubmitTpdu(buildSubmitTpdu(part).hex);
    expect(decoded.dcs).toBe(dcs);
    expect(decoded.encoding).toBe(read.value);
    expect(decoded.udh?.hex).toBe('050415821582');
    if (read.value === 'binary') expect(decoded.userDataHex).toBe('00FF10AB');
    else expect(decoded.text).toBe(part.text);
  });
});
