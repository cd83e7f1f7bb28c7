/*
 * The accounts store on a real SQLite file in a temp dir (SPEC 2, 12): the seed of a new file,
 * records written and read back, the refusals across the seam (with their codes), passwords,
 * an import that is idempotent and all-or-nothing, and the queue sharing the same file.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT, DEFAULT_USER, hashPassword, openAccountStore, type AccountStore, type ProvisionDoc } from '../../../src/accounts/index.js';
import { parseProvisionText } from '../../../src/config/index.js';
import { GatewayError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log/index.js';
import { openQueue } from '../../../src/queue/index.js';
import { MIGRATIONS } from '../../../src/accounts/migrations.js';

let dir: string;
let path: string;
let store: AccountStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mail2sms-accounts-'));
  path = join(dir, 'mail2sms.db');
  store = openAccountStore({ path });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (err) {
    if (err instanceof GatewayError) return err.code;
    throw err;
  }
  return undefined;
}

function errorOf(work: () => unknown): GatewayError {
  try {
    work();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

describe('a new state file', () => {
  it('is seeded with the account default and the user alerts@localhost exactly as embedded (SPEC 12)', () => {
    expect(store.listAccounts()).toEqual([DEFAULT_ACCOUNT]);
    expect(store.listUsers()).toEqual([DEFAULT_USER]);
    expect(store.findSender('Alerts@Localhost')).toEqual({ user: DEFAULT_USER, account: DEFAULT_ACCOUNT });
  });

  it('is seeded once: a removed default account stays removed when the file is opened again', () => {
    store.removeUser(DEFAULT_USER.email);
    store.removeAccount(DEFAULT_ACCOUNT.name);
    store.close();
    store = openAccountStore({ path });
    expect(store.listAccounts()).toEqual([]);
  });

  it('versions its tables in schema_versions and leaves PRAGMA user_version to the queue', async () => {
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT version FROM schema_versions WHERE component = 'accounts'").get()).toEqual({ version: MIGRATIONS.length });
    expect(MIGRATIONS.length).toBe(4);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    db.close();
    const queue = openQueue({ path, logger: silentLogger() });
    expect(queue.list({ limit: 10 })).toEqual([]);
    await queue.close();
    const again = new Database(path, { readonly: true });
    expect(again.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    again.close();
    store.close();
    store = openAccountStore({ path });
    expect(store.getAccount('default')).toEqual(DEFAULT_ACCOUNT);
  });
});

describe('upgrading a state file of schema version 1', () => {
  /** A file as the release before transliteration left it: version 1 tables and one account. */
  function writeVersion1File(file: string): void {
    const db = new Database(file);
    db.exec('CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT');
    db.exec(MIGRATIONS[0]!);
    db.prepare("INSERT INTO schema_versions VALUES ('accounts', 1)").run();
    db.prepare(
      "INSERT INTO accounts (name, quota, cug, append_text, compose, long_mode, allow_ips, plan, max_segments, validity_ms, resend_unknown, tps, burst, created_at, updated_at) VALUES ('old', 50, '[]', ' -- old', 'body', 'split', '[\"10.0.0.0/8\"]', 'e164', 4, 3600000, 0, 2, 5, 1, 1)",
    ).run();
    db.close();
  }

  it('adds the transliterate column (off), the condense, overflow and storm columns and the inbound columns (defaults) for existing accounts, and keeps every other value', () => {
    const old = join(dir, 'v1.db');
    writeVersion1File(old);
    const upgraded = openAccountStore({ path: old });
    try {
      expect(upgraded.getAccount('old')).toEqual({
        name: 'old', quota: 50, cug: [], append: ' -- old', compose: 'body', long: 'split', allowIps: ['10.0.0.0/8'], plan: 'e164',
        maxSegments: 4, validityMs: 3_600_000, resendUnknown: false, tps: 2, burst: 5, transliterate: false,
        condense: 'auto', overflow: 'truncate', coalesceMs: 60_000, maxPerHour: null, maxAgeMs: null,
        inbound: null, replyToAlertSender: true, replyWindowMs: 86_400_000,
      });
      // Not a new file: nothing is seeded.
      expect(upgraded.getAccount('default')).toBeUndefined();
      expect(upgraded.setAccount('old', { transliterate: true }).transliterate).toBe(true);
    } finally {
      upgraded.close();
    }
    const db = new Database(old, { readonly: true });
    expect(db.prepare("SELECT version FROM schema_versions WHERE component = 'accounts'").get()).toEqual({ version: 4 });
    expect(db.prepare("SELECT transliterate FROM accounts WHERE name = 'old'").get()).toEqual({ transliterate: 1 });
    db.close();
  });

  it('refuses a transliterate column value other than 0 or 1 (the table CHECK)', () => {
    const db = new Database(path);
    expect(() => db.prepare("UPDATE accounts SET transliterate = 2 WHERE name = 'default'").run()).toThrow(/CHECK constraint failed/);
    db.close();
  });

  it('refuses, by the table CHECKs of version 4, an inbound that is no address, a reply flag other than 0 or 1 and a reply window of 0', () => {
    const db = new Database(path);
    try {
      for (const set of ["inbound = 'nobody'", 'reply_to_alert_sender = 2', 'reply_window_ms = 0']) {
        expect(() => db.prepare(`UPDATE accounts SET ${set} WHERE name = 'default'`).run(), set).toThrow(/CHECK constraint failed/);
      }
      db.prepare("UPDATE accounts SET inbound = 'ops@example.com', reply_to_alert_sender = 0, reply_window_ms = 60000 WHERE name = 'default'").run();
    } finally {
      db.close();
    }
    expect(store.getAccount('default')).toMatchObject({ inbound: 'ops@example.com', replyToAlertSender: false, replyWindowMs: 60_000 });
  });
});

