import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, parseConfigText, SMTP_LIMIT_DEFAULTS } from '../../../src/config/index.js';

function problemsOf(text: string): readonly string[] {
  try {
    parseConfigText(text, 'config.yaml');
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('smtp: limits against hostile clients (issue 12)', () => {
  it('has the Pi defaults when smtp: is absent and when it names none of them', () => {
    expect(parseConfigText('domain: a.lan\n', 'c.yaml').smtp).toMatchObject(SMTP_LIMIT_DEFAULTS);
    expect(parseConfigText('domain: a.lan\nsmtp: { listen: ":25" }\n', 'c.yaml').smtp).toMatchObject(SMTP_LIMIT_DEFAULTS);
    expect(SMTP_LIMIT_DEFAULTS).toMatchObject({ max_connections: 100, max_connections_per_client: 20, session_timeout: 600_000, data_timeout: 120_000, max_concurrent_data: 32 });
  });

  it('takes durations as 10m, 30s, 1500ms or a number of seconds', () => {
    const c = parseConfigText('domain: a.lan\nsmtp: { listen: ":25", session_timeout: 10m, data_timeout: 30, idle_timeout: 1500ms, auth_block_time: 1h }\n', 'c.yaml');
    expect([c.smtp.session_timeout, c.smtp.data_timeout, c.smtp.idle_timeout, c.smtp.auth_block_time]).toEqual([600_000, 30_000, 1500, 3_600_000]);
    expect(problemsOf('domain: a.lan\nsmtp: { listen: ":25", data_timeout: soon }\n')[0]).toMatch(/^config\.yaml:2: smtp\.data_timeout: "soon" is not a duration .*, or a number of seconds$/);
  });

  it('refuses a max_message_size over 64MB, naming the key and the bound', () => {
    expect(problemsOf('domain: a.lan\nsmtp:\n  listen: ":25"\n  max_message_size: 100GB\n')).toEqual([
      'config.yaml:4: smtp.max_message_size: is larger than 64MB, the most this gateway holds in memory for one message (a mail to SMS needs far less)',
    ]);
    expect(parseConfigText('domain: a.lan\nsmtp: { listen: ":25", max_message_size: 64MB, max_concurrent_data: 4 }\n', 'c.yaml').smtp.max_message_size).toBe(64 << 20);
  });

  it('refuses DATA limits that could hold more than 256MB of mail in memory, naming both keys', () => {
    expect(problemsOf('domain: a.lan\nsmtp: { listen: ":25", max_message_size: 64MB }\n')).toEqual([
      expect.stringMatching(/^config\.yaml:\d+: smtp\.max_concurrent_data: 32 DATA phases of up to max_message_size \(67108864 bytes\) may hold 2048MB in memory, more than the 256MB bound: lower max_concurrent_data or max_message_size$/),
    ]);
  });

  it('refuses a limit of 0 or a fraction', () => {
    expect(problemsOf('domain: a.lan\nsmtp: { listen: ":25", max_connections: 0, max_connections_per_client: 2.5 }\n').map((p) => p.split(': ')[1])).toEqual(['smtp.max_connections', 'smtp.max_connections_per_client']);
  });
});
