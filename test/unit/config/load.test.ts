import { describe, expect, it } from 'vitest';
import { parseConfigText, loadConfig, ConfigInvalidError } from '../../../src/config/load.js';
import { parseListen } from '../../../src/config/schema.js';

function problemsOf(text: string): readonly string[] {
  try {
    parseConfigText(text, 'config.yaml');
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('config loading (SPEC 12)', () => {
  it('runs on the embedded defaults when there is no file', () => {
    const c = loadConfig(undefined);
    expect(c.domain).toEqual(['sms.localhost']);
    expect(c.smtp.listen).toEqual([{ host: '127.0.0.1', port: 2525 }]);
    expect(c.routes).toEqual([{ name: 'sim', transport: 'sim', latency_ms: 0 }]);
    expect(c.verdict).toBe('trusted-ip');
    expect(c.state_dir.endsWith('/var')).toBe(true);
  });

  it('names an unknown key with its file line', () => {
    const problems = problemsOf('domain: a.lan\nsmtp:\n  listen: ":25"\n  bogus: 1\n');
    expect(problems).toEqual(['config.yaml:4: smtp.bogus: unknown key']);
  });

  it('names a bad value inside a route with its line', () => {
    const problems = problemsOf('domain: a.lan\nroutes:\n  - name: gsm1\n    transport: modem\n    path: /dev/ttyUSB0\n    baud: fast\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^config\.yaml:6: routes\[0\]\.baud: /);
  });

  it('reports every bad key at once, not only the first', () => {
    const problems = problemsOf('domain: "not a domain!"\nsmtp: { listen: "nowhere", max_message_size: lots }\n');
    expect(problems.map((p) => p.split(': ')[1])).toEqual(['domain', 'smtp.listen', 'smtp.max_message_size']);
  });

  it('takes the four verdict modes of SPEC 3 and refuses any other, naming it', () => {
    for (const mode of ['dns', 'trusted-ip']) expect(parseConfigText(`domain: a.lan\nverdict: ${mode}\n`, 'c.yaml').verdict).toBe(mode);
    expect(problemsOf('domain: a.lan\nverdict: strict\n')[0]).toMatch(/^config\.yaml:2: verdict: expected one of dns, .*got "strict"$/);
  });

  it('reads dns.servers with ports and refuses a server that is not an IP address', () => {
    const c = parseConfigText('domain: a.lan\nverdict: dns\ndns: { servers: ["127.0.0.1:5353", "::1", "[::1]:53"] }\n', 'c.yaml');
    expect(c.dns?.servers).toEqual(['127.0.0.1:5353', '::1', '[::1]:53']);
    expect(problemsOf('domain: a.lan\ndns:\n  servers: [ns1.example]\n')[0]).toMatch(/^config\.yaml:3: dns\.servers\[0\]: must be an IP address/);
  });

  it('asks for the pinned records when verdict is records, and for the relay when it is relay', () => {
    expect(problemsOf('domain: a.lan\nverdict: records\n')).toEqual([expect.stringMatching(/records: verdict: records needs the pinned records/)]);
    expect(problemsOf('domain: a.lan\nverdict: relay\n')).toEqual([expect.stringMatching(/relay: verdict: relay needs relay\.hosts/)]);
    const c = parseConfigText(
      'domain: a.lan\nverdict: records\nrecords:\n  example.com: "v=spf1 ip4:192.0.2.0/24 -all"\n  _dmarc.example.com: ["v=DMARC1; p=reject"]\n',
      'c.yaml',
    );
    expect(c.records).toEqual({ 'example.com': 'v=spf1 ip4:192.0.2.0/24 -all', '_dmarc.example.com': ['v=DMARC1; p=reject'] });
  });

  it('refuses a relay host that is not a CIDR and a smarthost without a host', () => {
    const problems = problemsOf('domain: a.lan\nverdict: relay\nrelay: { hosts: [10.0.0.300/32], authserv_id: mx.a.lan }\nsmarthost: { port: 25 }\n');
    expect(problems.map((p) => p.split(': ')[1])).toEqual(['relay.hosts[0]', 'smarthost.host']);
  });

  it('turns sizes and listen addresses into numbers', () => {
    const c = parseConfigText('domain: [A.lan, b.lan]\nsmtp: { listen: ["[::1]:2525", "0.0.0.0:25"], max_message_size: 2MB }\n', '/etc/x.yaml');
    expect(c.domain).toEqual(['a.lan', 'b.lan']);
    expect(c.smtp.max_message_size).toBe(2 * 1024 * 1024);
    expect(c.smtp.listen).toEqual([{ host: '::1', port: 2525 }, { host: '0.0.0.0', port: 25 }]);
    expect(c.state_dir).toBe('/etc/var');
  });

  it('parses listen strings and refuses bad ports', () => {
    expect(parseListen(':25')).toEqual({ host: '0.0.0.0', port: 25 });
    expect(parseListen('127.0.0.1:99999')).toBeUndefined();
    expect(parseListen('127.0.0.1')).toBeUndefined();
  });

  it('says when the file is not YAML', () => {
    expect(() => parseConfigText('domain: [unclosed\n', 'c.yaml')).toThrow(/c\.yaml: not valid YAML/);
  });

  it('takes http: for /metrics and /healthz (SPEC 12), off unless configured', () => {
    expect(parseConfigText('domain: a.lan\n', 'c.yaml').http).toBeUndefined();
    const c = parseConfigText('domain: a.lan\nhttp: { listen: "127.0.0.1:8025", token_file: /etc/mail2sms/token }\n', 'c.yaml');
    expect(c.http).toEqual({ listen: { host: '127.0.0.1', port: 8025 }, token_file: '/etc/mail2sms/token', protect_metrics: false });
    expect(parseConfigText('domain: a.lan\nhttp: { listen: "127.0.0.1:8025", protect_metrics: true }\n', 'c.yaml').http?.protect_metrics).toBe(true);
    expect(() => parseConfigText('domain: a.lan\nhttp: { listen: "127.0.0.1:8025", protect_metrics: "yes" }\n', 'c.yaml')).toThrow(/protect_metrics/);
  });

  it('takes inbound: the box-wide address for SMS that answer no alert (SPEC 10, 12), lower-cased, absent unless configured', () => {
    expect(parseConfigText('domain: a.lan\n', 'c.yaml').inbound).toBeUndefined();
    expect(parseConfigText('domain: a.lan\ninbound: NOC-SMS@Example.lan\n', 'c.yaml').inbound).toBe('noc-sms@example.lan');
  });

  it('names a bad http.listen and an unknown http key with their lines', () => {
    expect(problemsOf('domain: a.lan\nhttp:\n  listen: "localhost"\n')).toEqual([expect.stringMatching(/config\.yaml:3: http\.listen: "localhost" is not HOST:PORT/)]);
    expect(problemsOf('domain: a.lan\nhttp:\n  listen: "127.0.0.1:8025"\n  tokenfile: x\n')).toEqual([expect.stringMatching(/config\.yaml:4: .*tokenfile/)]);
  });
});
