/*
 * `mail2sms --version` (SPEC 12; issue 15 item 9): the package's version, exit 0.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/daemon.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('mail2sms --version', () => {
  it('prints "mail2sms <version>" from package.json and exits 0; -V alike', async () => {
    for (const flag of ['--version', '-V']) {
      const proc = runCli([flag]);
      expect(await proc.exited).toMatchObject({ code: 0 });
      expect(proc.stdout).toEqual([`mail2sms ${pkg.version}`]);
    }
  });
});
