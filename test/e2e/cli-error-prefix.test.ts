/*
 * Issue 15 item 9: an error line names the command once: `mail2sms preview: …`, never
 * `mail2sms preview: preview: …`, for every command; a message that does not name its command
 * gets the prefix.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/daemon.js';

async function stderrOf(args: readonly string[]): Promise<string[]> {
  const p = runCli(args);
  await p.exited;
  return p.stderr;
}

describe('issue 15: CLI error prefixes', () => {
  it('names the command once, with its subcommand when the message gives one', async () => {
    const missing = join(tempDir(), 'missing.eml');
    const cases: Array<[readonly string[], string]> = [
      [['preview', missing], `mail2sms preview: cannot read ${missing}`],
      [['preview'], 'mail2sms preview: give exactly one FILE.eml'],
      [['modem', 'probe'], 'mail2sms modem probe: give exactly one serial port PATH'],
      [['sim', '--latency-ms', 'x'], 'mail2sms sim: '],
      [['queue', 'frobnicate'], 'mail2sms queue: '],
      [['send'], 'mail2sms send: '],
    ];
    for (const [args, start] of cases) {
      const lines = await stderrOf(args);
      expect(lines[0], args.join(' ')).toMatch(new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      for (const line of lines) expect(line, args.join(' ')).not.toMatch(/^mail2sms ([a-z]+)( [a-z]+)?: \1\b/);
    }
  });

  it('prefixes a message that does not name its command', async () => {
    const lines = await stderrOf(['queue', 'list', '--config', '/nonexistent/mail2sms.yaml']);
    expect(lines[0]).toMatch(/^mail2sms queue: .*\/nonexistent\/mail2sms\.yaml/);
  });
});
