/*
 * The `mail2sms` command as a user runs it: exit codes (SPEC 12: 0 ok, 1 runtime, 2 usage or
 * config), messages that name the bad value and its place, and `preview --json`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSubmitTpdu } from '../../src/encode/index.js';
import { runCli, tempDir, writeConfig } from '../helpers/daemon.js';

async function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const p = runCli(args, env);
  const { code } = await p.exited;
  return { code, out: p.stdout.join('\n'), err: p.stderr.join('\n') };
}

describe('mail2sms command line', () => {
  it('exits 2 and names key and line for an unknown config key', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, 'domain: sms.test\nsmtp:\n  listen: "127.0.0.1:2525"\n  listne: x\n');
    const r = await cli(['start', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${config}:4: smtp.listne: unknown key`);
  });

  it('reads the config named by MAIL2SMS_CONFIG', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, 'domain: sms.test\nrouts: []\n');
    const r = await cli(['queue', 'list'], { MAIL2SMS_CONFIG: config });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${config}:2: routs: unknown key`);
  });

  it('exits 2 naming a config file that does not exist', async () => {
    const r = await cli(['queue', 'list', '--config', '/nonexistent/mail2sms.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('/nonexistent/mail2sms.yaml');
  });

  it('exits 2 for an unknown command and an unknown flag', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    const r = await cli(['queue', 'list', '--colour']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--colour');
  });

  it('exits 1 when send cannot reach the gateway, saying where it tried', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nsmtp: { listen: "127.0.0.1:1" }\n`);
    const r = await cli(['send', '--to', '+447973100000', 'hello', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('127.0.0.1:1');
  });

  it('queue show of an unknown id exits 1 naming the id', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, `domain: sms.test\nstate_dir: ${join(dir, 'state')}\n`);
    const r = await cli(['queue', 'show', '01NOSUCHMESSAGE0', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('01NOSUCHMESSAGE0');
  });

  it('preview --json prints text, encoding, segments and the TPDUs of a mail', async () => {
    const dir = tempDir();
    const eml = join(dir, 'alert.eml');
    writeFileSync(eml, 'From: alerts@localhost\r\nTo: <+447973100000@sms.localhost>\r\nSubject: CPU\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nload 12.5 on web1 €\r\n');
    const r = await cli(['preview', eml, '--json']);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out) as { text: string; encoding: string; segments: number; pdus: string[] };
    expect(p).toMatchObject({ text: '(CPU) load 12.5 on web1 €', encoding: 'gsm7', segments: 1 });
    expect(p.pdus).toHaveLength(1);
    expect(decodeSubmitTpdu(p.pdus[0]!)).toMatchObject({ destination: '+447973100000', text: '(CPU) load 12.5 on web1 €' });
  });

  it('preview uses the account of the From user, or the one --account names, and refuses an unknown one', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, `domain: sms.localhost\nstate_dir: ${join(dir, 'state')}\n`);
    expect((await cli(['account', 'add', 'noc', '--compose', 'body', '--append', ' -NOC', '--config', config])).code).toBe(0);
    expect((await cli(['user', 'add', 'pager@noc.lan', '--account', 'noc', '--config', config])).code).toBe(0);
    const eml = join(dir, 'alert.eml');
    writeFileSync(eml, 'From: Pager <pager@noc.lan>\r\nTo: <+447973100000@sms.localhost>\r\nSubject: CPU\r\n\r\nload 12.5\r\n');
    const own = await cli(['preview', eml, '--json', '--config', config]);
    expect(JSON.parse(own.out)).toMatchObject({ text: 'load 12.5\n-NOC' });
    const named = await cli(['preview', eml, '--json', '--account', 'default', '--config', config]);
    expect(JSON.parse(named.out)).toMatchObject({ text: '(CPU) load 12.5' });
    const unknown = await cli(['preview', eml, '--account', 'nosuch', '--config', config]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--account "nosuch"');
  });

  it('preview says what the account\'s transliteration changed, and shows an x-smpp mail as its one SMS', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, `domain: sms.localhost\nstate_dir: ${join(dir, 'state')}\n`);
    expect((await cli(['account', 'set', 'default', '--transliterate', 'yes', '--config', config])).code).toBe(0);
    const eml = join(dir, 'quotes.eml');
    writeFileSync(eml, 'From: alerts@localhost\r\nSubject: Pump\r\n\r\n\u201cP3\u201d low\u2026\r\n');
    const text = await cli(['preview', eml, '--to', '+447973100000', '--config', config]);
    expect(text.out).toContain('encoding: gsm7');
    expect(text.out).toMatch(/transliterated: 3 character\(s\) \(.*\), 1 segment\(s\) instead of 1 in UCS-2/);
    const json = JSON.parse((await cli(['preview', eml, '--to', '+447973100000', '--json', '--config', config])).out);
    expect(json).toMatchObject({ text: '(Pump) "P3" low...', encoding: 'gsm7', transliterated: { count: 3 }, encapsulated: false });
    const logo = join(import.meta.dirname, '../fixtures/mail/encapsulation/operator-logo.eml');
    const smpp = JSON.parse((await cli(['preview', logo, '--to', '+447973100000', '--json', '--config', config])).out);
    expect(smpp).toMatchObject({ encoding: 'binary', segments: 1, encapsulated: true });
    expect(decodeSubmitTpdu(smpp.pdus[0])).toMatchObject({ dcs: 0xd7, udh: { hex: '050415821582' } });
  });

  it('preview shows what condensing left out and why, with the segments before and after; --json has condensed and truncated (issue 11 item 3)', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, `domain: sms.localhost\nstate_dir: ${join(dir, 'state')}\n`);
    const eml = join(import.meta.dirname, '../fixtures/mail/alerts/alertmanager-firing-html.eml');
    const json = JSON.parse((await cli(['preview', eml, '--to', '+447973100000', '--json', '--config', config])).out) as {
      segments: number;
      text: string;
      condensed: { recogniser: string | null; dropped: Array<{ rule: string; text: string }>; segments_before: number };
      truncated: unknown;
    };
    expect(json.condensed.segments_before).toBeGreaterThan(json.segments);
    expect(json.condensed.recogniser).not.toBeNull();
    expect(json.condensed.dropped.some((d) => /^https?:\/\//.test(d.text) || /https?:\/\//.test(d.text))).toBe(true);
    expect(json.text).not.toMatch(/https?:\/\//);
    expect(json.truncated).toBeNull();
    const text = (await cli(['preview', eml, '--to', '+447973100000', '--config', config])).out;
    expect(text).toMatch(new RegExp(`condensed: recognised as ${json.condensed.recogniser}, ${json.condensed.dropped.length} piece\\(s\\) left out; ${json.condensed.segments_before} segment\\(s\\) before, ${json.segments} after`));
    expect(text).toMatch(/\n  - [a-z:-]+: /);

    expect((await cli(['account', 'set', 'default', '--condense', 'off', '--max-segments', '2', '--config', config])).code).toBe(0);
    const off = JSON.parse((await cli(['preview', eml, '--to', '+447973100000', '--json', '--config', config])).out);
    expect(off).toMatchObject({ condensed: null, segments: 2, truncated: { segments_needed: json.condensed.segments_before, max_segments: 2 } });
    expect(off.text.endsWith('...')).toBe(true);
    expect((await cli(['preview', eml, '--to', '+447973100000', '--config', config])).out).toMatch(
      new RegExp(`truncated: the text needed ${json.condensed.segments_before} segment\\(s\\), the account allows 2: ${off.truncated.dropped} character\\(s\\) cut`),
    );
  });

  it('preview refuses a mail the gateway would refuse, with its SMTP reply', async () => {
    const dir = tempDir();
    const eml = join(dir, 'empty.eml');
    writeFileSync(eml, 'From: a@b\r\nTo: <+447973100000@sms.localhost>\r\nSubject: \r\n\r\n\r\n');
    const r = await cli(['preview', eml]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('554 5.6.0');
  });
});
