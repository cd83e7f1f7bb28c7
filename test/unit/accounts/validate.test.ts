/*
 * The account and user value rules (SPEC 2, 12): each parser's accepted and refused values, and
 * that a refusal names the value it refused.
 */
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_DEFAULTS,
  DEFAULT_ACCOUNT,
  DEFAULT_USER,
  checkAccount,
  checkUser,
  parseAllowIp,
  parseCount,
  parseCugNumber,
  parseEmail,
  parseJudgment,
  parseRate,
  parseSenderId,
  parseYesNo,
  parseDuration,
  formatDuration,
  type Parsed,
} from '../../../src/accounts/index.js';

const value = <T>(p: Parsed<T>): T | undefined => (p.ok ? p.value : undefined);
const message = <T>(p: Parsed<T>): string => (p.ok ? '' : p.message);

describe('judgments', () => {
  it.each([
    ['PASS', 'PASS'], ['pass', 'PASS'], ['P', 'PASS'], ['p', 'PASS'],
    ['GRAY', 'GRAY'], ['Gray', 'GRAY'], ['g', 'GRAY'], ['FAIL', 'FAIL'], ['Fail', 'FAIL'], ['f', 'FAIL'], [' f ', 'FAIL'],
  ])('reads %j as %s', (text, judgment) => {
    expect(value(parseJudgment(text))).toBe(judgment);
  });

  it.each(['MAYBE', 'GREY', '', 'X', 'PA', 'ok', 'none'])('refuses %j and says which words it takes', (text) => {
    expect(message(parseJudgment(text))).toBe(`${JSON.stringify(text)} is not PASS, GRAY or FAIL (or P, G, F)`);
  });
});

describe('sender IDs (3GPP TS 23.040 §9.1.2.5)', () => {
  it.each(['ACME', 'Acme2024', 'ABCDEFGHIJK', '447973100000', '+447973100000', '123456789012345'])('accepts %s', (id) => {
    expect(value(parseSenderId(id))).toBe(id);
  });

  it.each(['ABCDEFGHIJKL', '1234567890123456', 'ACME LTD', 'Ünïcode', '', '+ACME'])('refuses %j naming it', (id) => {
    expect(message(parseSenderId(id))).toContain(JSON.stringify(id));
  });
});

describe('email addresses', () => {
  it('lower-cases an address', () => {
    expect(value(parseEmail('Ops@Acme.Example'))).toBe('ops@acme.example');
  });

  it.each(['alerts@localhost', 'a.b+tag@x.y', "o'brien@example.com"])('accepts %s', (email) => {
    expect(value(parseEmail(email))).toBe(email);
  });

  it.each(['no-at-sign', '@example.com', 'a@', 'a@@b', 'a b@c.d', 'a@-x.com', 'a..b@c.d'])('refuses %j naming it', (email) => {
    expect(message(parseEmail(email))).toBe(`${JSON.stringify(email)} is not an email address (user@domain)`);
  });
});

describe('closed user group numbers', () => {
  it('writes a number as + and digits, as the policy gate writes destinations', () => {
    expect(value(parseCugNumber('447973100000'))).toBe('+447973100000');
    expect(value(parseCugNumber('+818012345678'))).toBe('+818012345678');
  });

  it.each(['07973100000', '+44 7973 100000', '1234567', '+1234567890123456', '＋818012345678'])('refuses %j', (n) => {
    expect(message(parseCugNumber(n))).toContain(JSON.stringify(n));
  });
});

describe('allowed client addresses', () => {
  it.each(['10.0.0.0/8', '192.0.2.1', '2001:db8::/32', '::1/128'])('accepts %s', (c) => {
    expect(value(parseAllowIp(c))).toBe(c);
  });

  it.each(['10.0.0.0/33', '300.1.1.1', 'localhost', '10.0.0.0/8/8'])('refuses %j', (c) => {
    expect(message(parseAllowIp(c))).toContain(JSON.stringify(c));
  });
});

describe('counts and rates', () => {
  it('takes whole numbers at or above the minimum and refuses the rest', () => {
    expect(value(parseCount('0', 0))).toBe(0);
    expect(value(parseCount('10', 1))).toBe(10);
    expect(message(parseCount('0', 1))).toBe('"0" is not a whole number of at least 1');
    expect(message(parseCount('1.5', 0))).toContain('"1.5"');
    expect(message(parseCount('-1', 0))).toContain('"-1"');
  });

  it('takes a fractional rate but not zero', () => {
    expect(value(parseRate('0.5'))).toBe(0.5);
    expect(message(parseRate('0'))).toContain('"0"');
    expect(message(parseRate('fast'))).toContain('"fast"');
  });
});

