import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_VALIDITY_MINUTES,
  encapsulatedPart,
  encapsulationOf,
  type Encapsulation,
  type EncapsulatedSms,
} from '../../../src/compose/index.js';
import { buildSubmitTpdu, decodeSubmitTpdu, readDcs } from '../../../src/encode/index.js';
import { parseMail } from '../../../src/parse/index.js';

/** Seed 003 §3.2, the operator-logo example, with the seed's line breaks shown as spaces. */
const SEED_LOGO_HEX =
  '0605041582158202f2f500480e010000800000000000000000 7000e1e1c0000000001f012212200000000007c22494900000000003faa9f4 ' +
  'd00000000000fcaa0460000000000079920610000000000039926790000000 00003011a9d0000000000033883820000000000033ccfc4000000000007fff ' +
  'ffc000000001c1fffffffc00000000000000003f8000';
const SEED_LOGO_OCTETS = SEED_LOGO_HEX.replace(/ /g, '').toUpperCase();
const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
const NUMBER = { isNumber: true };
const NOT_NUMBER = { isNumber: false };

function headers(fields: Record<string, string>): ReadonlyMap<string, string> {
  return new Map(Object.entries(fields));
}

function okSms(result: Encapsulation): EncapsulatedSms {
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.sms;
}

describe('encapsulationOf: the seed 003 operator logo', () => {
  const logo = headers({ 'x-smpp-short-message': SEED_LOGO_HEX, 'x-smpp-esm-class': '64', 'x-smpp-protocol-id': '0', 'x-smpp-data-coding': '215' });

  it('gives a binary SMS with the seed UDH, DCS 0xD7 and the 133 octets after the UDH, byte for byte', () => {
    expect(okSms(encapsulationOf(logo, NUMBER, NOW))).toEqual({
      encoding: 'binary',
      text: '',
      udhHex: '050415821582', // IEI 05 (16-bit ports, 23.040 §9.2.3.24.4): 5506 -> 5506, operator logo
      userDataHex: SEED_LOGO_OCTETS.slice(14),
      dcs: 0xd7,
      pid: 0,
    });
  });

  it('reads the same from the seed mail parsed as SMTP intake parses it (folded header lines)', async () => {
    const raw = readFileSync(join(import.meta.dirname, '../../fixtures/mail/encapsulation/operator-logo.eml'));
    const parsed = await parseMail(raw);
    if (!parsed.ok) throw new Error('the fixture does not parse');
    expect(encapsulationOf(parsed.mail.headers, NUMBER, NOW)).toEqual(encapsulationOf(logo, NUMBER, NOW));
  });

  it('builds an SMS-SUBMIT whose DCS, UDH and user data are the seed octets, and decodes back', () => {
    const tpdu = buildSubmitTpdu(encapsulatedPart(okSms(encapsulationOf(logo, NUMBER, NOW)), '+447973100000', false));
    // 41: SUBMIT with UDHI; MR 00; DA +447973100000; PID 00; DCS D7; no VP; UDL 8C = 140 octets.
    expect(tpdu.hex).toBe(`41000C91449737010000 00 D7 8C ${SEED_LOGO_OCTETS}`.replace(/ /g, ''));
    const decoded = decodeSubmitTpdu(tpdu.hex);
    expect(decoded).toMatchObject({ destination: '+447973100000', pid: 0, statusReport: false, userDataLength: 140 });
    expect(decoded.udh?.hex).toBe('050415821582');
    expect(decoded.validityMinutes).toBeUndefined();
    // TP-DCS read from its octet: decodeSubmitTpdu takes it from node-pdu, which gives 0xD0 for 0xD7.
    expect(tpdu.hex.slice(22, 24)).toBe('D7');
  });
});

