/*
 * `mail2sms account|user|import|export` as an operator runs them (SPEC 2, 12), against the built
 * CLI (`npm run build` first) and a temp config: add, list --json, set, remove, the export/import
 * round trip, exit codes (0 ok, 1 runtime, 2 bad value) and messages that name the bad value.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir, writeConfig } from '../helpers/daemon.js';

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

async function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const p = runCli(args, env);
  const { code } = await p.exited;
  return { code, out: p.stdout.join('\n'), err: p.stderr.join('\n') };
}

/** The CLI with `input` on stdin (runCli gives the child no stdin). */
function cliWithStdin(args: readonly string[], input: string): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

let dir: string;
let config: string;
let c: (...args: string[]) => Promise<Run>;
beforeEach(() => {
  dir = tempDir('mail2sms-accounts-');
  config = writeConfig(dir, `domain: sms.test\nstate_dir: ${join(dir, 'state')}\n`);
  c = (...args) => cli([...args, '--config', config]);
});

/** Each `account set NAME FLAG VALUE` exits 2 with a message that contains the text given. */
async function refusesSet(account: string, cases: ReadonlyArray<readonly [string, string, string]>): Promise<void> {
  for (const [name, value, says] of cases) {
    const bad = await c('account', 'set', account, name, value);
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining(says)]);
  }
}

