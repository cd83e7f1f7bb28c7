// verdict: records (pinned TXT, DNS unreachable or partly reachable) and verdict: relay (SPEC 3).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createVerifier } from '../../../src/verdict/index.js';
import { freePort, startUnbound, type Unbound } from '../../helpers/unbound.js';
import { GOOD_IP, KEY, OTHER_IP, mail, sign } from './mail-kit.js';

const PINNED = {
  'example.com': `v=spf1 ip4:${GOOD_IP} -all`,
  'sel1._domainkey.example.com': `v=DKIM1; k=rsa; p=${KEY.p}`,
  '_dmarc.example.com': 'v=DMARC1; p=quarantine',
};

describe('verdict: records', () => {
  let deadServer: string;
  beforeAll(async () => {
    deadServer = `127.0.0.1:${await freePort()}`;
  });

  test('pinned records answer SPF, the DKIM key and DMARC with no DNS server reachable', async () => {
    const v = createVerifier({ mode: 'records', hostname: 'mail2sms.test', dnsServers: [deadServer], records: PINNED, dnsTimeoutMs: 300, dnsTries: 1 });
    const raw = await sign(mail({ from: 'alerts@example.com' }), { domain: 'example.com', selector: 'sel1' });
    const verdict = await v.verify({ raw, clientAddress: GOOD_IP, helo: 'mta.example.com', mailFrom: 'alerts@example.com' });
    expect(verdict).toEqual({
      kind: 'judged',
      dkim: { judgment: 'PASS', reason: 'signature d=example.com s=sel1 verified' },
      spf: { judgment: 'PASS', reason: `SPF pass for ${GOOD_IP} (example.com: v=spf1 ip4:${GOOD_IP} -all)` },
      dmarc: { judgment: 'PASS', reason: 'DMARC pass for example.com (p=quarantine)' },
    });
  });

  test('a domain that is not pinned falls back to DNS and, with DNS unreachable, is a temperror', async () => {
    const v = createVerifier({ mode: 'records', hostname: 'mail2sms.test', dnsServers: [deadServer], records: PINNED, dnsTimeoutMs: 300, dnsTries: 1 });
    const verdict = await v.verify({ raw: mail({ from: 'a@example.org' }), clientAddress: GOOD_IP, helo: 'mta.example.org', mailFrom: 'a@example.org' });
    expect(verdict.kind).toBe('temperror');
  });

  test('an empty list pins "no record", so no lookup goes to DNS for that name', async () => {
    const records = { ...PINNED, 'example.org': [], '_dmarc.example.org': [] };
    const v = createVerifier({ mode: 'records', hostname: 'mail2sms.test', dnsServers: [deadServer], records, dnsTimeoutMs: 300, dnsTries: 1 });
    const verdict = await v.verify({ raw: mail({ from: 'a@example.org' }), clientAddress: GOOD_IP, helo: 'mta.example.org', mailFrom: 'a@example.org' });
    expect(verdict).toMatchObject({ kind: 'judged', spf: { judgment: 'GRAY', reason: 'no SPF record for example.org' } });
  });

  describe('with a reachable DNS server', () => {
    let dns: Unbound;
    beforeAll(async () => {
      dns = await startUnbound([{ name: '_dmarc.example.net', type: 'TXT', value: 'v=DMARC1; p=reject' }, { name: 'example.net', type: 'TXT', value: `v=spf1 ip4:${GOOD_IP} -all` }]);
    });
    afterAll(async () => {
      await dns?.stop();
    });

    test('names that are not pinned are answered by the DNS server', async () => {
      const v = createVerifier({ mode: 'records', hostname: 'mail2sms.test', dnsServers: dns.servers, records: PINNED });
      const verdict = await v.verify({ raw: mail({ from: 'a@example.net' }), clientAddress: GOOD_IP, helo: 'mta.example.net', mailFrom: 'a@example.net' });
      expect(verdict).toMatchObject({ kind: 'judged', spf: { judgment: 'PASS' }, dmarc: { judgment: 'PASS', reason: 'DMARC pass for example.net (p=reject)' } });
    });

    test('a pinned record wins over what DNS says for the same name', async () => {
      const v = createVerifier({ mode: 'records', hostname: 'mail2sms.test', dnsServers: dns.servers, records: { 'example.net': `v=spf1 ip4:${OTHER_IP} -all` } });
      const verdict = await v.verify({ raw: mail({ from: 'a@example.net' }), clientAddress: GOOD_IP, helo: 'mta.example.net', mailFrom: 'a@example.net' });
      expect(verdict).toMatchObject({ kind: 'judged', spf: { judgment: 'FAIL' } });
    });
  });

  test('describe says what is pinned and that other lookups go to DNS', () => {
    const v = createVerifier({ mode: 'records', hostname: 'mail2sms.test', dnsServers: ['127.0.0.1:5353'], records: PINNED });
    expect(v.describe()).toContain('TXT records pinned for 3 name(s) (example.com, sel1._domainkey.example.com, _dmarc.example.com)');
    expect(v.describe()).toContain('goes to DNS servers 127.0.0.1:5353');
  });
});