describe('accounts', () => {
  it('keeps condense, overflow, coalesce, max per hour and max age across a reopen, and null turns a storm setting off (SPEC 5, 6, 7)', () => {
    const set = { condense: 'off', overflow: 'refuse', coalesceMs: 5 * 60_000, maxPerHour: 20, maxAgeMs: 3_600_000 } as const;
    expect(store.addAccount({ name: 'storm', ...set })).toEqual({ ...DEFAULT_ACCOUNT, name: 'storm', ...set });
    store.close();
    store = openAccountStore({ path });
    expect(store.getAccount('storm')).toEqual({ ...DEFAULT_ACCOUNT, name: 'storm', ...set });
    const off = store.setAccount('storm', { coalesceMs: null, maxPerHour: null, maxAgeMs: null });
    expect([off.coalesceMs, off.maxPerHour, off.maxAgeMs]).toEqual([null, null, null]);
  });

  it('keeps inbound, reply to alert sender and the reply window across a reopen, and null clears the inbound address (SPEC 10)', () => {
    const added = store.addAccount({ name: 'noc', inbound: 'noc-sms@example.com', replyToAlertSender: false, replyWindowMs: 2 * 3_600_000 });
    expect(added).toMatchObject({ inbound: 'noc-sms@example.com', replyToAlertSender: false, replyWindowMs: 7_200_000 });
    store.close();
    store = openAccountStore({ path });
    expect(store.getAccount('noc')).toEqual(added);
    expect(store.setAccount('noc', { inbound: null })).toMatchObject({ inbound: null, replyToAlertSender: false, replyWindowMs: 7_200_000 });
    expect(store.addAccount({ name: 'plain' })).toMatchObject({ inbound: null, replyToAlertSender: true, replyWindowMs: 86_400_000 });
  });

  it('refuses an inbound address that is not one or not lower-case, and a reply window of 0 ms, naming the field', () => {
    expect(errorOf(() => store.addAccount({ name: 'x', inbound: 'nobody' })).message).toContain('inbound: "nobody" is not an email address');
    expect(errorOf(() => store.addAccount({ name: 'x', inbound: 'Ops@Example.com' })).message).toContain('inbound: "Ops@Example.com" must be written "ops@example.com"');
    expect(errorOf(() => store.addAccount({ name: 'x', replyWindowMs: 0 })).message).toContain('replyWindowMs: 0 is not a whole number of at least 1');
    expect(store.getAccount('x')).toBeUndefined();
  });

  it('refuses a max per hour of 0 and a coalesce window of 0 ms, naming the field', () => {
    expect(() => store.addAccount({ name: 'bad', maxPerHour: 0 })).toThrow(/maxPerHour: 0 is not a whole number of at least 1/);
    expect(() => store.addAccount({ name: 'bad', coalesceMs: 0 })).toThrow(/coalesceMs: 0 is not a whole number of at least 1/);
  });

  it('turns transliteration on and off, and keeps the choice across a reopen (SPEC 6)', () => {
    expect(store.addAccount({ name: 'acme', transliterate: true }).transliterate).toBe(true);
    store.close();
    store = openAccountStore({ path });
    expect(store.getAccount('acme')).toEqual({ ...DEFAULT_ACCOUNT, name: 'acme', transliterate: true });
    expect(store.setAccount('acme', { transliterate: false }).transliterate).toBe(false);
    expect(store.getAccount('acme')?.transliterate).toBe(false);
  });

  it('adds an account with defaults for what is left out, and changes only what a patch sets', () => {
    const added = store.addAccount({ name: 'acme', quota: 500, cug: ['+447973100000'], tps: 0.5 });
    expect(added).toEqual({ ...DEFAULT_ACCOUNT, name: 'acme', quota: 500, cug: ['+447973100000'], tps: 0.5 });
    store.setAccount('acme', { quota: null, append: ' -- ACME', compose: 'body' });
    expect(store.getAccount('acme')).toEqual({ ...added, quota: null, append: ' -- ACME', compose: 'body' });
  });

  it('survives a reopen with every field as written', () => {
    const added = store.addAccount({ name: 'jp', plan: 'jp-mobile', long: 'split', maxSegments: 3, allowIps: ['192.0.2.0/24', '2001:db8::/32'], resendUnknown: false, validityMs: 3_600_000, burst: 5 });
    store.close();
    store = openAccountStore({ path });
    expect(store.getAccount('jp')).toEqual(added);
  });

  it('refuses a second account of the same name, an unknown name, and a bad value, each with its code', () => {
    store.addAccount({ name: 'acme' });
    expect(codeOf(() => store.addAccount({ name: 'acme' }))).toBe('M2S_ACCOUNT_EXISTS');
    expect(codeOf(() => store.setAccount('nosuch', { quota: 1 }))).toBe('M2S_ACCOUNT_NOT_FOUND');
    expect(codeOf(() => store.removeAccount('nosuch'))).toBe('M2S_ACCOUNT_NOT_FOUND');
    const bad = errorOf(() => store.setAccount('acme', { allowIps: ['10.0.0.0/40'] }));
    expect(bad.code).toBe('M2S_ACCOUNT_INVALID');
    expect(bad.message).toContain('"10.0.0.0/40"');
    expect(store.getAccount('acme')?.allowIps).toEqual(DEFAULT_ACCOUNT.allowIps);
  });

  it('refuses to remove an account that has users, naming them', () => {
    store.addAccount({ name: 'acme' });
    store.addUser({ email: 'a@acme.example', account: 'acme' });
    store.addUser({ email: 'b@acme.example', account: 'acme' });
    const err = errorOf(() => store.removeAccount('acme'));
    expect(err.code).toBe('M2S_ACCOUNT_IN_USE');
    expect(err.message).toContain('a@acme.example, b@acme.example');
    store.removeUser('a@acme.example');
    store.setUser('b@acme.example', { account: 'default' });
    store.removeAccount('acme');
    expect(store.getAccount('acme')).toBeUndefined();
  });

  it('lists every account\'s allowed networks once, and sees at once what another connection (the CLI) changed', () => {
    expect(store.allowedNetworks()).toEqual(['127.0.0.1/32', '::1/128']);
    store.addAccount({ name: 'acme', allowIps: ['192.0.2.0/24', '127.0.0.1/32'] });
    expect(store.allowedNetworks()).toEqual(['192.0.2.0/24', '127.0.0.1/32', '::1/128']);
    const cli = openAccountStore({ path });
    try {
      cli.setAccount('acme', { allowIps: ['198.51.100.7/32'] });
      cli.setAccount('default', { allowIps: [] });
    } finally {
      cli.close();
    }
    expect(store.allowedNetworks()).toEqual(['198.51.100.7/32']);
  });
});

