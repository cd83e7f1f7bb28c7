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

  it('refuses a verdict mode this version does not enforce instead of ignoring it', () => {
    expect(problemsOf('domain: a.lan\nverdict: dns\n')[0]).toMatch(/verdict: "dns" is not available/);
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
});
