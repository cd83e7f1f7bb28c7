// The openspf RFC 7208 test suite run through mailauth's SPF check with a resolver built from each
// scenario's zone data, and every result through our SPF judgment (SPEC 3). Skips listed below.
import { readFileSync } from 'node:fs';
import { spf } from 'mailauth';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { judgeSpf } from '../../../src/verdict/judge.js';
import type { DnsResolver } from '../../../src/verdict/resolvers.js';

type Rr = string | Readonly<Record<string, unknown>>;
interface SuiteTest {
  readonly helo: string;
  readonly host: string;
  readonly mailfrom: string;
  readonly result: string | readonly string[];
}
interface Scenario {
  readonly description: string;
  readonly tests: Readonly<Record<string, SuiteTest>>;
  readonly zonedata?: Readonly<Record<string, readonly Rr[]>>;
}

/**
 * Where mailauth's answer differs from the suite (all on mailauth's own skip list,
 * postalsys/mailauth test/spf/rfc-suite-test.js). For these the judgment of the suite's expected
 * word is still checked; only mailauth's evaluation is skipped.
 */
const SKIP: Readonly<Record<string, string>> = {
  'bare-ip6': 'mailauth does not give permerror for "ip6" without an address',
  'exp-syntax-error': 'mailauth does not give permerror for a malformed exp= modifier',
  'exp-twice': 'mailauth does not give permerror for two exp= modifiers',
  'exp-only-macro-char': 'mailauth does not give permerror for exp=%',
  'p-macro-multiple': 'mailauth does not validate the %{p} macro through PTR and A (answers neutral)',
  'invalid-hello-macro': 'mailauth does not check %{h} with an invalid HELO',
  'hello-domain-literal': 'mailauth does not evaluate a HELO given as a domain literal as the suite expects',
  'require-valid-helo': 'mailauth does not apply the HELO validity rule',
};

const dnsError = (code: string, name: string): Error => Object.assign(new Error(`${code} ${name}`), { code });

/** mailauth's resolver contract over a scenario's zone data; SPF-type records answer TXT queries (suite header). */
function zoneResolver(zone: Readonly<Record<string, readonly Rr[]>>): DnsResolver {
  const table = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
  const lookup = async (name: string, type: string, depth = 0): Promise<unknown[]> => {
    const rrs = table.get(name.toLowerCase().replace(/\.$/, ''));
    if (!rrs) throw dnsError('ENOTFOUND', name);
    const of = (t: string) => rrs.flatMap((rr) => (typeof rr === 'object' && t in rr ? [rr[t]] : []));
    // "TXT: NONE" says the name has no TXT record (and no SPF-to-TXT copy is made)
    let values = of(type).filter((v) => v !== 'NONE');
    if (type === 'TXT' && of('TXT').length === 0) values = of('SPF');
    // TIMEOUT: a query the listed records do not answer times out
    if (values.length === 0 && rrs.includes('TIMEOUT')) throw dnsError('ETIMEOUT', name);
    const cname = of('CNAME')[0];
    if (values.length === 0 && typeof cname === 'string' && depth < 8) return lookup(cname, type, depth + 1);
    if (values.length === 0) throw dnsError('ENODATA', name);
    if (type === 'TXT') return values.map((v) => (Array.isArray(v) ? v.map(String) : [String(v)]));
    if (type === 'MX') return values.map((v) => ({ priority: Number((v as unknown[])[0]), exchange: String((v as unknown[])[1]) }));
    return values.map(String);
  };
  return (name, type) => lookup(name, type) as ReturnType<DnsResolver>;
}

const JUDGMENT_OF: Readonly<Record<string, string>> = {
  pass: 'PASS', none: 'GRAY', neutral: 'GRAY', fail: 'FAIL', softfail: 'FAIL', permerror: 'FAIL', temperror: 'temperror',
};

function judgmentOf(o: ReturnType<typeof judgeSpf>): string {
  return 'temperror' in o ? 'temperror' : o.judgment;
}

const scenarios = parseAllDocuments(readFileSync(new URL('../../fixtures/verdict/rfc7208-tests.yml', import.meta.url), 'utf8'))
  .map((d) => d.toJS() as Scenario | null)
  .filter((s): s is Scenario => s !== null);

test('the suite file holds the 16 scenarios and 203 tests of the 2014.04 release plus additions', () => {
  expect([scenarios.length, scenarios.reduce((n, s) => n + Object.keys(s.tests).length, 0)]).toEqual([16, 203]);
});

for (const scenario of scenarios) {
  describe(`RFC 7208 suite: ${scenario.description}`, () => {
    const resolver = zoneResolver(scenario.zonedata ?? {});
    for (const [name, t] of Object.entries(scenario.tests)) {
      const skip = SKIP[name];
      const expected = ([] as string[]).concat(t.result);
      const judgments = expected.map((r) => JUDGMENT_OF[r]);
      test.skipIf(skip !== undefined)(`${name}: mailauth gives ${expected.join(' or ')}, judged ${judgments.join(' or ')}${skip ? ` (skipped: ${skip})` : ''}`, async () => {
        const result = await spf({ sender: t.mailfrom, ip: t.host, helo: t.helo, mta: 'mail2sms.test', resolver: resolver as never });
        expect(expected, `mailauth said ${result.status.result}`).toContain(result.status.result);
        expect(judgmentOf(judgeSpf(result))).toBe(JUDGMENT_OF[result.status.result]);
      });
      test(`${name}: the suite's expected ${expected.join(' or ')} is judged ${judgments.join(' or ')}`, () => {
        const judged = expected.map((r) => judgmentOf(judgeSpf({ domain: 'example.com', status: { result: r } })));
        expect(judged).toEqual(judgments);
      });
    }
  });
}