describe('encapsulationOf: when it applies', () => {
  it('is none without x-smpp-short-message, even with other x-smpp headers', () => {
    expect(encapsulationOf(headers({ subject: 'x', 'x-smpp-data-coding': '8' }), NUMBER, NOW)).toEqual({ kind: 'none' });
  });

  it.each([
    ['spaces', '48 65 6C 6C 6F'],
    ['tabs', '4865\t6C6C\t6F'],
    ['CRLF and a space (a folded header not yet unfolded)', '4865\r\n 6C6C\r\n\t6F'],
    ['lower-case hex and surrounding blanks', ' 48656c6c6f '],
  ])('removes folding whitespace: %s', (_name, hex) => {
    expect(okSms(encapsulationOf(headers({ 'x-smpp-short-message': hex }), NUMBER, NOW))).toEqual({
      encoding: 'gsm7',
      text: 'Hello',
      userDataHex: '48656C6C6F',
      dcs: 0,
      pid: 0,
    });
  });
});

describe('encapsulationOf: the short message in each alphabet', () => {
  it.each<[string, Record<string, string>, Partial<EncapsulatedSms>]>([
    ['GSM 7-bit carries one character per octet, escapes included', { 'x-smpp-short-message': '3130201B65' }, { encoding: 'gsm7', text: '10 €' }],
    ['GSM 7-bit takes 160 characters without a UDH', { 'x-smpp-short-message': '41'.repeat(160) }, { text: 'A'.repeat(160) }],
    [
      'GSM 7-bit after a UDH takes what is left (153 after a concatenation IE)',
      { 'x-smpp-short-message': `050003070201${'42'.repeat(153)}`, 'x-smpp-esm-class': '64' },
      { udhHex: '0003070201', text: 'B'.repeat(153) },
    ],
    ['UCS-2 is UTF-16BE', { 'x-smpp-short-message': '004800690020D83DDE00', 'x-smpp-data-coding': '8' }, { encoding: 'ucs2', text: 'Hi 😀' }],
    ['8-bit data takes 140 octets', { 'x-smpp-short-message': 'FF'.repeat(140), 'x-smpp-data-coding': '4' }, { encoding: 'binary', text: '' }],
    ['numbers may be written 0x..', { 'x-smpp-short-message': '0401020304FF', 'x-smpp-esm-class': '0x40', 'x-smpp-data-coding': '0xF5', 'x-smpp-protocol-id': '0x3F' }, { udhHex: '01020304', userDataHex: 'FF', dcs: 0xf5, pid: 63 }],
    ['store-and-forward messaging mode (esm_class 3) is what the gateway does anyway', { 'x-smpp-short-message': '41', 'x-smpp-esm-class': '3' }, { text: 'A' }],
    ['blank numeric headers are the defaults', { 'x-smpp-short-message': '41', 'x-smpp-esm-class': ' ', 'x-smpp-data-coding': '' }, { dcs: 0, pid: 0 }],
  ])('%s', (_name, fields, expected) => {
    expect(okSms(encapsulationOf(headers(fields), NUMBER, NOW))).toMatchObject(expected);
  });

  it.each([
    ['GSM 7-bit text with a UDH', { 'x-smpp-short-message': `050003070201${'1B3C41'.repeat(20)}`, 'x-smpp-esm-class': '64' }],
    ['UCS-2 text', { 'x-smpp-short-message': '041F04400438043204350442', 'x-smpp-data-coding': '8', 'x-smpp-validity-period': '000001000000000R' }],
  ])('builds a TPDU that decodes to the same %s', (_name, fields) => {
    const sms = okSms(encapsulationOf(headers(fields), NUMBER, NOW));
    const decoded = decodeSubmitTpdu(buildSubmitTpdu(encapsulatedPart(sms, '+447973100000', true)).hex);
    expect(decoded).toMatchObject({ text: sms.text, dcs: sms.dcs, encoding: sms.encoding, statusReport: true });
    expect(decoded.udh?.hex).toBe(sms.udhHex);
    expect(decoded.validityMinutes ?? 0).toBeGreaterThanOrEqual(sms.validityMinutes ?? 0);
  });
});