describe('yes-or-no flags', () => {
  it('takes yes, no, true and false in any case and refuses the rest, naming it', () => {
    expect([' yes', 'YES', 'true', 'no', 'No', 'FALSE'].map((v) => value(parseYesNo(v)))).toEqual([true, true, true, false, false, false]);
    expect(message(parseYesNo('maybe'))).toBe('"maybe" is not yes or no');
    expect(parseYesNo('1').ok).toBe(false);
  });
});

describe('durations', () => {
  it('reads a whole number and a unit, ms to days', () => {
    expect(['250ms', '60s', '5m', '2h', '1d', ' 90s '].map((v) => value(parseDuration(v)))).toEqual([250, 60_000, 300_000, 7_200_000, 86_400_000, 90_000]);
  });

  it('refuses a bare number, a fraction, zero, and an unknown unit, naming the value', () => {
    for (const bad of ['60', '1.5h', '0s', '1y', 'soon', '']) expect(parseDuration(bad).ok).toBe(false);
    expect(message(parseDuration('60'))).toBe('"60" is not a duration (a whole number above 0 and a unit: ms, s, m, h or d, e.g. 60s or 2h)');
  });

  it('writes the shortest spelling that reads back to the same value', () => {
    expect([60_000, 90_000, 3_600_000, 86_400_000, 1500].map(formatDuration)).toEqual(['1m', '90s', '1h', '1d', '1500ms']);
    for (const ms of [1, 999, 61_000, 7_200_000]) expect(value(parseDuration(formatDuration(ms)))).toBe(ms);
  });
});

describe('whole records', () => {
  it('finds nothing wrong with the embedded default account and user (SPEC 12)', () => {
    expect(checkAccount(DEFAULT_ACCOUNT)).toEqual([]);
    expect(checkUser(DEFAULT_USER)).toEqual([]);
  });

  it('gives a new account the defaults SPEC 2 and 7 name', () => {
    expect(ACCOUNT_DEFAULTS).toMatchObject({ quota: null, cug: [], append: '', compose: 'subject+body', long: 'concatenate', plan: 'e164', maxSegments: 10, validityMs: 86_400_000, resendUnknown: true, tps: 10, burst: 50 });
    expect(ACCOUNT_DEFAULTS).toMatchObject({ condense: 'auto', overflow: 'truncate', coalesceMs: 60_000, maxPerHour: null, maxAgeMs: null });
  });

  it('gives a new account no inbound address, answers to the alert\'s sender only, and a 24 h reply window (SPEC 10, 12)', () => {
    expect(ACCOUNT_DEFAULTS).toMatchObject({ inbound: null, replyToAlertSender: true, replyWindowMs: 86_400_000 });
  });

  it('refuses an inbound address that is none or not lower-case, a reply flag that is not a boolean and a reply window below 1 ms, naming each', () => {
    const stored = JSON.parse(JSON.stringify({ ...DEFAULT_ACCOUNT, inbound: 'ops', replyToAlertSender: 'no', replyWindowMs: 0 })) as typeof DEFAULT_ACCOUNT;
    expect(checkAccount(stored)).toEqual([
      'inbound: "ops" is not an email address (user@domain)',
      'replyToAlertSender: must be true or false',
      'replyWindowMs: 0 is not a whole number of at least 1',
    ]);
    expect(checkAccount({ ...DEFAULT_ACCOUNT, inbound: 'Ops@Example.com' })).toEqual(['inbound: "Ops@Example.com" must be written "ops@example.com"']);
    expect(checkAccount({ ...DEFAULT_ACCOUNT, inbound: 'ops@example.com', replyToAlertSender: false, replyWindowMs: 60_000 })).toEqual([]);
  });

  it('leaves transliteration off for a new account, so text goes out exactly as composed (SPEC 6)', () => {
    expect(ACCOUNT_DEFAULTS.transliterate).toBe(false);
  });

  it('refuses an account whose transliterate choice is not true or false', () => {
    const stored = JSON.parse(JSON.stringify({ ...DEFAULT_ACCOUNT, transliterate: 'yes' })) as typeof DEFAULT_ACCOUNT;
    expect(checkAccount(stored)).toEqual(['transliterate: must be true or false']);
  });

  it('names every bad field of an account at once', () => {
    const problems = checkAccount({ ...DEFAULT_ACCOUNT, name: 'bad name', maxSegments: 256, cug: ['447973100000'], allowIps: ['nowhere'], burst: 0 });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['name', 'cug[0]', 'allowIps[0]', 'maxSegments', 'burst']);
  });

  it('refuses a stored user address that is not lower-case, and a malformed password hash without showing it', () => {
    expect(checkUser({ ...DEFAULT_USER, email: 'Alerts@localhost' })).toEqual(['email: "Alerts@localhost" must be lower-case']);
    const problems = checkUser({ ...DEFAULT_USER, passwordHash: 'plaintext-secret' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain('plaintext-secret');
  });
});
