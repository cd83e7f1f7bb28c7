import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';
import {
  checkAuthentication,
  checkClientForAccount,
  checkClosedUserGroup,
  checkHeaderFrom,
  checkMailFrom,
  checkQuota,
  checkSenderKnown,
  firstRefusal,
  parseCidr,
  showForReply,
  type Cidr,
  type GateDecision,
} from '../../../src/policy/index.js';
import { replies } from '../../../src/smtp/index.js';

const cidrs = (...texts: string[]): Cidr[] =>
  texts.map((t) => {
    const c = parseCidr(t);
    if (!c) throw new Error(`bad test CIDR ${t}`);
    return c;
  });

const SITE = cidrs('192.0.2.0/24', '2001:db8::/32');

/** The refusal of a decision, or a failed expectation when it was ok. */
function refusal(decision: GateDecision) {
  if (decision.ok) throw new Error('expected a refusal, got ok');
  return decision;
}

describe('checkSenderKnown (SPEC 2: a user is a sender address)', () => {
  it('accepts the address of a user', () => {
    expect(checkSenderKnown('alerts@site.example', true)).toEqual({ ok: true });
  });

  it('refuses an address that is no user with 550 5.7.1 naming the address', () => {
    const { reason, reply } = refusal(checkSenderKnown('stranger@site.example', false));
    expect(reason).toBe('unknown-sender');
    expect(reply).toEqual({
      code: 550,
      enhanced: '5.7.1',
      text: 'Sender <stranger@site.example> is not a user of this gateway',
      errorCode: 'M2S_POLICY_UNKNOWN_SENDER',
    });
  });

  it.each([
    ['even if a user were found for it', true],
    ['when no user is found', false],
  ])('refuses the null sender <> in its own words, %s', (_name, exists) => {
    const { reason, reply } = refusal(checkSenderKnown('', exists));
    expect(reason).toBe('null-sender');
    expect(reply).toMatchObject({ code: 550, enhanced: '5.7.1', errorCode: 'M2S_POLICY_UNKNOWN_SENDER' });
    expect(reply.text).toContain('null sender <>');
    expect(reply.text).toContain('on behalf of a user');
  });

  it('shows a sender with non-ASCII characters as escapes, keeping the reply one ASCII line', () => {
    const { reply } = refusal(checkSenderKnown('jos\u00e9@site.example\r\nRCPT', false));
    expect(reply.text).toBe('Sender <jos\\u00E9@site.example\\u000D\\u000ARCPT> is not a user of this gateway');
  });
});

describe("checkClientForAccount (seed 003 §12: the transmitter IP is compared with the account's)", () => {
  it.each([
    ['an IPv4 client inside the list', '192.0.2.7'],
    ['an IPv4-mapped IPv6 client inside the list', '::ffff:192.0.2.7'],
    ['an IPv6 client inside the list', '2001:db8::25'],
  ])('accepts %s', (_name, ip) => {
    expect(checkClientForAccount(ip, 'plant', SITE)).toEqual({ ok: true });
  });

  it.each([
    ['a client outside the list', '198.51.100.1', SITE],
    ['an unparseable client address', 'not-an-ip', SITE],
    ['any client when the account lists no CIDR', '192.0.2.7', []],
  ])('refuses %s with 550 5.7.1 naming the client and the account', (_name, ip, allowed) => {
    const { reason, reply } = refusal(checkClientForAccount(ip, 'plant', allowed));
    expect(reason).toBe('client-not-allowed');
    expect(reply).toEqual({
      code: 550,
      enhanced: '5.7.1',
      text: `Client host ${ip} is not allowed to send for account plant`,
      errorCode: 'M2S_POLICY_CLIENT_NOT_ALLOWED_FOR_ACCOUNT',
    });
  });
});

