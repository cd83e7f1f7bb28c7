// relay.ts and authentication-results.ts: RFC 8601 parsing, trust by client CIDR and authserv-id,
// stripping, and the judgments of headers real verifiers wrote (authheaders' expected output).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseCidr, type Cidr } from '../../../src/policy/index.js';
import { parseAuthenticationResults } from '../../../src/verdict/authentication-results.js';
import { findTrustedResults, judgeRelayed, relayResults } from '../../../src/verdict/relay.js';
import { judge, type Judgment } from '../../../src/verdict/judge.js';

const cidrs = (...texts: string[]): Cidr[] => texts.map((t) => parseCidr(t) as Cidr);
const TRUST = { hosts: cidrs('10.0.0.0/8'), authservId: 'example.com' };

function message(...headers: string[]): Buffer {
  return Buffer.from([...headers, 'From: a@example.com', 'Subject: hi', '', 'Authentication-Results: example.com; spf=pass (in the body, not a header)', ''].join('\r\n'));
}

describe('parseAuthenticationResults (RFC 8601 §2.2)', () => {
  test('reads authserv-id, version, methods, results, reason, properties and comments', () => {
    const h = parseAuthenticationResults(
      ' mx.example.org 1; dkim/1=PASS reason="good sig" header.d=example.com header.s=sel1 (2048-bit key);\r\n\tspf=fail (sender IP is 192.0.2.9) smtp.mailfrom="a;b"@example.com; dmarc=fail (p=REJECT sp=NONE dis=REJECT) header.from=example.com',
    );
    expect(h).toEqual({
      authservId: 'mx.example.org',
      results: [
        { method: 'dkim', result: 'pass', reason: 'good sig', props: { 'header.d': 'example.com', 'header.s': 'sel1' }, comments: ['2048-bit key'] },
        { method: 'spf', result: 'fail', props: { 'smtp.mailfrom': '"a;b"@example.com' }, comments: ['sender IP is 192.0.2.9'] },
        { method: 'dmarc', result: 'fail', props: { 'header.from': 'example.com' }, comments: ['p=REJECT sp=NONE dis=REJECT'] },
      ],
    });
  });

  test('"authserv-id; none" has no results', () => {
    expect(parseAuthenticationResults(' mx.example.org; none')).toEqual({ authservId: 'mx.example.org', results: [] });
  });

  test('nested comments and a comment before the authserv-id are lifted out', () => {
    expect(parseAuthenticationResults(' (relay (one)) "mx.example.org"; spf=pass (a (b) c) smtp.mailfrom=x@example.org')).toMatchObject({
      authservId: 'mx.example.org',
      results: [{ method: 'spf', result: 'pass', comments: ['a (b) c'] }],
    });
  });

  test('an unterminated comment or an empty value is not a header', () => {
    expect(parseAuthenticationResults(' mx.example.org; spf=pass (oops')).toBeUndefined();
    expect(parseAuthenticationResults('   ')).toBeUndefined();
  });
});

describe('trust', () => {
  const trusted = 'Authentication-Results: example.com; spf=pass smtp.mailfrom=a@example.com';
  const forged = 'Authentication-Results: example.com; spf=fail smtp.mailfrom=a@example.com';
  const other = 'Authentication-Results: elsewhere.example; spf=pass smtp.mailfrom=a@example.com';

  test('the topmost header with the configured authserv-id, from a listed relay, is the one believed', () => {
    expect(findTrustedResults(message(other, trusted, forged), '10.9.8.7', TRUST)?.results[0]?.result).toBe('pass');
  });

  test('authserv-id compares case-insensitively', () => {
    expect(findTrustedResults(message(trusted.replace('example.com;', 'EXAMPLE.com;')), '10.9.8.7', TRUST)).toBeDefined();
  });

  test('no header is believed from a client outside the relay CIDRs, IPv4-mapped addresses matched as IPv4', () => {
    expect(findTrustedResults(message(trusted), '192.0.2.1', TRUST)).toBeUndefined();
    expect(findTrustedResults(message(trusted), '::ffff:10.1.1.1', TRUST)).toBeDefined();
  });

  test('an Authentication-Results line in the body is not a header', () => {
    expect(findTrustedResults(message(), '10.9.8.7', TRUST)).toBeUndefined();
  });

  test('a relay-reported temperror is FAIL, since a retry carries the same header', () => {
    const v = judgeRelayed(message('Authentication-Results: example.com; spf=temperror smtp.mailfrom=a@example.com; dmarc=none header.from=example.com'), '10.0.0.1', TRUST);
    expect(v).toMatchObject({ kind: 'judged', spf: { judgment: 'FAIL', reason: 'SPF temperror for example.com (reported by the relay; a retry carries the same header), per Authentication-Results of example.com' } });
  });

  test('dkim=pass with header.a=rsa-sha1 from the relay does not verify (RFC 8301 §3.1)', () => {
    const v = judgeRelayed(message('Authentication-Results: example.com; dkim=pass header.d=example.com header.s=s header.a=rsa-sha1'), '10.0.0.1', TRUST);
    expect(v).toMatchObject({ kind: 'judged', dkim: { judgment: 'FAIL' } });
  });
});

interface AuthheadersCase {
  readonly test: string;
  readonly expected_authentication_results: string;
}

describe('headers written by authheaders (ValiMail), judged as a relay header', () => {
  const fixture = JSON.parse(readFileSync(new URL('../../fixtures/verdict/authheaders-EXPECTED.json', import.meta.url), 'utf8')) as { cases: AuthheadersCase[] };
  // [dkim, spf, dmarc] for each expected header; spf FAIL where the header has no spf= result.
  const EXPECTED: Readonly<Record<string, readonly [Judgment, Judgment, Judgment]>> = {
    test_authenticate_dkim: ['PASS', 'FAIL', 'FAIL'],
    test_authenticate_dmarc: ['PASS', 'FAIL', 'PASS'],
    test_authenticate_dmarc_bad: ['GRAY', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_nofrom: ['GRAY', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_psdsub: ['GRAY', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_mult_from: ['PASS', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_mult_from2: ['PASS', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_sub: ['FAIL', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_np1: ['FAIL', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_np2: ['FAIL', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_no_p: ['FAIL', 'FAIL', 'FAIL'],
    test_authenticate_dmarc_comma: ['PASS', 'FAIL', 'PASS'],
    test_prev: ['PASS', 'PASS', 'FAIL'],
    test_arc_pass: ['GRAY', 'PASS', 'FAIL'],
    test_chain_validation_fail: ['GRAY', 'PASS', 'FAIL'],
  };

  test('every case of the fixture has an expectation here', () => {
    expect(fixture.cases.map((c) => c.test).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(fixture.cases.map((c) => [c.test, c.expected_authentication_results] as const))('%s', (name, field) => {
    const header = parseAuthenticationResults(field.replace(/^Authentication-Results:/i, ''));
    expect(header?.authservId).toBe('example.com');
    const v = judge(relayResults(header as NonNullable<typeof header>));
    expect(v.kind === 'judged' ? [v.dkim.judgment, v.spf.judgment, v.dmarc.judgment] : v).toEqual(EXPECTED[name]);
  });
});