describe('users', () => {
  it('stores the address lower-case and finds it in any case', () => {
    const user = store.addUser({ email: 'Ops@Acme.Example', account: 'default', senderId: 'ACME', dkim: 'PASS' });
    expect(user).toEqual({ email: 'ops@acme.example', account: 'default', senderId: 'ACME', dkim: 'PASS', spf: 'GRAY', dmarc: 'GRAY' });
    expect(store.getUser('OPS@acme.example')).toEqual(user);
  });

  it('clears an optional field set to null and keeps the others', () => {
    store.addUser({ email: 'o@a.b', account: 'default', senderId: 'ACME', quota: 10, tps: 1 });
    expect(store.setUser('o@a.b', { senderId: null, quota: null, spf: 'FAIL' })).toEqual({ email: 'o@a.b', account: 'default', dkim: 'GRAY', spf: 'FAIL', dmarc: 'GRAY', tps: 1 });
  });

  it('refuses a user of an unknown account, a second user of one address, and an unknown user', () => {
    expect(codeOf(() => store.addUser({ email: 'x@y.z', account: 'nosuch' }))).toBe('M2S_ACCOUNT_NOT_FOUND');
    expect(codeOf(() => store.addUser({ email: 'ALERTS@localhost', account: 'default' }))).toBe('M2S_USER_EXISTS');
    expect(codeOf(() => store.setUser('x@y.z', { dkim: 'PASS' }))).toBe('M2S_USER_NOT_FOUND');
    expect(codeOf(() => store.removeUser('x@y.z'))).toBe('M2S_USER_NOT_FOUND');
    expect(codeOf(() => store.setUser('alerts@localhost', { account: 'nosuch' }))).toBe('M2S_ACCOUNT_NOT_FOUND');
    expect(codeOf(() => store.listUsers({ account: 'nosuch' }))).toBe('M2S_ACCOUNT_NOT_FOUND');
  });

  it('refuses a bad sender ID naming it', () => {
    const err = errorOf(() => store.addUser({ email: 'x@y.z', account: 'default', senderId: 'TWELVE-CHARS' }));
    expect(err.code).toBe('M2S_USER_INVALID');
    expect(err.message).toContain('"TWELVE-CHARS"');
  });

  it('verifies a password, and answers false for a wrong one, an unknown user and a user without one', async () => {
    store.addUser({ email: 'o@a.b', account: 'default', passwordHash: await hashPassword('hunter2') });
    expect(await store.verifyPassword('O@A.B', 'hunter2')).toBe(true);
    expect(await store.verifyPassword('o@a.b', 'hunter3')).toBe(false);
    expect(await store.verifyPassword('nobody@a.b', 'hunter2')).toBe(false);
    expect(await store.verifyPassword('alerts@localhost', '')).toBe(false);
    store.setUser('o@a.b', { passwordHash: null });
    expect(await store.verifyPassword('o@a.b', 'hunter2')).toBe(false);
  });
});