describe('checkAuthentication (SPEC 2 optional SMTP AUTH credentials, RFC 4954)', () => {
  it.each<[string, boolean, string | undefined]>([
    ['a user without a password on an unauthenticated session', false, undefined],
    ['a user with a password on a session authenticated as it', true, 'alerts@site.example'],
    ['a user authenticated with its name in another case', true, 'Alerts@Site.Example'],
    ['a user without a password on a session authenticated as it', false, 'alerts@site.example'],
  ])('accepts %s', (_name, hasPassword, authenticatedAs) => {
    expect(checkAuthentication('alerts@site.example', hasPassword, authenticatedAs)).toEqual({ ok: true });
  });

  it('asks a user with a password to authenticate with 530 5.7.0 "Authentication required" (RFC 4954 §6)', () => {
    const { reason, reply } = refusal(checkAuthentication('alerts@site.example', true, undefined));
    expect(reason).toBe('auth-required');
    expect(reply).toEqual({ code: 530, enhanced: '5.7.0', text: 'Authentication required', errorCode: 'M2S_POLICY_AUTH_REQUIRED' });
  });

  it.each([
    ['a sender with a password', true],
    ['a sender without a password', false],
  ])('refuses a session authenticated as another user with 550 5.7.1 naming both, for %s', (_name, hasPassword) => {
    const { reason, reply } = refusal(checkAuthentication('alerts@site.example', hasPassword, 'ops@site.example'));
    expect(reason).toBe('auth-mismatch');
    expect(reply).toMatchObject({ code: 550, enhanced: '5.7.1', errorCode: 'M2S_POLICY_AUTH_MISMATCH' });
    expect(reply.text).toBe('Sender <alerts@site.example> refused: this session is authenticated as ops@site.example');
  });
});

describe('checkMailFrom (the MAIL FROM decisions in order, first refusal wins)', () => {
  const user = { hasPassword: true, account: 'plant', allowed: SITE };
  const base = { mailFrom: 'alerts@site.example', user, clientAddress: '192.0.2.7', authenticatedAs: 'alerts@site.example' };

  it.each<[string, Partial<typeof base> & { user?: typeof user | undefined }, string | undefined]>([
    ['a known, authenticated sender from an allowed host passes', {}, undefined],
    ['an unknown sender is refused before anything else', { user: undefined, clientAddress: '198.51.100.1', authenticatedAs: undefined }, 'unknown-sender'],
    ['the null sender is refused as such', { mailFrom: '', user: undefined }, 'null-sender'],
    ['a missing AUTH is refused before the client address is looked at', { authenticatedAs: undefined, clientAddress: '198.51.100.1' }, 'auth-required'],
    ['an authenticated sender from a host outside the account is refused', { clientAddress: '198.51.100.1' }, 'client-not-allowed'],
  ])('%s', (_name, change, reason) => {
    const decision = checkMailFrom({ ...base, ...change });
    if (reason === undefined) expect(decision).toEqual({ ok: true });
    else expect(refusal(decision).reason).toBe(reason);
  });
});

describe('firstRefusal', () => {
  it('returns the first refusal and runs no check after it', () => {
    const ran: string[] = [];
    const decision = firstRefusal([
      () => (ran.push('a'), { ok: true }),
      () => (ran.push('b'), checkSenderKnown('x@y', false)),
      () => (ran.push('c'), checkSenderKnown('', false)),
    ]);
    expect(refusal(decision).reason).toBe('unknown-sender');
    expect(ran).toEqual(['a', 'b']);
  });

  it('is ok when every check is ok, and when there are none', () => {
    expect(firstRefusal([() => ({ ok: true })])).toEqual({ ok: true });
    expect(firstRefusal([])).toEqual({ ok: true });
  });
});

describe('checkHeaderFrom (the header From must be the envelope sender)', () => {
  it.each([
    ['the same address', 'alerts@site.example'],
    ['the address in another case', 'ALERTS@Site.Example'],
    ['the address with surrounding spaces', ' alerts@site.example '],
  ])('accepts %s', (_name, from) => {
    expect(checkHeaderFrom(from, 'alerts@site.example')).toEqual({ ok: true });
  });

  it('refuses another address with 550 5.7.1 naming both', () => {
    const { reason, reply } = refusal(checkHeaderFrom('boss@site.example', 'alerts@site.example'));
    expect(reason).toBe('from-mismatch');
    expect(reply).toEqual({
      code: 550,
      enhanced: '5.7.1',
      text: 'Message refused: header From <boss@site.example> does not match the envelope sender <alerts@site.example>',
      errorCode: 'M2S_POLICY_FROM_MISMATCH',
    });
  });

  it.each([
    ['no From header', undefined],
    ['an empty From address', ''],
  ])('refuses a mail with %s as a mismatch, saying the From is missing', (_name, from) => {
    const { reply } = refusal(checkHeaderFrom(from, 'alerts@site.example'));
    expect(reply.errorCode).toBe('M2S_POLICY_FROM_MISMATCH');
    expect(reply.text).toBe('Message refused: header From is missing, it must be the envelope sender <alerts@site.example>');
  });
});