describe('verdict: relay', () => {
  const relay = { hosts: ['10.1.2.0/24', '2001:db8::/32'], authservId: 'mx1.example.lan' };
  const header =
    'Authentication-Results: mx1.example.lan;\r\n dkim=pass header.d=example.com header.s=sel1 header.a=rsa-sha256;\r\n' +
    ' spf=pass smtp.mailfrom=alerts@example.com;\r\n dmarc=pass (p=REJECT sp=REJECT) header.from=example.com';
  const raw = mail({ from: 'alerts@example.com', extraHeaders: [header] });
  const verifier = createVerifier({ mode: 'relay', hostname: 'mail2sms.test', relay });

  test('the header of a listed relay with the configured authserv-id is believed', async () => {
    const v = await verifier.verify({ raw, clientAddress: '10.1.2.3', helo: 'mx1.example.lan', mailFrom: 'alerts@example.com' });
    expect(v).toEqual({
      kind: 'judged',
      dkim: { judgment: 'PASS', reason: 'signature d=example.com s=sel1 verified, per Authentication-Results of mx1.example.lan' },
      spf: { judgment: 'PASS', reason: 'SPF pass (example.com), per Authentication-Results of mx1.example.lan' },
      dmarc: { judgment: 'PASS', reason: 'DMARC pass for example.com (p=reject), per Authentication-Results of mx1.example.lan' },
    });
  });

  test('the same header from a client that is not a listed relay is ignored: FAIL on all three', async () => {
    const v = await verifier.verify({ raw, clientAddress: '192.0.2.77', helo: 'evil.example', mailFrom: 'alerts@example.com' });
    expect(v).toMatchObject({ kind: 'judged', dkim: { judgment: 'FAIL' }, spf: { judgment: 'FAIL' }, dmarc: { judgment: 'FAIL' } });
    if (v.kind === 'judged') expect(v.spf.reason).toBe('client 192.0.2.77 is not a listed relay; no Authentication-Results from a trusted relay');
  });

  test('a listed relay whose mail carries only another authserv-id is FAIL on all three', async () => {
    const other = mail({ from: 'alerts@example.com', extraHeaders: [header.replace('mx1.example.lan', 'mx9.example.lan')] });
    const v = await verifier.verify({ raw: other, clientAddress: '2001:db8::25', helo: 'mx1.example.lan', mailFrom: 'alerts@example.com' });
    expect(v).toMatchObject({ kind: 'judged', dmarc: { judgment: 'FAIL', reason: 'no Authentication-Results from a trusted relay (authserv-id mx1.example.lan)' } });
  });

  test('a bad relay CIDR is a config error naming the value', () => {
    expect(() => createVerifier({ mode: 'relay', hostname: 'h', relay: { hosts: ['10.0.0.0/33'], authservId: 'x' } })).toThrow(/10\.0\.0\.0\/33/);
  });

  test('describe says nothing is checked here and which relay is believed', () => {
    expect(verifier.describe()).toMatch(/^verdict relay: DKIM, SPF and DMARC are not checked here; .*authserv-id mx1\.example\.lan added by a relay at 10\.1\.2\.0\/24, 2001:db8::\/32/);
  });
});
