// verdict: dns against a real DNS server (unbound) on loopback; mails signed in the test (SPEC 3, 13).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createVerifier, decide, type Verdict, type Verifier } from '../../../src/verdict/index.js';
import { freePort, startUnbound, type Unbound } from '../../helpers/unbound.js';
import { FORGER_KEY, GOOD_IP, OTHER_IP, ZONE, mail, sign } from './mail-kit.js';

let dns: Unbound;
let verifier: Verifier;

beforeAll(async () => {
  dns = await startUnbound(ZONE);
  verifier = createVerifier({ mode: 'dns', hostname: 'mail2sms.test', dnsServers: dns.servers });
});
afterAll(async () => {
  await dns?.stop();
});

function judged(v: Verdict): Extract<Verdict, { kind: 'judged' }> {
  if (v.kind !== 'judged') throw new Error(`expected judgments, got temperror: ${v.reason}`);
  return v;
}

const input = (raw: Buffer, clientAddress = GOOD_IP, mailFrom = 'alerts@example.com') => ({ raw, clientAddress, helo: 'mta.example.com', mailFrom });

describe('DKIM against keys in DNS', () => {
  test('a mail signed with the key published in DNS is DKIM PASS, and with SPF it is PASS on all three', async () => {
    const raw = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'sel1' });
    const v = judged(await verifier.verify(input(raw)));
    expect(v.dkim).toEqual({ judgment: 'PASS', reason: 'signature d=example.com s=sel1 verified' });
    expect(v.spf.judgment).toBe('PASS');
    expect(v.dmarc).toEqual({ judgment: 'PASS', reason: 'DMARC pass for example.com (p=reject)' });
    expect(decide(v, { dkim: 'PASS', spf: 'PASS', dmarc: 'PASS' })).toEqual({ ok: true });
  });

  test('a signature replayed onto an altered body is DKIM FAIL (mailauth says neutral)', async () => {
    const signed = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'sel1' });
    const altered = Buffer.from(signed.toString().replace('Pressure 1.2 bar', 'Pressure 9.9 bar'));
    const v = judged(await verifier.verify(input(altered)));
    expect(v.dkim.judgment).toBe('FAIL');
    expect(v.dkim.reason).toBe('signature d=example.com s=sel1 did not verify: body hash did not verify');
  });

  test('a signature made with a key that is not the one in DNS is DKIM FAIL', async () => {
    const raw = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'sel1', key: FORGER_KEY });
    const v = judged(await verifier.verify(input(raw, OTHER_IP)));
    expect(v.dkim).toEqual({ judgment: 'FAIL', reason: 'signature d=example.com s=sel1 did not verify: bad signature' });
    expect(v.dmarc.judgment).toBe('FAIL');
  });

  test('a signature whose selector has no key in DNS is DKIM FAIL', async () => {
    const raw = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'ghost', key: FORGER_KEY });
    const v = judged(await verifier.verify(input(raw)));
    expect(v.dkim).toEqual({ judgment: 'FAIL', reason: 'signature d=example.com s=ghost did not verify: no key' });
  });

  test('a signature under a revoked key (empty p=) is DKIM FAIL', async () => {
    const raw = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'revoked' });
    const v = judged(await verifier.verify(input(raw)));
    expect(v.dkim).toEqual({ judgment: 'FAIL', reason: 'signature d=example.com s=revoked did not verify: invalid public key' });
  });

  test('an rsa-sha1 signature does not verify (RFC 8301 §3.1), and does not carry DMARC either', async () => {
    const raw = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'sel1', algorithm: 'rsa-sha1' });
    const v = judged(await verifier.verify(input(raw, OTHER_IP)));
    expect(v.dkim.judgment).toBe('FAIL');
    expect(v.dkim.reason).toContain('rsa-sha1, which RFC 8301 §3.1 forbids');
    expect(v.spf.judgment).toBe('FAIL');
    expect(v.dmarc).toEqual({ judgment: 'FAIL', reason: 'DMARC fail for example.com (p=reject): no aligned SPF or DKIM pass' });
  });

  test('one good signature beside a broken one is DKIM PASS', async () => {
    const good = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'sel1' });
    const both = await sign(good, { domain: 'example.com', selector: 'ghost', key: FORGER_KEY });
    expect(judged(await verifier.verify(input(both))).dkim.judgment).toBe('PASS');
  });

  test('an unsigned mail is DKIM GRAY', async () => {
    const v = judged(await verifier.verify(input(mail({ from: 'alerts@example.com' }))));
    expect(v.dkim).toEqual({ judgment: 'GRAY', reason: 'no DKIM signature' });
  });

  test('a DKIM-Signature field mailauth cannot evaluate at all (a=rsa-md5) is DKIM FAIL, not GRAY', async () => {
    const field = 'DKIM-Signature: v=1; a=rsa-md5; d=example.com; s=sel1; h=from; bh=AAAA; b=AAAA';
    const v = judged(await verifier.verify(input(mail({ from: 'alerts@example.com', extraHeaders: [field] }))));
    expect(v.dkim.judgment).toBe('FAIL');
    expect(v.dkim.reason).toContain('none could be evaluated');
  });
});