describe('checkClosedUserGroup (seed 003 §9, SPEC 4: outside the group is 550 5.7.1 at RCPT)', () => {
  const CUG = ['+447973100000', '818012345678'];

  it.each([
    ['a member written with a plus', '+447973100000'],
    ['a member the account wrote without a plus', '+818012345678'],
  ])('accepts %s', (_name, number) => {
    expect(checkClosedUserGroup(number, CUG)).toEqual({ ok: true });
  });

  it('accepts any number when the account has no closed user group (the seed default)', () => {
    expect(checkClosedUserGroup('+447973100001', [])).toEqual({ ok: true });
  });

  it('refuses a number outside the group with 550 5.7.1 naming the number', () => {
    const { reason, reply } = refusal(checkClosedUserGroup('+447973100001', CUG));
    expect(reason).toBe('outside-cug');
    expect(reply).toEqual({
      code: 550,
      enhanced: '5.7.1',
      text: "Recipient refused: +447973100001 is outside this account's closed user group",
      errorCode: 'M2S_POLICY_CUG',
    });
  });

  it('never matches a number without digits to a group entry without digits', () => {
    expect(checkClosedUserGroup('+', ['none']).ok).toBe(false);
  });
});

describe('checkQuota (SPEC 2, seed 003 §10: SMS segments over a rolling 24 hours)', () => {
  const user = 'alerts@site.example';

  it.each<[string, number, number | null, number]>([
    ['no quota at all (null)', 10_000, null, 50],
    ['at RCPT, one segment left', 99, 100, 0],
    ['after DATA, the mail fits exactly', 97, 100, 3],
    ['after DATA, nothing used yet', 0, 5, 5],
  ])('accepts %s', (_name, used, quota, adding) => {
    expect(checkQuota({ user, used, quota, adding })).toEqual({ ok: true });
  });

  it.each<[string, number, number]>([
    ['the quota is used up', 100, 100],
    ['more than the quota was used (the quota was lowered)', 120, 100],
    ['the quota is zero', 0, 0],
  ])('refuses at RCPT with 452 4.2.2 when %s, saying the unit', (_name, used, quota) => {
    const { reason, reply } = refusal(checkQuota({ user, used, quota, adding: 0 }));
    expect(reason).toBe('quota');
    expect(reply).toEqual({
      code: 452,
      enhanced: '4.2.2',
      text: `Quota exhausted: ${user} has used ${used} of ${quota} SMS segments in the last 24 hours`,
      errorCode: 'M2S_POLICY_QUOTA',
    });
  });

  it('refuses after DATA a mail needing more segments than are left, saying how many it needs and how many are left', () => {
    const { reply } = refusal(checkQuota({ user, used: 98, quota: 100, adding: 3 }));
    expect(reply).toMatchObject({ code: 452, enhanced: '4.2.2', errorCode: 'M2S_POLICY_QUOTA' });
    expect(reply.text).toBe(`Quota exceeded: this mail needs 3 SMS segments and ${user} has 2 of 100 left in the last 24 hours`);
  });

  it('never says a negative number of segments is left', () => {
    const { reply } = refusal(checkQuota({ user, used: 130, quota: 100, adding: 1 }));
    expect(reply.text).toContain('has 0 of 100 left');
  });
});

describe('gate replies as SMTP errors', () => {
  const all: Array<[string, GateDecision]> = [
    ['unknown sender', checkSenderKnown('x@y', false)],
    ['null sender', checkSenderKnown('', false)],
    ['client', checkClientForAccount('198.51.100.1', 'plant', SITE)],
    ['auth required', checkAuthentication('a@b', true, undefined)],
    ['auth mismatch', checkAuthentication('a@b', false, 'c@d')],
    ['from', checkHeaderFrom(undefined, 'a@b')],
    ['cug', checkClosedUserGroup('+447973100001', ['+447973100000'])],
    ['quota', checkQuota({ user: 'a@b', used: 1, quota: 1, adding: 0 })],
  ];

  it.each(all)('%s becomes an SmtpError whose code is registered and whose text is one ASCII line', (_name, decision) => {
    const { reply } = refusal(decision);
    const err = replies.fromReply(reply);
    expect(err.responseCode).toBe(reply.code);
    expect(err.message).toBe(`${reply.enhanced} ${reply.text}`);
    expect(err.message).toMatch(/^[\x20-\x7e]+$/);
    expect(ERROR_CODES[err.code]).toMatch(/\S/);
    expect(err.temporary).toBe(reply.code < 500);
    expect(reply.enhanced[0]).toBe(String(reply.code)[0]);
  });
});

describe('showForReply', () => {
  it('cuts a value longer than an address may be', () => {
    const shown = showForReply('a'.repeat(300));
    expect(shown).toBe(`${'a'.repeat(254)}...`);
  });
});
