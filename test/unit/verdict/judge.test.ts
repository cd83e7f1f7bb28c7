// judge.ts: the SPEC 3 table, fed plain mailauth-shaped results; the decision; judgment words.
import { describe, expect, test } from 'vitest';
import { decide, judge, meets, type AuthResults, type Judgment, type JudgedVerdict } from '../../../src/verdict/index.js';
import { judgeDkim, judgeDmarc, judgeSpf, type DkimRowLike } from '../../../src/verdict/judge.js';

const row = (result: string, extra: Partial<DkimRowLike> = {}, comment?: string): DkimRowLike => ({
  signingDomain: 'example.com',
  selector: 'sel1',
  algo: 'rsa-sha256',
  ...extra,
  status: comment ? { result, comment } : { result },
});
const UNSIGNED: DkimRowLike = { status: { result: 'none', comment: 'message not signed' } };

describe('DKIM judgment (SPEC 3)', () => {
  const cases: ReadonlyArray<[string, AuthResults['dkim'], Judgment, string]> = [
    ['a verifying signature is PASS', { results: [row('pass')] }, 'PASS', 'signature d=example.com s=sel1 verified'],
    ['an unsigned mail (mailauth result none) is GRAY', { results: [UNSIGNED], signatureFields: 0 }, 'GRAY', 'no DKIM signature'],
    ['a signature mailauth calls neutral is FAIL, with its comment', { results: [row('neutral', {}, 'body hash did not verify')] }, 'FAIL', 'signature d=example.com s=sel1 did not verify: body hash did not verify'],
    ['a signature mailauth calls fail is FAIL', { results: [row('fail', {}, 'bad signature')] }, 'FAIL', 'signature d=example.com s=sel1 did not verify: bad signature'],
    ['a weak key (mailauth policy) is FAIL', { results: [{ ...row('policy'), status: { result: 'policy', policy: { 'dkim-rules': 'weak-key' } } }] }, 'FAIL', 'signature d=example.com s=sel1 did not verify: policy weak-key'],
    ['an rsa-sha1 signature that mailauth passes is FAIL (RFC 8301 §3.1)', { results: [row('pass', { algo: 'rsa-sha1' })] }, 'FAIL', 'signature d=example.com s=sel1 did not verify: rsa-sha1, which RFC 8301 §3.1 forbids a verifier to accept'],
    ['rsa-sha1 beside a verifying rsa-sha256 signature is PASS', { results: [row('pass', { algo: 'RSA-SHA1' }), row('pass', { selector: 'sel2' })] }, 'PASS', 'signature d=example.com s=sel2 verified'],
    ['a DKIM-Signature field mailauth skipped (no row) is FAIL, not GRAY', { results: [UNSIGNED], signatureFields: 1 }, 'FAIL', '1 DKIM-Signature field(s) present, none could be evaluated (unsupported algorithm or missing d=/s=)'],
  ];
  test.each(cases)('%s', (_name, dkim, judgment, reason) => {
    expect(judgeDkim(dkim)).toEqual({ judgment, reason });
  });

  test('a key lookup temperror with no verifying signature is a temperror, not a judgment', () => {
    expect(judgeDkim({ results: [row('temperror', {}, 'DNS failure: ECONNREFUSED')] })).toEqual({ temperror: 'DKIM key lookup for signature d=example.com s=sel1 failed: DNS failure: ECONNREFUSED' });
  });

  test('a key lookup temperror beside a verifying signature is still PASS', () => {
    expect(judgeDkim({ results: [row('temperror'), row('pass', { selector: 'ok' })] })).toMatchObject({ judgment: 'PASS' });
  });
});

