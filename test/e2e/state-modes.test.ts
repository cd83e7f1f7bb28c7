/*
 * Issue 12: the state directory is 0700 and every file the gateway writes in it (the SQLite file
 * and its -wal and -shm, the lock, the PID file) 0600, whatever the umask: the database holds
 * password hashes. An existing directory or file with group or other bits is tightened, and
 * the gateway says so (`state.mode`). The built CLI runs under `umask 000`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, Proc, tempDir, writeConfig } from '../helpers/daemon.js';

const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

/** The CLI started by a shell whose umask is 000 (files would be 0666, directories 0777). */
function runWithUmask000(args: readonly string[]): Proc {
  const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Proc(child);
}

const modeOf = (path: string): string => `0${(statSync(path).mode & 0o777).toString(8)}`;

function setUp(): { dir: string; state: string; config: string } {
  const dir = tempDir();
  const state = join(dir, 'var', 'state');
  return { dir, state, config: writeConfig(dir, `domain: sms.test\nstate_dir: ${state}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\n`) };
}

describe('state files are private whatever the umask (issue 12)', () => {
  it('a gateway started with umask 000 creates the state directory 0700 and every file in it 0600', async () => {
    const { state, config } = setUp();
    const p = runWithUmask000(['start', '--config', config]);
    running.push(p);
    await p.waitFor((l) => l.event === 'gateway.started');
    expect(modeOf(state)).toBe('0700');
    const files = readdirSync(state).sort();
    expect(files).toEqual(['control.sock', 'mail2sms.db', 'mail2sms.db-shm', 'mail2sms.db-wal', 'mail2sms.lock', 'mail2sms.pid']);
    expect(Object.fromEntries(files.map((f) => [f, modeOf(join(state, f))]))).toEqual(Object.fromEntries(files.map((f) => [f, '0600'])));
    expect(p.lines.filter((l) => l.event === 'state.mode')).toEqual([]);
  });

  it('account add under umask 000 creates the directory 0700 and the database 0600 too', async () => {
    const { state, config } = setUp();
    const p = runWithUmask000(['account', 'add', 'ops', '--config', config]);
    expect((await p.exited).code, p.stderr.join('\n')).toBe(0);
    expect(modeOf(state)).toBe('0700');
    for (const f of readdirSync(state)) expect([f, modeOf(join(state, f))]).toEqual([f, '0600']);
  });

  it('tightens a state directory and database left readable by others, and logs each as state.mode', async () => {
    const { state, config } = setUp();
    mkdirSync(state, { recursive: true });
    chmodSync(state, 0o755);
    writeFileSync(join(state, 'mail2sms.db'), '');
    chmodSync(join(state, 'mail2sms.db'), 0o644);
    const p = runWithUmask000(['start', '--config', config]);
    running.push(p);
    await p.waitFor((l) => l.event === 'gateway.started');
    expect(modeOf(state)).toBe('0700');
    expect(modeOf(join(state, 'mail2sms.db'))).toBe('0600');
    const changes = p.lines.filter((l) => l.event === 'state.mode');
    expect(changes).toEqual([
      expect.objectContaining({ level: 'warn', path: state, was: '0755', now: '0700', outcome: 'tightened' }),
      expect.objectContaining({ level: 'warn', path: join(state, 'mail2sms.db'), was: '0644', now: '0600', outcome: 'tightened' }),
    ]);
    expect(p.unexpectedErrors()).toEqual([]);
  });
});
