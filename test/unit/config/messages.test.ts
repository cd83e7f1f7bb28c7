/*
 * Issue 12: config problems in a person's words, one line each ("missing key", "expected a
 * number, got \"abc\"", the reason of a bad port), and the bounds a YAML text must keep.
 */
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../../../src/config/index.js';
import { GatewayError } from '../../../src/errors.js';
import { parseConfigText } from '../../../src/config/load.js';
import { MAX_YAML_DEPTH, yamlDepth } from '../../../src/config/yaml-bounds.js';

function problemsOf(text: string): readonly string[] {
  try {
    parseConfigText(text, 'c.yaml');
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}

function yamlErrorOf(text: string): string {
  try {
    parseConfigText(text, 'c.yaml');
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'M2S_CONFIG_UNREADABLE') return err.message;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('config problems said for the person fixing the file (issue 12)', () => {
  it.each([
    ['state_dir: x\n', 'c.yaml:1: domain: missing key'],
    ['domain: 5\n', 'c.yaml:1: domain: expected a string or a list, got 5'],
    ['domain: "not a domain!"\n', 'c.yaml:1: domain: must be a domain name, got "not a domain!"'],
    ['domain: a.lan\nsmtp: { listen: "0.0.0.0:99999" }\n', 'c.yaml:2: smtp.listen: "0.0.0.0:99999": port 99999 is out of range (0 to 65535)'],
    ['domain: a.lan\nsmtp: { listen: [":25", "x"] }\n', 'c.yaml:2: smtp.listen: in [1]: "x" is not HOST:PORT (e.g. 0.0.0.0:25 or [::1]:2525)'],
    ['domain: a.lan\nhttp: { listen: "127.0.0.1:70000" }\n', 'c.yaml:2: http.listen: "127.0.0.1:70000": port 70000 is out of range (0 to 65535)'],
    ['domain: a.lan\nverdict: foo\n', 'c.yaml:2: verdict: expected one of dns, records, relay, trusted-ip, got "foo"'],
    ['domain: a.lan\nsmarthost: { host: h, port: "25" }\n', 'c.yaml:2: smarthost.port: expected a number, got "25"'],
    ['domain: a.lan\nsmarthost: { host: h, port: 70000 }\n', 'c.yaml:2: smarthost.port: must be at most 65535, got 70000'],
    ['domain: a.lan\nsmarthost: { host: h, from: nope }\n', 'c.yaml:2: smarthost.from: expected an email address, got "nope"'],
    ['domain: a.lan\nroutes:\n  - { name: g, transport: modem, path: /x, baud: abc }\n', 'c.yaml:3: routes[0].baud: expected a number, got "abc"'],
    ['domain: a.lan\nroutes:\n  - { name: s, transport: simx }\n', 'c.yaml:3: routes[0].transport: expected one of modem, smpp, sim, got "simx"'],
    ['domain: a.lan\nroutes:\n  - { name: g, transport: modem }\n', 'c.yaml:3: routes[0].path: missing key'],
    ['domain: a.lan\nroutes:\n  - { name: s, transport: sim, rate: 0 }\n', 'c.yaml:3: routes[0].rate: must be more than 0, got 0'],
    ['domain: a.lan\nroutes:\n  - { name: g, transport: modem, path: /x, rate: fast }\n', 'c.yaml:3: routes[0].rate: expected a number, got "fast"'],
    ['domain: a.lan\nroutes: []\n', 'c.yaml:2: routes: needs at least 1 item, got a list'],
    ['domain: a.lan\nroutes:\n  - { name: u, transport: smpp, host: h, port: 2775, system_id: gw1, password_file: /p, window: 0 }\n', 'c.yaml:3: routes[0].window: must be at least 1, got 0'],
    ['domain: a.lan\nroutes:\n  - { name: u, transport: smpp, host: h, port: 2775, system_id: gw1, password_file: /p, long: tlv }\n', 'c.yaml:3: routes[0].long: expected one of udh, sar, payload, got "tlv"'],
    ['domain: a.lan\nroutes:\n  - { name: u, transport: smpp, host: h, port: 2775, system_id: gw1, password_file: /p, receipt_id: octal }\n', 'c.yaml:3: routes[0].receipt_id: expected one of auto, hex, dec, got "octal"'],
    ['domain: a.lan\nroutes:\n  - { name: u, transport: smpp, host: h, port: 2775, system_id: gw1, password_file: /p, mode: receive }\n', 'c.yaml:3: routes[0].mode: expected one of transceiver, transmitter, receiver, got "receive"'],
    ['domain: a.lan\nroutes:\n  - { name: u, transport: smpp, host: h, port: 2775, system_id: a-very-long-system-id, password_file: /p }\n', 'c.yaml:3: routes[0].system_id: must be at most 15 characters long, got "a-very-long-system-id"'],
    ['domain: a.lan\nroutes:\n  - { name: u, transport: smpp, host: h, port: 0, system_id: gw1, password_file: /p }\n', 'c.yaml:3: routes[0].port: must be at least 1, got 0'],
    ['domain: a.lan\nroutes:\n  - { name: u, transport: smpp, host: h, port: 2775, system_id: gw1 }\n', 'c.yaml:3: routes[0].password_file: missing key'],
    ['domain: a.lan\nroutes:\n  - { name: s, transport: sim }\n  - { name: s, transport: sim }\n', 'c.yaml:4: routes[1].name: route name "s" is used twice: each route needs its own name (sends and receipts are recorded by it)'],
    ['domain: a.lan\nhostname: ""\n', 'c.yaml:2: hostname: must not be empty, got an empty string'],
    ['domain: a.lan\nsmtp:\n', 'c.yaml:2: smtp: expected a map of keys, got nothing'],
    ['domain: a.lan\nlog_level: 3\n', 'c.yaml:2: log_level: expected one of fatal, error, warn, info, debug, trace, got 3'],
    ['domain: a.lan\ninbound: ops\n', 'c.yaml:2: inbound: "ops" is not an email address (user@domain)'],
    ['domain: a.lan\ninbound: "ops@"\n', 'c.yaml:2: inbound: "ops@" is not an email address (user@domain)'],
    ['domain: a.lan\ninbound: 42\n', 'c.yaml:2: inbound: expected a string, got 42'],
    ['domain: a.lan\ninbound: ""\n', 'c.yaml:2: inbound: "" is not an email address (user@domain)'],
    ['domain: a.lan\ninbound: [a@b.c]\n', 'c.yaml:2: inbound: expected a string, got a list'],
  ])('%j gives %j', (text, expected) => {
    expect(problemsOf(text)).toEqual([expected]);
  });

  it('never says zod\'s bare "Invalid input", and every problem is one line', () => {
    const problems = problemsOf('smtp: { listen: 5, max_message_size: [1] }\nroutes: [{ transport: 7 }]\nverdict: [x]\ndns: { servers: 1 }\n');
    expect(problems.length).toBeGreaterThan(3);
    for (const p of problems) {
      expect(p).not.toMatch(/Invalid (input|option)|Too (small|big)/);
      expect(p).not.toMatch(/\n/);
    }
  });

  it('a long value is shown cut, on one line', () => {
    const [problem] = problemsOf(`domain: a.lan\nverdict: "${'x'.repeat(500)}\\nmore"\n`);
    expect(problem).toMatch(/got "x{57}\.\.\."$/);
  });

  it('a YAML syntax error is one line with its line number and a count of the others', () => {
    expect(yamlErrorOf('domain: a: b\nx: [1,\n')).toBe('c.yaml: not valid YAML: Nested mappings are not allowed in compact mappings at line 1 (and 1 more problem)');
  });
});

describe('YAML bounds (issue 12)', () => {
  it('counts flow brackets and compact block indicators, not brackets in quotes, comments or plain text', () => {
    expect(yamlDepth('a: [[1], {b: [2]}]\n')).toBe(4);
    expect(yamlDepth('a: b: c: d\n')).toBe(3);
    expect(yamlDepth('- - - x\n')).toBe(3);
    expect(yamlDepth('a: "[[[[[["\nb: \'{{{{\' # [[[[[[\nc: it\'s [x]\n')).toBe(1);
  });

  it('refuses nesting past the bound before the parser can exhaust the stack', () => {
    expect(yamlErrorOf(`domain: a.lan\nrecords: ${'['.repeat(MAX_YAML_DEPTH + 1)}${']'.repeat(MAX_YAML_DEPTH + 1)}\n`)).toBe(`c.yaml: not valid YAML: nested deeper than ${MAX_YAML_DEPTH} levels`);
    expect(yamlErrorOf(`domain: a.lan\nx: ${'- '.repeat(20_000)}y\n`)).toMatch(/nested deeper than/);
    expect(yamlErrorOf(`domain: ${'a: '.repeat(20_000)}y\n`)).toMatch(/nested deeper than/);
    expect(problemsOf(`domain: a.lan\nrecords: { a: ${'['.repeat(MAX_YAML_DEPTH - 2)}${']'.repeat(MAX_YAML_DEPTH - 2)} }\n`)[0]).toMatch(/records\.a: /);
  });

  it('refuses a billion-laughs document and takes a few honest aliases', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`)];
    expect(yamlErrorOf(`domain: a.lan\nrecords:\n${levels.map((l) => `  ${l}`).join('\n')}\n`)).toMatch(/^c\.yaml: not valid YAML: aliases expand to more than 100 copies/);
    const c = parseConfigText('domain: a.lan\nverdict: records\nrecords:\n  a.example: &spf "v=spf1 -all"\n  b.example: *spf\n', 'c.yaml');
    expect(c.records).toEqual({ 'a.example': 'v=spf1 -all', 'b.example': 'v=spf1 -all' });
  });
});
