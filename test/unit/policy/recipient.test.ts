import { describe, expect, it } from 'vitest';
import { checkRecipient, EXPECTED_SHAPE, quoteForReply } from '../../../src/policy/index.js';

const GATEWAY = { domains: ['sms.example.lan', 'SMS2.example.lan'], plan: 'e164' as const };
const JP = { domains: ['mail2sms.example.jp'], plan: 'jp-mobile' as const };

describe('checkRecipient (SPEC 4: refusals at RCPT time with a precise code and text)', () => {
  it('accepts the seed 003 example and returns the number with a plus', () => {
    expect(checkRecipient('447973100000@sms.example.lan', GATEWAY)).toEqual({
      ok: true,
      number: '+447973100000',
      localPart: '447973100000',
      domain: 'sms.example.lan',
    });
  });

  it.each([
    ['an upper-case gateway domain', '+447973100000@SMS.EXAMPLE.LAN'],
    ['a domain listed in upper case', '+447973100000@sms2.example.lan'],
  ])('matches domains without regard to case: %s', (_name, address) => {
    expect(checkRecipient(address, GATEWAY)).toMatchObject({ ok: true, number: '+447973100000' });
  });

  it.each([
    ['another domain (no relaying)', '+447973100000@example.com', 'example.com'],
    ['a subdomain of a gateway domain', '+447973100000@x.sms.example.lan', 'x.sms.example.lan'],
    ['a domain that only ends like a gateway domain', '+447973100000@evilsms.example.lan', 'evilsms.example.lan'],
    ['an address without a domain', 'postmaster', ''],
    ['an IP literal', '+447973100000@[127.0.0.1]', '[127.0.0.1]'],
  ])('refuses %s with 550 5.1.2', (_name, address, domain) => {
    const result = checkRecipient(address, GATEWAY);
    expect(result).toMatchObject({ ok: false, reason: 'unknown-domain', domain });
    if (result.ok) return;
    expect(result.reply).toMatchObject({ code: 550, enhanced: '5.1.2', errorCode: 'M2S_POLICY_UNKNOWN_DOMAIN' });
    expect(result.reply.text).toContain('no relaying');
  });

  it('names the refused domain in the 550 text', () => {
    const result = checkRecipient('+447973100000@example.com', GATEWAY);
    expect(!result.ok && result.reply.text).toContain('domain example.com');
  });

  it.each([
    ['a mailbox name that is not a number', 'alerts@sms.example.lan', 'alerts'],
    ['a fixed-line number', '+442079460000@sms.example.lan', '+442079460000'],
    ['a number with dashes', '+44-7973-100000@sms.example.lan', '+44-7973-100000'],
  ])('refuses %s with 553 5.1.3 saying what shape is expected', (_name, address, local) => {
    const result = checkRecipient(address, GATEWAY);
    expect(result).toMatchObject({ ok: false, reason: 'bad-number', localPart: local });
    if (result.ok) return;
    expect(result.reply).toMatchObject({ code: 553, enhanced: '5.1.3', errorCode: 'M2S_POLICY_BAD_NUMBER' });
    expect(result.reply.text).toContain(`"${local}"`);
    expect(result.reply.text).toContain(EXPECTED_SHAPE.e164);
  });

  it('refuses a jp-mobile number of the wrong length with the jp-mobile shape in the text', () => {
    const result = checkRecipient('+81801234567@mail2sms.example.jp', JP);
    expect(!result.ok && result.reply.text).toContain(EXPECTED_SHAPE['jp-mobile']);
  });

  it('refuses a full-width plus with 553 5.1.3 telling to use a half-width plus', () => {
    const result = checkRecipient('\uFF0B818012345678@mail2sms.example.jp', JP);
    expect(result).toMatchObject({ ok: false, reason: 'fullwidth-plus' });
    if (result.ok) return;
    expect(result.reply).toMatchObject({ code: 553, enhanced: '5.1.3', errorCode: 'M2S_POLICY_FULLWIDTH_PLUS' });
    expect(result.reply.text).toContain("half-width '+'");
  });

  it('checks the domain before the number, so a stranger learns nothing about the plan', () => {
    expect(checkRecipient('alerts@example.com', GATEWAY)).toMatchObject({ ok: false, reason: 'unknown-domain' });
  });

  it('splits at the last @ so a quoted local part with @ cannot pick the domain', () => {
    expect(checkRecipient('"a@sms.example.lan"@example.com', GATEWAY)).toMatchObject({ reason: 'unknown-domain' });
  });
});

describe('quoteForReply', () => {
  it.each([
    ['plain ASCII', 'alerts', '"alerts"'],
    ['a quote and a backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['full-width digits as escapes', '\uFF11\uFF12', '"\\uFF11\\uFF12"'],
    ['a control character', 'a\r\nb', '"a\\u000D\\u000Ab"'],
  ])('keeps reply text printable ASCII: %s', (_name, input, expected) => {
    expect(quoteForReply(input)).toBe(expected);
  });

  it('cuts a long value to 64 characters', () => {
    expect(quoteForReply('9'.repeat(100))).toBe(`"${'9'.repeat(64)}..."`);
  });
});
