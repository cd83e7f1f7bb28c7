/*
 * Issue 15 item 5: `mail2sms backup FILE` while the built daemon takes mail, then `mail2sms
 * restore FILE` into a fresh state directory and a start there: the queue and the accounts are
 * there. A restore while a daemon runs on the state directory is refused naming its PID; a file
 * that is not a mail2sms state database is refused before anything is touched; an existing
 * FILE is not overwritten without --force.
 */
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig, type Proc } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/wait.js';

async function cli(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = runCli(args);
  const { code } = await p.exited;
  return { code, out: p.stdout.join('\n'), err: p.stderr.join('\n') };
}

async function cliJson<T>(args: readonly string[]): Promise<T> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`mail2sms ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as T;
}

/** A config on its own state dir; the simulated modem takes 300 ms per send, so mail waits in the queue. */
function config(dir: string, port: number): string {
  return writeConfig(dir, `domain: sms.test
hostname: gw.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:${port}", greeting_delay_ms: 0 }
routes:
  - { name: sim, transport: sim, latency_ms: 300 }
`);
}

const modeOf = (path: string): string => `0${(statSync(path).mode & 0o777).toString(8)}`;

describe('issue 15: backup while the gateway takes mail, restore on a fresh box', () => {
  const a = tempDir('mail2sms-backup-a-');
  const b = tempDir('mail2sms-backup-b-');
  const file = join(a, 'backup.db');
  let configA: string;
  let configB: string;
  let daemon: Proc;
  let port: number;
  const accepted: string[] = [];
  let acceptedBeforeBackup = 0;
  let acceptedAfterBackup = 0;

  beforeAll(async () => {
    port = await freePort();
    configA = config(a, port);
    configB = config(b, await freePort());
    expect((await cli(['account', 'add', 'ops', '--quota', '500', '--config', configA])).code).toBe(0);
    daemon = runCli(['start', '--config', configA]);
    await daemon.waitFor((l) => l.event === 'gateway.started');
    const smtp = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 2 });
    let sending = true;
    const stream = (async () => {
      for (let i = 0; sending || i < 10; i += 1) {
        const info = (await smtp.sendMail({ from: 'alerts@localhost', to: `+4479731000${String(i % 100).padStart(2, '0')}@sms.test`, subject: `disk ${i}`, text: `db${i} is 91% full` })) as { response: string };
        const qid = /queued as ([0-9A-Z]+)$/.exec(info.response)?.[1];
        if (qid === undefined) throw new Error(`no queue id in ${info.response}`);
        accepted.push(qid);
      }
    })();
    await until(() => accepted.length >= 5, '5 mails accepted');
    acceptedBeforeBackup = accepted.length;
    const r = await cli(['backup', file, '--config', configA]);
    acceptedAfterBackup = accepted.length;
    sending = false;
    await stream;
    smtp.close();
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`into ${file}`);
  });
  afterAll(async () => daemon?.stop());

  it('writes one SQLite file, 0600, with every mail accepted before it started and none half-committed', () => {
    expect(modeOf(file)).toBe('0600');
    expect(readdirSync(a).filter((f) => f.startsWith('backup.db') || f.includes('.tmp-'))).toEqual(['backup.db']);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      const ids = (db.prepare('SELECT id FROM messages').all() as Array<{ id: string }>).map((r) => r.id);
      expect(ids.length).toBeGreaterThanOrEqual(acceptedBeforeBackup);
      expect(ids.length).toBeLessThanOrEqual(acceptedAfterBackup);
      expect(new Set(ids)).toEqual(new Set(accepted.slice(0, ids.length)));
      const lonely = db.prepare('SELECT COUNT(*) AS n FROM messages m WHERE NOT EXISTS (SELECT 1 FROM segments s WHERE s.message_id = m.id)').get() as { n: number };
      expect(lonely.n).toBe(0);
    } finally {
      db.close();
    }
  });

  it('refuses to overwrite the backup without --force, and replaces it with --force', async () => {
    const before = readFileSync(file);
    const refused = await cli(['backup', file, '--config', configA]);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(`mail2sms backup: ${file} exists; give another FILE, or --force to replace it`);
    expect(readFileSync(file).equals(before)).toBe(true);
    const again = join(a, 'again.db');
    writeFileSync(again, 'old');
    expect((await cli(['backup', again, '--force', '--config', configA])).code).toBe(0);
    expect(readFileSync(again).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  it('refuses a restore while the gateway runs on the state directory, naming its PID, and touches nothing', async () => {
    const stateA = join(a, 'state');
    const before = readdirSync(stateA).sort();
    const r = await cli(['restore', file, '--config', configA]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`mail2sms restore: cannot restore ${file}: the state directory ${stateA} is in use by a running mail2sms (PID ${daemon.child.pid}); stop it first (systemctl stop mail2sms), nothing was changed`);
    expect(readdirSync(stateA).sort()).toEqual(before);
  });

  it('refuses a file that is not a mail2sms state database before touching the state', async () => {
    const junk = join(b, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text that is long enough to be read as a header\n'.repeat(20));
    const other = join(b, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (t TEXT)');
    db.close();
    for (const [bad, why] of [
      [junk, 'it is not a SQLite database (SQLITE_NOTADB)'],
      [other, "it has neither the queue's tables (messages, segments) nor the accounts or inbound tables"],
      [join(b, 'missing.db'), 'the file does not exist'],
    ] as const) {
      const r = await cli(['restore', bad, '--config', configB]);
      expect(r.code, bad).toBe(1);
      expect(r.err).toBe(`mail2sms restore: ${bad} is not a mail2sms backup: ${why}`);
    }
    expect(existsSync(join(b, 'state', 'mail2sms.db'))).toBe(false);
  });

  it('restores into a fresh state directory; the gateway started there has the queue and the accounts', async () => {
    await daemon.stop();
    const backedUp = new Database(file, { readonly: true });
    const ids = (backedUp.prepare('SELECT id FROM messages ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
    backedUp.close();
    const r = await cli(['restore', file, '--config', configB]);
    expect(r.code, r.err).toBe(0);
    const restored = join(b, 'state', 'mail2sms.db');
    expect(r.out).toContain(`restored ${file} as ${restored}`);
    expect(modeOf(restored)).toBe('0600');
    const gateway = runCli(['start', '--config', configB]);
    try {
      await gateway.waitFor((l) => l.event === 'gateway.started');
      const queue = await cliJson<Array<{ id: string }>>(['queue', 'list', '--json', '--config', configB]);
      expect(queue.map((m) => m.id).sort()).toEqual(ids);
      const accounts = await cliJson<Array<{ name: string; quota: number | null }>>(['account', 'list', '--json', '--config', configB]);
      expect(accounts.find((x) => x.name === 'ops')).toMatchObject({ quota: 500 });
      expect(gateway.unexpectedErrors()).toEqual([]);
    } finally {
      await gateway.stop();
    }
  });

  it('restoring over a state keeps the old database (and a -wal, -shm left there) aside as mail2sms.db.before-restore-<time>', async () => {
    const stateA = join(a, 'state');
    const r = await cli(['restore', file, '--config', configA]);
    expect(r.code, r.err).toBe(0);
    const kept = readdirSync(stateA).filter((f) => f.startsWith('mail2sms.db.before-restore-'));
    expect(kept.filter((f) => /^mail2sms\.db\.before-restore-\d{8}T\d{6}Z$/.test(f))).toHaveLength(1);
    expect(r.out).toContain(`the previous state is kept as ${join(stateA, kept.find((f) => !f.includes('-wal') && !f.includes('-shm'))!)}`);
    // the old state (every mail of the stream) is still readable there
    const old = new Database(join(stateA, kept.find((f) => /Z$/.test(f))!), { readonly: true });
    expect((old.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(accepted.length);
    old.close();
  });

  it.skipIf(process.getuid?.() !== 0)('run as root, gives the restored database and the lock file to the state directory\'s owner', async () => {
    const c = tempDir('mail2sms-backup-c-');
    const state = join(c, 'state');
    mkdirSync(state, { mode: 0o700 });
    chownSync(state, 65534, 65534); // nobody: the gateway's user on this box
    const r = await cli(['restore', file, '--config', config(c, port)]);
    expect(r.code, r.err).toBe(0);
    for (const f of ['mail2sms.db', 'mail2sms.lock']) expect([f, statSync(join(state, f)).uid, statSync(join(state, f)).gid]).toEqual([f, 65534, 65534]);
  });
});