describe('readDcs: GSM 03.38 §4 coding groups', () => {
  it.each<[number, string]>([
    [0x00, 'gsm7'], [0x04, 'binary'], [0x08, 'ucs2'], [0x10, 'gsm7'], [0x15, 'binary'], [0x1a, 'ucs2'],
    [0x24, 'binary'], [0x40, 'gsm7'], [0x48, 'ucs2'], [0xc0, 'gsm7'], [0xd0, 'gsm7'], [0xd7, 'binary'],
    [0xe0, 'ucs2'], [0xf0, 'gsm7'], [0xf5, 'binary'],
  ])('reads DCS 0x%s as its alphabet', (dcs, encoding) => {
    expect(readDcs(dcs)).toEqual({ ok: true, value: encoding });
  });

  it.each([0x0c, 0x7f, 0x80, 0x9a, 0xb0, 0xe4, 0xf8])('refuses the reserved DCS 0x%s', (dcs) => {
    expect(readDcs(dcs)).toMatchObject({ ok: false, reason: expect.stringMatching(/reserved/) });
  });
});

describe('encapsulationOf: validity period (SMPP 3.4 §7.1.1)', () => {
  it.each([
    ['an absolute time in UTC two hours ahead', '240101140000000+', 120],
    ['an absolute time given in a zone one hour ahead of UTC', '240101140000004+', 60],
    ['an absolute time given in a zone one hour behind UTC', '240101140000004-', 180],
    ['an absolute time 30.1 seconds ahead, raised to the 5-minute minimum', '240101120030100+', 5],
    ['an absolute time years ahead, capped at 63 weeks', '991231235959000+', MAX_VALIDITY_MINUTES],
    ['a relative day', '000001000000000R', 1440],
    ['a relative hour and a half', '000000013000000R', 90],
    ['a relative year from 1 January 2024 (a leap year)', '010000000000000R', 366 * 1440],
    ['a relative minute, raised to 5', '000000000100000R', 5],
    ['two relative years, capped at 63 weeks', '020000000000000R', MAX_VALIDITY_MINUTES],
  ])('converts %s to minutes', (_name, period, minutes) => {
    const fields = { 'x-smpp-short-message': '41', 'x-smpp-validity-period': period };
    expect(okSms(encapsulationOf(headers(fields), NUMBER, NOW)).validityMinutes).toBe(minutes);
  });

  it('leaves the validity out when the header is blank', () => {
    expect(okSms(encapsulationOf(headers({ 'x-smpp-short-message': '41', 'x-smpp-validity-period': ' ' }), NUMBER, NOW))).not.toHaveProperty('validityMinutes');
  });
});

describe('encapsulationOf: destination (seed 003 §3.2)', () => {
  it('takes x-smpp-destination-addr when the recipient address holds no number', () => {
    const fields = { 'x-smpp-short-message': '41', 'x-smpp-destination-addr': '447973100000' };
    expect(okSms(encapsulationOf(headers(fields), NOT_NUMBER, NOW)).destination).toBe('+447973100000');
  });
});

const SM = { 'x-smpp-short-message': '41' };