describe('SPF judgment (SPEC 3)', () => {
  const spf = (result: string) => ({ domain: 'example.com', 'client-ip': '192.0.2.9', rr: 'v=spf1 -all', status: { result } });
  const cases: ReadonlyArray<[string, Judgment, string]> = [
    ['pass', 'PASS', 'SPF pass for 192.0.2.9 (example.com: v=spf1 -all)'],
    ['none', 'GRAY', 'no SPF record for example.com'],
    ['neutral', 'GRAY', 'SPF neutral for 192.0.2.9 (example.com: v=spf1 -all)'],
    ['fail', 'FAIL', 'SPF fail for 192.0.2.9 (example.com: v=spf1 -all)'],
    ['softfail', 'FAIL', 'SPF softfail for 192.0.2.9 (example.com: v=spf1 -all)'],
    ['permerror', 'FAIL', 'SPF permerror for 192.0.2.9 (example.com: v=spf1 -all)'],
  ];
  test.each(cases)('SPF %s is %s', (result, judgment, reason) => {
    expect(judgeSpf(spf(result))).toEqual({ judgment, reason });
  });

  test('SPF temperror is a temperror, not a judgment', () => {
    expect(judgeSpf(spf('temperror'))).toEqual({ temperror: 'SPF temperror for example.com' });
  });

  test('no SPF result at all (relay header without spf=) is FAIL', () => {
    expect(judgeSpf(false)).toEqual({ judgment: 'FAIL', reason: 'no SPF result' });
  });
});

describe('DMARC judgment (SPEC 3)', () => {
  const dmarc = (result: string, policy?: string) => ({ domain: 'example.com', ...(policy ? { policy } : {}), status: { result } });
  const cases: ReadonlyArray<[string, ReturnType<typeof dmarc>, boolean, boolean, Judgment]> = [
    ['pass under p=reject is PASS', dmarc('pass', 'reject'), true, false, 'PASS'],
    ['pass under p=quarantine is PASS', dmarc('pass', 'quarantine'), false, true, 'PASS'],
    ['pass under p=none is GRAY', dmarc('pass', 'none'), true, false, 'GRAY'],
    ['pass with no p= (RFC 7489 §6.6.3: as none) is GRAY', dmarc('pass'), true, false, 'GRAY'],
    ['no record with SPF passed is GRAY', dmarc('none'), true, false, 'GRAY'],
    ['no record with DKIM passed is GRAY', dmarc('none'), false, true, 'GRAY'],
    ['no record with neither passed is FAIL', dmarc('none'), false, false, 'FAIL'],
    ['fail under p=none with unaligned SPF pass is GRAY (the seed: p=none and SPF or DKIM passed)', dmarc('fail', 'none'), true, false, 'GRAY'],
    ['fail under p=none with nothing passed is FAIL', dmarc('fail', 'none'), false, false, 'FAIL'],
    ['fail under p=reject is FAIL though SPF passed unaligned', dmarc('fail', 'reject'), true, true, 'FAIL'],
    ['permerror is FAIL', dmarc('permerror', 'none'), true, true, 'FAIL'],
  ];
  test.each(cases)('%s', (_name, input, spfPassed, dkimPassed, judgment) => {
    expect(judgeDmarc(input, spfPassed, dkimPassed)).toMatchObject({ judgment });
  });

  test('the reasons say what was found and what passed', () => {
    expect(judgeDmarc(dmarc('none'), true, false)).toEqual({ judgment: 'GRAY', reason: 'no DMARC record for example.com and SPF passed' });
    expect(judgeDmarc(dmarc('pass', 'none'), true, true)).toEqual({ judgment: 'GRAY', reason: 'DMARC pass for example.com under p=none and SPF and DKIM passed' });
  });

  test('a mail without exactly one From address (mailauth gives false) is FAIL', () => {
    expect(judgeDmarc(false, true, true)).toMatchObject({ judgment: 'FAIL' });
  });

  test('DMARC temperror is a temperror, not a judgment', () => {
    expect(judgeDmarc({ domain: 'example.com', error: 'queryTxt ECONNREFUSED _dmarc.example.com', status: { result: 'temperror' } }, false, false)).toEqual({
      temperror: 'DMARC record lookup for example.com failed: queryTxt ECONNREFUSED _dmarc.example.com',
    });
  });
});