describe('import and export', () => {
  const FILE = `accounts:
  - name: acme
    quota: 100
    users:
      - { email: a@acme.example, dkim: P }
      - { email: b@acme.example, quota: 5 }
  - name: default
    allow_ips: [127.0.0.1/32, "::1/128"]
    users: [{ email: alerts@localhost }]
`;

  it('adds what is new, leaves what is equal, and the same file again changes nothing', () => {
    const doc = parseProvisionText(FILE, 'f.yaml');
    expect(store.importAll(doc)).toEqual({ added: 3, updated: 0, unchanged: 2 });
    expect(store.importAll(doc)).toEqual({ added: 0, updated: 0, unchanged: 5 });
    expect(store.getUser('b@acme.example')?.quota).toBe(5);
  });

  it('updates what differs and leaves accounts and users that are not in the file alone', () => {
    store.addAccount({ name: 'other' });
    store.addUser({ email: 'z@other.example', account: 'other' });
    store.importAll(parseProvisionText(FILE, 'f.yaml'));
    const changed = parseProvisionText(FILE.replace('quota: 100', 'quota: 200'), 'f.yaml');
    expect(store.importAll(changed)).toEqual({ added: 0, updated: 1, unchanged: 4 });
    expect(store.getAccount('acme')?.quota).toBe(200);
    expect(store.getUser('z@other.example')?.account).toBe('other');
  });

  it('counts a changed transliterate choice as an update', () => {
    store.importAll(parseProvisionText(FILE, 'f.yaml'));
    const on = parseProvisionText(FILE.replace('quota: 100', 'quota: 100\n    transliterate: true'), 'f.yaml');
    expect(store.importAll(on)).toEqual({ added: 0, updated: 1, unchanged: 4 });
    expect(store.getAccount('acme')?.transliterate).toBe(true);
  });

  it('imports nothing from a document with one bad record', () => {
    const doc = parseProvisionText(FILE, 'f.yaml');
    const bad: ProvisionDoc = { accounts: [...doc.accounts, { account: { ...DEFAULT_ACCOUNT, name: 'broken', burst: 0 }, users: [] }] };
    const err = errorOf(() => store.importAll(bad));
    expect(err.code).toBe('M2S_IMPORT_INVALID');
    expect(err.message).toContain('accounts[2].burst');
    expect(store.getAccount('acme')).toBeUndefined();
    expect(store.listUsers().map((u) => u.email)).toEqual(['alerts@localhost']);
  });

  it('rolls the whole import back when a write fails half way', () => {
    // Another connection holds a trigger that fails the second user insert: the first must not stay.
    const db = new Database(path);
    db.exec("CREATE TRIGGER no_b BEFORE INSERT ON users WHEN NEW.email = 'b@acme.example' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    db.close();
    expect(() => store.importAll(parseProvisionText(FILE, 'f.yaml'))).toThrow(/refused/);
    expect(store.getAccount('acme')).toBeUndefined();
    expect(store.getUser('a@acme.example')).toBeUndefined();
  });

  it('exports what another box imports to the same records, password hashes included', async () => {
    store.addAccount({ name: 'acme', cug: ['+447973100000'], append: ' [ACME]' });
    store.addUser({ email: 'o@acme.example', account: 'acme', senderId: '447973100000', passwordHash: await hashPassword('pw'), tps: 0.25 });
    const exported = store.exportAll();
    const otherPath = join(dir, 'other.db');
    const other = openAccountStore({ path: otherPath });
    try {
      expect(other.importAll(exported)).toEqual({ added: 2, updated: 0, unchanged: 2 });
      expect(other.exportAll()).toEqual(exported);
      expect(await other.verifyPassword('o@acme.example', 'pw')).toBe(true);
    } finally {
      other.close();
    }
  });
});
