import { describe, expect, it } from 'vitest';
import { EXPECTED_SHAPE, parseRecipient } from '../../../src/policy/index.js';

// SPEC 4: e164 is 8-15 digits with country code, checked as a possible mobile number.
const E164_ACCEPTED: ReadonlyArray<readonly [string, string, string]> = [
  ['UK mobile from seed 003 without a plus', '447973100000', '+447973100000'],
  ['UK mobile with a plus', '+447973100000', '+447973100000'],
  ['UK mobile in the 074 range', '+447400123456', '+447400123456'],
  ['US number (fixed line or mobile: the plan does not tell)', '+12025551234', '+12025551234'],
  ['Japanese 080 mobile', '+818012345678', '+818012345678'],
  ['Japanese 070 mobile without a plus', '817012345678', '+817012345678'],
  ['German 0151 mobile', '+4915123456789', '+4915123456789'],
  ['German 0170 mobile', '491701234567', '+491701234567'],
  ['French mobile', '+33612345678', '+33612345678'],
];

const E164_REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['a number too short to hold a country code and number', '+4479731'],
  ['seven digits', '4479731'],
  ['sixteen digits, longer than E.164 allows', '4479731000001234'],
  ['a UK mobile with one digit too many', '+4479731000000'],
  ['letters', 'alerts'],
  ['digits with a letter inside', '44797310000O'],
  ['a number with spaces', '+44 7973 100000'],
  ['a number with dashes', '+44-7973-100000'],
  ['a national number with a trunk 0', '07973100000'],
  ['an international 00 prefix', '00447973100000'],
  ['a UK fixed line (London)', '+442079460000'],
  ['a Japanese fixed line (Tokyo)', '+81312345678'],
  ['a German fixed line (Berlin)', '+4930123456'],
  ['a US toll-free number', '+18005550199'],
  ['an unassigned country code', '+999123456789'],
  ['the UK drama range, which is not allocated', '+447700900123'],
  ['two plus signs', '++447973100000'],
  ['an empty local part', ''],
  ['full-width digits', '\uFF14\uFF14\uFF17\uFF19\uFF17\uFF13\uFF11\uFF10\uFF10\uFF10\uFF10\uFF10'],
];

// Seed 000 §How to send (1): '+81', then 70/80/90, then 8 digits; 13 characters with the '+'.
const JP_ACCEPTED: ReadonlyArray<readonly [string, string]> = [
  ['080-1234-5678 written as the seed says', '+818012345678'],
  ['a 090 number', '+819012345678'],
  ['a 070 number', '+817012345678'],
];

const JP_REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['the number without the half-width plus', '818012345678'],
  ['the domestic form with the trunk 0', '+8108012345678'],
  ['one digit short (12 characters)', '+81801234567'],
  ['one digit long (14 characters)', '+8180123456789'],
  ['a 060 number, not a mobile prefix', '+816012345678'],
  ['an 050 IP-phone number', '+815012345678'],
  ['a Tokyo fixed line', '+81312345678'],
  ['another country', '+447973100000'],
  ['dashes', '+81-80-1234-5678'],
];

describe('parseRecipient under the e164 plan', () => {
  it.each(E164_ACCEPTED)('accepts %s', (_name, input, expected) => {
    expect(parseRecipient(input, 'e164')).toEqual({ ok: true, number: expected });
  });

  it.each(E164_REFUSED)('refuses %s as a bad number naming the expected shape', (_name, input) => {
    expect(parseRecipient(input, 'e164')).toEqual({ ok: false, reason: 'bad-number', expected: EXPECTED_SHAPE.e164 });
  });

  it('says a full-width plus is the problem rather than calling the number bad', () => {
    expect(parseRecipient('\uFF0B447973100000', 'e164')).toMatchObject({ ok: false, reason: 'fullwidth-plus' });
  });
});

describe('parseRecipient under the jp-mobile plan', () => {
  it.each(JP_ACCEPTED)('accepts %s', (_name, input) => {
    expect(parseRecipient(input, 'jp-mobile')).toEqual({ ok: true, number: input });
  });

  it.each(JP_REFUSED)('refuses %s', (_name, input) => {
    expect(parseRecipient(input, 'jp-mobile')).toEqual({
      ok: false,
      reason: 'bad-number',
      expected: EXPECTED_SHAPE['jp-mobile'],
    });
  });

  it('refuses a full-width plus with its own reason', () => {
    expect(parseRecipient('\uFF0B818012345678', 'jp-mobile')).toMatchObject({ ok: false, reason: 'fullwidth-plus' });
  });

  it('describes the expected shape with the 13 characters and the half-width plus', () => {
    expect(EXPECTED_SHAPE['jp-mobile']).toContain('13 characters');
    expect(EXPECTED_SHAPE['jp-mobile']).toContain("half-width '+'");
    expect(EXPECTED_SHAPE['jp-mobile']).toContain('70, 80 or 90');
  });
});