describe('judge over all three', () => {
  const base: AuthResults = {
    dkim: { results: [row('pass', { algo: 'rsa-sha1' })] },
    spf: { domain: 'example.com', status: { result: 'none' } },
    dmarc: { domain: 'example.com', policy: 'none', status: { result: 'pass' } },
  };

  test('DMARC GRAY needs a DKIM PASS by our rule: an rsa-sha1 pass alone does not count', () => {
    expect(judge(base)).toMatchObject({ kind: 'judged', dkim: { judgment: 'FAIL' }, dmarc: { judgment: 'FAIL' } });
  });

  test('any temperror makes the verdict temperror, with every temperror named', () => {
    const v = judge({ ...base, spf: { domain: 'example.com', status: { result: 'temperror' } }, dmarc: { domain: 'example.com', status: { result: 'temperror' } } });
    expect(v).toEqual({ kind: 'temperror', reason: 'SPF temperror for example.com; DMARC record lookup for example.com failed: temperror' });
  });

  test('with temperror "fail" a temperror is judged FAIL with the note', () => {
    const v = judge({ ...base, spf: { domain: 'example.com', status: { result: 'temperror' } } }, { temperror: 'fail', temperrorNote: 'reported by the relay' });
    expect(v).toMatchObject({ kind: 'judged', spf: { judgment: 'FAIL', reason: 'SPF temperror for example.com (reported by the relay)' } });
  });
});

describe('decision against the user minimums (SPEC 3)', () => {
  const verdict = (dkim: Judgment, spf: Judgment, dmarc: Judgment): JudgedVerdict => ({
    kind: 'judged',
    dkim: { judgment: dkim, reason: `dkim ${dkim}` },
    spf: { judgment: spf, reason: `spf ${spf}` },
    dmarc: { judgment: dmarc, reason: `dmarc ${dmarc}` },
  });

  test('a judgment meets every minimum at or below it: PASS > GRAY > FAIL', () => {
    const all: Judgment[] = ['PASS', 'GRAY', 'FAIL'];
    const met = all.flatMap((j) => all.filter((m) => meets(j, m)).map((m) => `${j}>=${m}`));
    expect(met).toEqual(['PASS>=PASS', 'PASS>=GRAY', 'PASS>=FAIL', 'GRAY>=GRAY', 'GRAY>=FAIL', 'FAIL>=FAIL']);
  });

  test('the SMS goes when all three meet their minimums', () => {
    expect(decide(verdict('PASS', 'PASS', 'GRAY'), { dkim: 'PASS', spf: 'PASS', dmarc: 'GRAY' })).toEqual({ ok: true });
  });

  test('one criterion below its minimum stops the SMS and is named with its reason', () => {
    expect(decide(verdict('GRAY', 'PASS', 'GRAY'), { dkim: 'PASS', spf: 'GRAY', dmarc: 'GRAY' })).toEqual({
      ok: false,
      failed: [{ criterion: 'dkim', judgment: 'GRAY', minimum: 'PASS', reason: 'dkim GRAY' }],
    });
  });

  test("SPF GRAY does not meet a PASS minimum, as the seed's prose says, though its sample table shows it passing", () => {
    // seed 000 "Sample of PASS the judgment": DKIM PASS/PASS, SPF GRAY/PASS shown as PASS, DMARC GRAY/GRAY.
    const d = decide(verdict('PASS', 'GRAY', 'GRAY'), { dkim: 'PASS', spf: 'PASS', dmarc: 'GRAY' });
    expect(d).toEqual({ ok: false, failed: [{ criterion: 'spf', judgment: 'GRAY', minimum: 'PASS', reason: 'spf GRAY' }] });
  });

  test("the seed's failing sample (DKIM GRAY under a PASS minimum) fails on DKIM, and on SPF too by the prose", () => {
    const d = decide(verdict('GRAY', 'GRAY', 'GRAY'), { dkim: 'PASS', spf: 'PASS', dmarc: 'GRAY' });
    expect(d.ok === false && d.failed.map((f) => f.criterion)).toEqual(['dkim', 'spf']);
  });

  test('FAIL minimums let every mail through', () => {
    expect(decide(verdict('FAIL', 'FAIL', 'FAIL'), { dkim: 'FAIL', spf: 'FAIL', dmarc: 'FAIL' })).toEqual({ ok: true });
  });
});