describe('encapsulationOf: each wrong header is named (554 5.6.0)', () => {
  it.each<[string, Record<string, string>, { isNumber: boolean }, string, RegExp]>([
    ['a character that is not hex', { 'x-smpp-short-message': '41 4G' }, NUMBER, 'x-smpp-short-message', /"G" at hex digit 4/],
    ['an odd number of hex digits', { 'x-smpp-short-message': '414' }, NUMBER, 'x-smpp-short-message', /odd number of hex digits \(3\)/],
    ['an empty short message', { 'x-smpp-short-message': ' \r\n ' }, NUMBER, 'x-smpp-short-message', /is empty/],
    ['141 octets of 8-bit data', { 'x-smpp-short-message': 'AA'.repeat(141), 'x-smpp-data-coding': '4' }, NUMBER, 'x-smpp-short-message', /141 octets.*at most 140/],
    ['a UDH and data over 140 octets', { 'x-smpp-short-message': `0401020304${'AA'.repeat(136)}`, 'x-smpp-esm-class': '64', 'x-smpp-data-coding': '245' }, NUMBER, 'x-smpp-short-message', /141 octets/],
    ['161 GSM 7-bit characters', { 'x-smpp-short-message': '41'.repeat(161) }, NUMBER, 'x-smpp-short-message', /161 GSM 7-bit characters/],
    ['a UDHL longer than the message', { 'x-smpp-short-message': '0A0504', 'x-smpp-esm-class': '64' }, NUMBER, 'x-smpp-short-message', /UDHL 10, but only 2 octets/],
    ['a UDH element that runs past UDHL', { 'x-smpp-short-message': '0305041582158200', 'x-smpp-esm-class': '64', 'x-smpp-data-coding': '4' }, NUMBER, 'x-smpp-short-message', /runs past UDHL 3/],
    ['UDHI with UDHL 0', { 'x-smpp-short-message': '0041', 'x-smpp-esm-class': '64' }, NUMBER, 'x-smpp-short-message', /UDHL 0/],
    ['an octet over 7F in GSM 7-bit', { 'x-smpp-short-message': '4180' }, NUMBER, 'x-smpp-short-message', /octet 80/],
    ['an escape with no extension character', { 'x-smpp-short-message': '411B41' }, NUMBER, 'x-smpp-short-message', /escape/],
    ['an odd number of UCS-2 octets', { 'x-smpp-short-message': '004100', 'x-smpp-data-coding': '8' }, NUMBER, 'x-smpp-short-message', /UCS-2/],
    ['a reserved alphabet', { ...SM, 'x-smpp-data-coding': '12' }, NUMBER, 'x-smpp-data-coding', /is 12: alphabet bits 11 are reserved/],
    ['a reserved coding group', { ...SM, 'x-smpp-data-coding': '128' }, NUMBER, 'x-smpp-data-coding', /coding group 1000 is reserved/],
    ['a data coding over 255', { ...SM, 'x-smpp-data-coding': '256' }, NUMBER, 'x-smpp-data-coding', /"256", not a number from 0 to 255/],
    ['a protocol id over 255', { ...SM, 'x-smpp-protocol-id': '300' }, NUMBER, 'x-smpp-protocol-id', /"300"/],
    ['a negative protocol id', { ...SM, 'x-smpp-protocol-id': '-1' }, NUMBER, 'x-smpp-protocol-id', /"-1"/],
    ['an esm_class that is not a number', { ...SM, 'x-smpp-esm-class': 'udh' }, NUMBER, 'x-smpp-esm-class', /"udh"/],
    ['datagram mode', { ...SM, 'x-smpp-esm-class': '1' }, NUMBER, 'x-smpp-esm-class', /datagram/],
    ['forward mode', { ...SM, 'x-smpp-esm-class': '2' }, NUMBER, 'x-smpp-esm-class', /forward/],
    ['a delivery acknowledgement', { ...SM, 'x-smpp-esm-class': '8' }, NUMBER, 'x-smpp-esm-class', /acknowledgement/],
    ['the reply path', { ...SM, 'x-smpp-esm-class': '192' }, NUMBER, 'x-smpp-esm-class', /reply path/],
    ['a validity in the past', { ...SM, 'x-smpp-validity-period': '231231235959000+' }, NUMBER, 'x-smpp-validity-period', /in the past \(2023-12-31T23:59:59\.000Z\)/],
    ['a validity that is now', { ...SM, 'x-smpp-validity-period': '240101120000000+' }, NUMBER, 'x-smpp-validity-period', /in the past/],
    ['a validity that is too short', { ...SM, 'x-smpp-validity-period': '2401011400' }, NUMBER, 'x-smpp-validity-period', /not YYMMDDhhmmsstnnp/],
    ['a validity on 30 February', { ...SM, 'x-smpp-validity-period': '250230120000000+' }, NUMBER, 'x-smpp-validity-period', /no valid date/],
    ['a validity zone over 48 quarter hours', { ...SM, 'x-smpp-validity-period': '250101120000049+' }, NUMBER, 'x-smpp-validity-period', /no valid date/],
    ['a relative validity not ending in 000R', { ...SM, 'x-smpp-validity-period': '000001000000104R' }, NUMBER, 'x-smpp-validity-period', /000R/],
    ['a relative validity of zero', { ...SM, 'x-smpp-validity-period': '000000000000000R' }, NUMBER, 'x-smpp-validity-period', /zero/],
    ['a destination with a number recipient', { ...SM, 'x-smpp-destination-addr': '+447973100000' }, NUMBER, 'x-smpp-destination-addr', /must not be given/],
    ['no destination with a recipient that is no number', SM, NOT_NUMBER, 'x-smpp-destination-addr', /is missing/],
    ['a destination that is no number', { ...SM, 'x-smpp-destination-addr': 'ops' }, NOT_NUMBER, 'x-smpp-destination-addr', /"ops"/],
    ['a destination with characters outside ASCII, shown escaped', { ...SM, 'x-smpp-destination-addr': '０９０' }, NOT_NUMBER, 'x-smpp-destination-addr', /"\\uff10\\uff19\\uff10"/],
    ['an x-smpp header the gateway does not read', { ...SM, 'x-smpp-registered-delivery': '1' }, NUMBER, 'x-smpp-registered-delivery', /not supported/],
  ])('%s', (_name, fields, recipient, header, reason) => {
    const result = encapsulationOf(headers(fields), recipient, NOW);
    expect(result).toMatchObject({ kind: 'invalid', header });
    expect(result.kind === 'invalid' && result.reason).toMatch(reason);
  });
});

