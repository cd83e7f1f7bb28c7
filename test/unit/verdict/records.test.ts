// resolvers.ts recordsResolver (verdict: records), and the RFC 8463 example mail verified from
// pinned records through mailauth's custom resolver, no DNS server at all.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createVerifier, type PinnedRecords } from '../../../src/verdict/index.js';
import { recordsResolver, type DnsResolver } from '../../../src/verdict/resolvers.js';

function fallbackLog(): { resolver: DnsResolver; asked: string[] } {
  const asked: string[] = [];
  const resolver: DnsResolver = async (name, type) => {
    asked.push(`${type} ${name}`);
    return [['from DNS']];
  };
  return { resolver, asked };
}

describe('recordsResolver', () => {
  test('a pinned TXT record is answered without asking DNS, names compared without case or root dot', async () => {
    const dns = fallbackLog();
    const r = recordsResolver({ 'Example.COM.': 'v=spf1 -all' }, dns.resolver);
    expect(await r('example.com', 'TXT')).toEqual([['v=spf1 -all']]);
    expect(await r('EXAMPLE.com.', 'txt')).toEqual([['v=spf1 -all']]);
    expect(dns.asked).toEqual([]);
  });

  test('several strings for a name are several TXT records', async () => {
    const r = recordsResolver({ 'example.com': ['v=spf1 -all', 'google-site-verification=x'] }, fallbackLog().resolver);
    expect(await r('example.com', 'TXT')).toEqual([['v=spf1 -all'], ['google-site-verification=x']]);
  });

  test('a record longer than 255 octets comes back in 255-octet strings, as DNS carries it (RFC 1035 §3.3.14)', async () => {
    const r = recordsResolver({ 'sel._domainkey.example.com': 'p='.padEnd(600, 'A') }, fallbackLog().resolver);
    const [record] = (await r('sel._domainkey.example.com', 'TXT')) as string[][];
    expect(record?.map((s) => s.length)).toEqual([255, 255, 90]);
    expect(record?.join('')).toBe('p='.padEnd(600, 'A'));
  });

  test('other names, and other record types of a pinned name, go to DNS', async () => {
    const dns = fallbackLog();
    const r = recordsResolver({ 'example.com': 'v=spf1 a -all' }, dns.resolver);
    await r('example.com', 'A');
    await r('_dmarc.example.org', 'TXT');
    expect(dns.asked).toEqual(['A example.com', 'TXT _dmarc.example.org']);
  });

  test('an empty list pins "no record": ENODATA, which mailauth reads as none', async () => {
    const dns = fallbackLog();
    const r = recordsResolver({ '_dmarc.example.com': [] }, dns.resolver);
    await expect(r('_dmarc.example.com', 'TXT')).rejects.toMatchObject({ code: 'ENODATA' });
    expect(dns.asked).toEqual([]);
  });
});

describe('the RFC 8463 example mail (ed25519 and rsa signatures) from pinned records', () => {
  const raw = readFileSync(new URL('../../fixtures/verdict/rfc8463-signed.eml', import.meta.url));
  const zone = JSON.parse(readFileSync(new URL('../../fixtures/verdict/rfc8463-dns.json', import.meta.url), 'utf8')) as Record<string, { TXT: string[][] }>;
  const records: PinnedRecords = {
    ...Object.fromEntries(Object.entries(zone).map(([name, rr]) => [name, rr.TXT.map((chunks) => chunks.join(''))])),
    '_dmarc.football.example.com': [],
    '_dmarc.example.com': [],
  };
  // 127.0.0.1:9 (discard) has no DNS server: any lookup that is not pinned would be a temperror
  const verifier = createVerifier({ mode: 'records', hostname: 'mail2sms.test', dnsServers: ['127.0.0.1:9'], records, dnsTimeoutMs: 300, dnsTries: 1 });

  test('verifies DKIM and SPF from the pinned records alone; no DMARC record (org domain example.com) and both passed is DMARC GRAY', async () => {
    const v = await verifier.verify({ raw, clientAddress: '213.165.64.12', helo: 'football.example.com', mailFrom: 'joe@football.example.com' });
    expect(v).toEqual({
      kind: 'judged',
      dkim: { judgment: 'PASS', reason: 'signature d=football.example.com s=brisbane verified' },
      spf: { judgment: 'PASS', reason: 'SPF pass for 213.165.64.12 (football.example.com: v=spf1 ip4:213.165.64.12/32 ~all)' },
      dmarc: { judgment: 'GRAY', reason: 'no DMARC record for example.com and SPF and DKIM passed' },
    });
  });

  test('the same mail from an address the record does not name is SPF softfail, judged FAIL', async () => {
    const v = await verifier.verify({ raw, clientAddress: '192.0.2.1', helo: 'football.example.com', mailFrom: 'joe@football.example.com' });
    expect(v).toMatchObject({ kind: 'judged', dkim: { judgment: 'PASS' }, spf: { judgment: 'FAIL' }, dmarc: { judgment: 'GRAY' } });
  });
});