describe('SPF from the client address', () => {
  test('a client the record names is SPF PASS', async () => {
    const v = judged(await verifier.verify(input(mail({ from: 'alerts@example.com' }))));
    expect(v.spf).toEqual({ judgment: 'PASS', reason: `SPF pass for ${GOOD_IP} (example.com: v=spf1 ip4:${GOOD_IP} -all)` });
  });

  test('a client a -all record does not name is SPF FAIL', async () => {
    const v = judged(await verifier.verify(input(mail({ from: 'alerts@example.com' }), OTHER_IP)));
    expect(v.spf).toEqual({ judgment: 'FAIL', reason: `SPF fail for ${OTHER_IP} (example.com: v=spf1 ip4:${GOOD_IP} -all)` });
  });

  test('a client a ~all record does not name is SPF softfail, judged FAIL', async () => {
    const v = judged(await verifier.verify(input(mail({ from: 'a@soft.example.org' }), GOOD_IP, 'a@soft.example.org')));
    expect(v.spf.judgment).toBe('FAIL');
    expect(v.spf.reason).toMatch(/^SPF softfail for 192\.0\.2\.10/);
  });

  test('a sender domain with no SPF record is SPF GRAY', async () => {
    const v = judged(await verifier.verify(input(mail({ from: 'a@example.org' }), GOOD_IP, 'a@example.org')));
    expect(v.spf).toEqual({ judgment: 'GRAY', reason: 'no SPF record for example.org' });
  });

  test('a null reverse-path is checked as postmaster@helo (RFC 7208 §2.4)', async () => {
    const v = judged(await verifier.verify({ raw: mail({ from: 'alerts@example.com' }), clientAddress: GOOD_IP, helo: 'example.com', mailFrom: '' }));
    expect(v.spf.judgment).toBe('PASS');
  });
});

describe('DMARC', () => {
  test('p=none with SPF passing is DMARC GRAY', async () => {
    const v = judged(await verifier.verify(input(mail({ from: 'alerts@example.net' }), GOOD_IP, 'alerts@example.net')));
    expect(v.dmarc).toEqual({ judgment: 'GRAY', reason: 'DMARC pass for example.net under p=none and SPF passed' });
  });

  test('no DMARC record and nothing passing is DMARC FAIL', async () => {
    const v = judged(await verifier.verify(input(mail({ from: 'a@example.org' }), GOOD_IP, 'a@example.org')));
    expect(v.dmarc).toEqual({ judgment: 'FAIL', reason: 'no DMARC record for example.org and neither SPF nor DKIM passed' });
  });

  test('a spoofed From of a p=reject domain is DMARC FAIL though SPF and DKIM pass for the domain of the envelope sender', async () => {
    const raw = await sign(mail({ from: 'ceo@example.com' }), { domain: 'example.net', selector: 'sel1' });
    const v = judged(await verifier.verify(input(raw, GOOD_IP, 'bounce@example.net')));
    expect(v.dkim.judgment).toBe('PASS');
    expect(v.spf.judgment).toBe('PASS');
    expect(v.dmarc).toEqual({ judgment: 'FAIL', reason: 'DMARC fail for example.com (p=reject): no aligned SPF or DKIM pass' });
    expect(decide(v, { dkim: 'FAIL', spf: 'FAIL', dmarc: 'GRAY' })).toMatchObject({ ok: false, failed: [{ criterion: 'dmarc', judgment: 'FAIL', minimum: 'GRAY' }] });
  });

  test('a mail with two From addresses is DMARC FAIL', async () => {
    const raw = Buffer.from(mail({ from: 'alerts@example.com' }).toString().replace('From: Alerts <alerts@example.com>', 'From: a@example.com, b@example.net'));
    const v = judged(await verifier.verify(input(raw)));
    expect(v.dmarc.judgment).toBe('FAIL');
    expect(v.dmarc.reason).toContain('exactly one From address');
  });
});

describe('DNS failures', () => {
  test('a DNS server that does not answer gives a temperror verdict, not a judgment', async () => {
    const dead = createVerifier({ mode: 'dns', hostname: 'mail2sms.test', dnsServers: [`127.0.0.1:${await freePort()}`], dnsTimeoutMs: 300, dnsTries: 1 });
    const raw = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'sel1' });
    const v = await dead.verify(input(raw));
    expect(v.kind).toBe('temperror');
    if (v.kind === 'temperror') expect(v.reason).toMatch(/DKIM key lookup.*failed.*SPF temperror for example\.com.*DMARC record lookup for example\.com failed/);
  });

  test('describe names the DNS servers in use', () => {
    expect(verifier.describe()).toBe(`verdict dns: DKIM, SPF and DMARC checked against DNS servers ${dns.servers[0]}; a DNS failure answers 451 4.7.0`);
  });
});