describe('mail2sms account and user', { timeout: 60_000 }, () => {
  it('lists the seeded default account on a new box without creating the state file', async () => {
    const r = await c('account', 'list', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ name: 'default', allowIps: ['127.0.0.1/32', '::1/128'], quota: null, maxSegments: 10 })]);
    expect(existsSync(join(dir, 'state', 'mail2sms.db'))).toBe(false);
  });

  it('adds, lists, changes and removes an account and a user', async () => {
    expect((await c('account', 'add', 'acme', '--quota', '100', '--cug', '447973100000,+818012345678', '--append', ' -- ACME', '--allow-ip', '10.0.0.0/8', '--tps', '0.5', '--burst', '5')).code).toBe(0);
    expect((await c('user', 'add', 'Ops@Acme.Example', '--account', 'acme', '--sender-id', 'ACME', '--dkim', 'p', '--spf', 'Gray', '--dmarc', 'F')).code).toBe(0);
    const accounts = JSON.parse((await c('account', 'list', '--json')).out) as Array<Record<string, unknown>>;
    expect(accounts.find((a) => a['name'] === 'acme')).toEqual({
      name: 'acme', quota: 100, cug: ['+447973100000', '+818012345678'], append: ' -- ACME', compose: 'subject+body', long: 'concatenate',
      allowIps: ['10.0.0.0/8'], plan: 'e164', maxSegments: 10, validityMs: 86_400_000, resendUnknown: true, tps: 0.5, burst: 5, transliterate: false,
      condense: 'auto', overflow: 'truncate', coalesceMs: 60_000, maxPerHour: null, maxAgeMs: null,
      inbound: null, replyToAlertSender: true, replyWindowMs: 86_400_000,
    });
    const users = JSON.parse((await c('user', 'list', '--account', 'acme', '--json')).out);
    expect(users).toEqual([{ email: 'ops@acme.example', account: 'acme', senderId: 'ACME', dkim: 'PASS', spf: 'GRAY', dmarc: 'FAIL', password: false }]);

    expect((await c('account', 'set', 'acme', '--quota', 'none', '--compose', 'body')).code).toBe(0);
    expect((await c('user', 'set', 'ops@acme.example', '--sender-id', 'none', '--quota', '3')).code).toBe(0);
    const text = (await c('user', 'list')).out.split('\n');
    expect(text[0]).toMatch(/^EMAIL\s+ACCOUNT\s+SENDER-ID\s+DKIM\s+SPF\s+DMARC\s+QUOTA\s+TPS\s+PASSWORD$/);
    expect(text.find((l) => l.startsWith('ops@acme.example'))).toMatch(/^ops@acme\.example\s+acme\s+-\s+PASS\s+GRAY\s+FAIL\s+3\s+-\s+no$/);
    // aligned: every row's account starts under the ACCOUNT header
    const column = text[0]!.indexOf('ACCOUNT');
    expect(text.slice(1).filter((l) => l !== '').map((l) => l.slice(column).split(' ')[0])).toEqual(['acme', 'default']);
    const acme = (JSON.parse((await c('account', 'list', '--json')).out) as Array<Record<string, unknown>>).find((a) => a['name'] === 'acme');
    expect(acme).toMatchObject({ quota: null, compose: 'body' });

    const refused = await c('account', 'remove', 'acme');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('ops@acme.example');
    expect((await c('user', 'remove', 'ops@acme.example')).code).toBe(0);
    expect((await c('account', 'remove', 'acme')).code).toBe(0);
    expect(JSON.parse((await c('account', 'list', '--json')).out).map((a: { name: string }) => a.name)).toEqual(['default']);
  });

  it('turns an account\'s transliteration on and off with --transliterate yes|no, shown in list and export', async () => {
    expect((await c('account', 'add', 'shop', '--transliterate', 'yes')).code).toBe(0);
    const shop = (): Promise<Record<string, unknown> | undefined> =>
      c('account', 'list', '--json').then((r) => (JSON.parse(r.out) as Array<Record<string, unknown>>).find((a) => a['name'] === 'shop'));
    expect(await shop()).toMatchObject({ name: 'shop', transliterate: true });
    const table = (await c('account', 'list')).out.split('\n');
    const column = table[0]!.indexOf('TRANSLIT');
    expect(column).toBeGreaterThan(0);
    expect(Object.fromEntries(table.slice(1).filter((l) => l !== '').map((l) => [l.split(' ')[0], l.slice(column).split(' ')[0]]))).toEqual({ default: 'no', shop: 'yes' });
    expect((await c('export')).out).toMatch(/- name: shop\n(?:\s+\S.*\n)*?\s+transliterate: true\n/);

    expect((await c('account', 'set', 'shop', '--transliterate', 'NO')).code).toBe(0);
    expect(await shop()).toMatchObject({ transliterate: false });
    const bad = await c('account', 'set', 'shop', '--transliterate', 'maybe');
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--transliterate "maybe" is not yes or no')]);
    expect(await shop()).toMatchObject({ transliterate: false });
  });

  it('sets condensing, overflow and the alert-storm rules with --condense, --overflow, --coalesce, --max-per-hour, --max-age; shown in list and export, read back by import (SPEC 12)', async () => {
    const flags = ['--condense', 'off', '--overflow', 'refuse', '--coalesce', '5m', '--max-per-hour', '20', '--max-age', '2h'];
    expect((await c('account', 'add', 'ops', ...flags)).code).toBe(0);
    const ops = (): Promise<Record<string, unknown> | undefined> =>
      c('account', 'list', '--json').then((r) => (JSON.parse(r.out) as Array<Record<string, unknown>>).find((a) => a['name'] === 'ops'));
    expect(await ops()).toMatchObject({ condense: 'off', overflow: 'refuse', coalesceMs: 300_000, maxPerHour: 20, maxAgeMs: 7_200_000 });
    const table = (await c('account', 'list')).out.split('\n');
    const cell = (header: string, name: string): string | undefined => table.find((l) => l.startsWith(`${name} `))?.slice(table[0]!.indexOf(header)).split(' ')[0];
    expect(['CONDENSE', 'OVERFLOW', 'COALESCE', 'PER-HOUR', 'MAX-AGE'].map((h) => cell(h, 'ops'))).toEqual(['off', 'refuse', '5m', '20', '2h']);
    expect(['CONDENSE', 'OVERFLOW', 'COALESCE', 'PER-HOUR', 'MAX-AGE'].map((h) => cell(h, 'default'))).toEqual(['auto', 'truncate', '1m', '-', '-']);
    const exported = (await c('export')).out;
    expect(exported).toMatch(/- name: ops\n(?:\s+\S.*\n)*?\s+condense: off\n\s+overflow: refuse\n\s+coalesce: 5m\n\s+max_per_hour: 20\n\s+max_age: 2h\n/);

    expect((await c('account', 'set', 'ops', '--coalesce', 'off', '--max-per-hour', 'none', '--max-age', 'none')).code).toBe(0);
    expect(await ops()).toMatchObject({ coalesceMs: null, maxPerHour: null, maxAgeMs: null });
    const file = join(dir, 'accounts.yaml');
    writeFileSync(file, exported);
    expect((await c('import', file)).code).toBe(0);
    expect(await ops()).toMatchObject({ coalesceMs: 300_000, maxPerHour: 20, maxAgeMs: 7_200_000 });

    await refusesSet('ops', [
      ['--coalesce', '60', '--coalesce "60" is not a duration'],
      ['--max-per-hour', '0', '--max-per-hour "0" is not a whole number of at least 1'],
      ['--max-age', '1y', '--max-age "1y" is not a duration'],
      ['--condense', 'on', '--condense "on" is not one of auto, off'],
      ['--overflow', 'cut', '--overflow "cut" is not one of truncate, refuse'],
    ]);
  }, 60_000);

  it('sets where inbound SMS go with --inbound, --reply-to-alert-sender, --reply-window; shown in list and export, read back by import (SPEC 10, 12)', async () => {
    expect((await c('account', 'add', 'noc', '--inbound', 'NOC-SMS@Example.com', '--reply-to-alert-sender', 'no', '--reply-window', '2h')).code).toBe(0);
    const noc = (): Promise<Record<string, unknown> | undefined> =>
      c('account', 'list', '--json').then((r) => (JSON.parse(r.out) as Array<Record<string, unknown>>).find((a) => a['name'] === 'noc'));
    expect(await noc()).toMatchObject({ inbound: 'noc-sms@example.com', replyToAlertSender: false, replyWindowMs: 7_200_000 });
    const table = (await c('account', 'list')).out.split('\n');
    const cell = (header: string, name: string): string | undefined => table.find((l) => l.startsWith(`${name} `))?.slice(table[0]!.indexOf(header)).split(' ')[0];
    expect(['INBOUND', 'REPLY-TO-SENDER', 'REPLY-WINDOW'].map((h) => cell(h, 'noc'))).toEqual(['noc-sms@example.com', 'no', '2h']);
    expect(['INBOUND', 'REPLY-TO-SENDER', 'REPLY-WINDOW'].map((h) => cell(h, 'default'))).toEqual(['-', 'yes', '1d']);
    const exported = (await c('export')).out;
    expect(exported).toMatch(/- name: noc\n(?:\s+\S.*\n)*?\s+inbound: noc-sms@example\.com\n\s+reply_to_alert_sender: false\n\s+reply_window: 2h\n/);

    expect((await c('account', 'set', 'noc', '--inbound', 'none', '--reply-to-alert-sender', 'yes', '--reply-window', '30m')).code).toBe(0);
    expect(await noc()).toMatchObject({ inbound: null, replyToAlertSender: true, replyWindowMs: 1_800_000 });
    const file = join(dir, 'accounts.yaml');
    writeFileSync(file, exported);
    expect((await c('import', file)).code).toBe(0);
    expect(await noc()).toMatchObject({ inbound: 'noc-sms@example.com', replyToAlertSender: false, replyWindowMs: 7_200_000 });

    await refusesSet('noc', [
      ['--inbound', 'noc', '--inbound "noc" is not an email address (user@domain)'],
      ['--reply-to-alert-sender', 'maybe', '--reply-to-alert-sender "maybe" is not yes or no'],
      ['--reply-window', '24', '--reply-window "24" is not a duration'],
      ['--reply-window', 'none', '--reply-window "none" is not a duration'],
    ]);
    expect(await noc()).toMatchObject({ inbound: 'noc-sms@example.com', replyToAlertSender: false, replyWindowMs: 7_200_000 });
  }, 60_000);

  it('exits 2 naming the flag and the bad value', async () => {
    const cases: Array<[string[], string]> = [
      [['user', 'add', 'x@y.z', '--account', 'default', '--dkim', 'MAYBE'], '--dkim "MAYBE" is not PASS, GRAY or FAIL (or P, G, F)'],
      [['user', 'add', 'x@y.z', '--account', 'default', '--sender-id', 'TOOLONGSENDER'], '--sender-id "TOOLONGSENDER"'],
      [['user', 'add', 'not-an-address', '--account', 'default'], '"not-an-address" is not an email address'],
      [['account', 'add', 'acme', '--cug', '+447973100000,0123'], '--cug "0123"'],
      [['account', 'add', 'acme', '--allow-ip', '10.0.0.0/99'], '--allow-ip "10.0.0.0/99"'],
      [['account', 'add', 'acme', '--compose', 'poem'], '--compose "poem" is not one of subject+body, body, subject'],
      [['account', 'add', 'acme', '--quota', 'lots'], '--quota "lots"'],
      [['account', 'add', 'acme', '--colour', 'red'], '--colour'],
      [['user', 'add', 'x@y.z'], 'needs --account NAME'],
    ];
    for (const [args, message] of cases) {
      const r = await c(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain(message);
    }
    expect(JSON.parse((await c('account', 'list', '--json')).out)).toHaveLength(1);
  });

  it('exits 1 naming what does not exist', async () => {
    const a = await c('account', 'set', 'nosuch', '--quota', '1');
    expect([a.code, a.err]).toEqual([1, expect.stringContaining('"nosuch"')]);
    const u = await c('user', 'add', 'x@y.z', '--account', 'nosuch');
    expect([u.code, u.err]).toEqual([1, expect.stringContaining('"nosuch"')]);
    const e = await c('account', 'add', 'default');
    expect([e.code, e.err]).toEqual([1, expect.stringContaining('already exists')]);
  });

  it('reads --password from stdin, never shows the hash, and --no-password removes it', async () => {
    const r = await cliWithStdin(['user', 'add', 'o@a.b', '--account', 'default', '--password', '--config', config], 'hunter2\nignored\n');
    expect(r.code).toBe(0);
    const list = await c('user', 'list', '--json');
    expect(list.out).not.toContain('scrypt');
    expect(JSON.parse(list.out).find((u: { email: string }) => u.email === 'o@a.b').password).toBe(true);
    expect((await c('user', 'set', 'o@a.b', '--no-password')).code).toBe(0);
    expect(JSON.parse((await c('user', 'list', '--json')).out).find((u: { email: string }) => u.email === 'o@a.b').password).toBe(false);
    const empty = await cliWithStdin(['user', 'set', 'o@a.b', '--password', '--config', config], '\n');
    expect([empty.code, empty.err]).toEqual([2, expect.stringContaining('empty password')]);
  });
});

