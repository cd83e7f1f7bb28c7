/*
 * The man page mail2sms(8) (issue 15): scripts/build-man.mjs makes it from the same usage lines
 * as `mail2sms --help` and each command's own --help; every command's usage and summary are in
 * the rendered page, and groff renders it without a warning.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, HELP, USAGES } from '../../src/cli/commands/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'm2s-man-'));
const page = join(dir, 'mail2sms.8');
const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-man.mjs'), page], { encoding: 'utf8' });
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const flat = (text: string) => text.replace(/\s+/g, ' ');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mail2sms(8), from the usage lines of --help (issue 15)', () => {
  it('is written by scripts/build-man.mjs', () => {
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(readFileSync(page, 'utf8')).toMatch(/^\.TH MAIL2SMS 8 "\d{4}-\d{2}-\d{2}" "mail2sms \d+\.\d+\.\d+"/);
  });

  it('each command prints, with --help, the usage line that --help and the man page list', async () => {
    for (const { name, usage } of USAGES.filter((u) => !u.name.startsWith('-'))) {
      let out = '';
      const status = await COMMANDS[name]!(['--help'], new Writable({ write: (chunk: Buffer, _e, done) => ((out += chunk.toString()), done()) }));
      expect({ name, out, status }).toEqual({ name, out: `usage: ${usage}\n`, status: 0 });
      expect(flat(HELP)).toContain(flat(usage.replace(/^mail2sms /, '')));
    }
  });

  it.skipIf(!has('man'))('has every command\'s usage and summary when rendered by man', () => {
    const r = spawnSync('man', ['-l', page], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '120', MAN_KEEP_FORMATTING: '', LANG: 'C.UTF-8' } });
    expect(r.status).toBe(0);
    const text = flat(r.stdout.replace(/\u2010|\u2212/g, '-'));
    const absent = USAGES.flatMap((u) => [u.usage, u.summary]).filter((t) => !text.includes(flat(t)));
    expect(absent).toEqual([]);
    expect(text).toContain('/etc/mail2sms/config.yaml');
  });

  it.skipIf(!has('groff'))('renders with groff without a warning', () => {
    const r = spawnSync('groff', ['-k', '-man', '-ww', '-z', '-Tutf8', page], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