describe('encapsulationOf: properties', () => {
  // Mostly plausible values, so that all three outcomes are reached, with anything mixed in.
  const mostly = <T,>(plausible: fc.Arbitrary<T>, other: fc.Arbitrary<T>): fc.Arbitrary<T> =>
    fc.oneof({ arbitrary: plausible, weight: 6 }, { arbitrary: other, weight: 1 });
  const hexish = mostly(
    fc.uint8Array({ maxLength: 170 }).map((a) => Buffer.from(a).toString('hex').replace(/(.{10})/g, '$1 ')),
    fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-fA-F \t\r\n]{0,320}$/)),
  );
  const number = mostly(fc.constantFrom('', '0', '64', '0x40', '215', '8', '245', '4', '0', '3'), fc.oneof(fc.string(), fc.integer({ min: -5, max: 300 }).map(String)));
  const period = mostly(fc.constantFrom('', '000001000000000R', '991231235959000+', '000000000100000R'), fc.oneof(fc.string(), fc.stringMatching(/^\d{15}[-+R]$/)));
  const destination = mostly(fc.constantFrom('', '+447973100000'), fc.oneof(fc.string(), fc.stringMatching(/^\+?\d{1,16}$/)));
  const fields = fc.record(
    {
      'x-smpp-short-message': hexish,
      'x-smpp-esm-class': number,
      'x-smpp-protocol-id': number,
      'x-smpp-data-coding': number,
      'x-smpp-validity-period': period,
      'x-smpp-destination-addr': destination,
    },
    { requiredKeys: [] },
  );

  it('never throws, every ok result builds a TPDU, and every reason is printable ASCII', () => {
    const kinds = { none: 0, ok: 0, invalid: 0 };
    fc.assert(
      fc.property(fields, fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), fc.boolean(), fc.integer({ min: 0, max: 4102444800000 }), (f, extra, isNumber, now) => {
        const result = encapsulationOf(new Map([...Object.entries(extra), ...Object.entries(f)]), { isNumber }, now);
        expect(['none', 'ok', 'invalid']).toContain(result.kind);
        kinds[result.kind] += 1;
        if (result.kind === 'ok') buildSubmitTpdu(encapsulatedPart(result.sms, '+447973100000', false));
        // The reason goes into an SMTP reply: printable ASCII only (RFC 5321 §4.2).
        if (result.kind === 'invalid') expect(result.reason).toMatch(/^[\x20-\x7e]+$/);
      }),
      { numRuns: 3000 },
    );
    // The generators reach all three outcomes, so the TPDU half of the property is exercised.
    expect(Math.min(kinds.none, kinds.ok, kinds.invalid)).toBeGreaterThan(30);
  });
});