describe('mail2sms export and import', { timeout: 60_000 }, () => {
  it('carries accounts, users and password hashes to another box, and a second import changes nothing', async () => {
    await c('account', 'add', 'acme', '--cug', '+447973100000', '--plan', 'jp-mobile');
    await cliWithStdin(['user', 'add', 'o@acme.example', '--account', 'acme', '--password', '--config', config], 'pw\n');
    const exported = await c('export');
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/password_hash: scrypt\$16384\$8\$1\$/);
    const file = join(dir, 'boxes.yaml');
    writeFileSync(file, exported.out);

    const other = writeConfig(tempDir('mail2sms-box2-'), `domain: sms.test\nstate_dir: ${join(dir, 'box2')}\n`);
    const first = await cli(['import', file, '--config', other]);
    expect([first.code, first.out]).toEqual([0, '2 added, 0 updated, 2 unchanged (accounts and users; others left alone)']);
    const again = await cli(['import', file, '--config', other]);
    expect(again.out).toBe('0 added, 0 updated, 4 unchanged (accounts and users; others left alone)');
    expect((await cli(['export', '--config', other])).out).toBe(exported.out);
  });

  it('imports nothing from a file with one bad line and exits 2 naming its line and key', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'accounts:\n  - name: acme\n    users:\n      - email: a@acme.example\n      - email: b@acme.example\n        dkim: MAYBE\n');
    const r = await c('import', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:6: accounts[0].users[1].dkim: "MAYBE" is not PASS, GRAY or FAIL (or P, G, F)`);
    expect(JSON.parse((await c('account', 'list', '--json')).out).map((a: { name: string }) => a.name)).toEqual(['default']);
  });

  it('exits 2 naming a file that cannot be read', async () => {
    const r = await c('import', join(dir, 'missing.yaml'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('missing.yaml');
  });
});
