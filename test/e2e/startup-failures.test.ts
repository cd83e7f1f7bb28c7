/*
 * Issue 12: every start-up failure of the built `mail2sms start` ends the process with 2 (config)
 * or 1 (runtime) and ONE line on stderr naming the file, key or path and the reason; never a
 * stack trace, never a process left alive without listening. The state directory is locked to
 * one gateway (a SIGKILLed one does not block its restart), and the commands that open the
 * database give the same one-line messages.
 *
 * Permission checks mean nothing to root, so as root the CLI runs as nobody (uid 65534) in the
 * cases that need a denied permission; otherwise as the test's own user.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, Proc, runCli, tempDir, writeConfig } from '../helpers/daemon.js';

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

interface Ended {
  readonly code: number | null;
  readonly stderr: readonly string[];
  readonly stdout: readonly string[];
}

async function ended(p: Proc): Promise<Ended> {
  const { code } = await p.exited;
  return { code, stderr: p.stderr, stdout: p.stdout };
}

/** The CLI as a user whose permissions count (nobody when the tests run as root). */
function runUnprivileged(args: readonly string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(ROOT ? { uid: NOBODY, gid: NOBODY } : {}) });
  return new Proc(child);
}

/** Gives `path` to the unprivileged user (when root) and sets its mode. */
function handOver(path: string, mode: number): void {
  if (ROOT) chownSync(path, NOBODY, NOBODY);
  chmodSync(path, mode);
}

/** A test directory the unprivileged user can enter, with a config whose state is `<dir>/state`. */
function setUp(extra = ''): { dir: string; state: string; config: string } {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  const state = join(dir, 'state');
  const config = writeConfig(dir, `domain: sms.test\nstate_dir: ${state}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\n${extra}`);
  chmodSync(config, 0o644);
  return { dir, state, config };
}

/** One line, naming what it must, and no stack trace anywhere. */
function expectOneLine(r: Ended, code: number, ...names: readonly (string | RegExp)[]): void {
  expect(r.code, r.stderr.join('\n')).toBe(code);
  expect(r.stderr).toHaveLength(1);
  for (const name of names) expect(r.stderr[0]).toMatch(typeof name === 'string' ? new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : name);
  expect([...r.stderr, ...r.stdout].join('\n')).not.toMatch(/^\s+at /m);
  expect(r.stdout.some((l) => l.includes('gateway.started'))).toBe(false);
}

/** The SMTP greeting of a listener: it is serving. */
function greeting(address: string): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => undefined);
    socket.once('data', (data) => (socket.end('QUIT\r\n'), resolve(data.toString('latin1'))));
    socket.once('error', reject);
  });
}

describe('start-up failures say one line and end the process (issue 12)', () => {
  it('a missing smtp.tls.key exits 2 naming the key and the file, even with a modem route that would retry forever', async () => {
    const { dir, config } = setUp();
    const key = join(dir, 'missing-key.pem');
    writeFileSync(join(dir, 'cert.pem'), 'not used\n');
    writeFileSync(config, `${readFileSync(config, 'utf8').replace('greeting_delay_ms: 0 }', `greeting_delay_ms: 0, tls: { key: ${key}, cert: ${join(dir, 'cert.pem')} } }`)}routes:\n  - { name: gsm1, transport: modem, path: ${join(dir, 'no-modem')} }\n`);
    const r = await ended(runCli(['start', '--config', config]));
    expectOneLine(r, 2, `smtp.tls.key ${key}`, 'no such file or directory');
  });

  it('a TLS key and certificate that are not PEM exit 2 naming both files', async () => {
    const { dir, config } = setUp();
    writeFileSync(join(dir, 'key.pem'), 'garbage\n');
    writeFileSync(join(dir, 'cert.pem'), 'garbage\n');
    writeFileSync(config, readFileSync(config, 'utf8').replace('greeting_delay_ms: 0 }', `greeting_delay_ms: 0, tls: { key: ${join(dir, 'key.pem')}, cert: ${join(dir, 'cert.pem')} } }`));
    const r = await ended(runCli(['start', '--config', config]));
    expectOneLine(r, 2, join(dir, 'key.pem'), join(dir, 'cert.pem'), 'not a usable PEM key and certificate');
  });

  it('a read-only state directory exits 1 naming the directory', async () => {
    const { state, config } = setUp();
    mkdirSync(state);
    handOver(state, 0o500);
    const r = await ended(runUnprivileged(['start', '--config', config]));
    expectOneLine(r, 1, `state directory ${state}`, 'permission denied (EACCES)');
  });

  it('a state_dir below a regular file exits 1 naming the path', async () => {
    const { dir, config } = setUp();
    writeFileSync(join(dir, 'file'), '');
    writeFileSync(config, readFileSync(config, 'utf8').replace(`state_dir: ${join(dir, 'state')}`, `state_dir: ${join(dir, 'file', 'state')}`));
    const r = await ended(runCli(['start', '--config', config]));
    expectOneLine(r, 1, `state directory ${join(dir, 'file', 'state')}`, 'not a directory');
  });

  it('an unreadable database exits 1 naming the file, for start, queue list and account add alike', async () => {
    const { state, config } = setUp();
    mkdirSync(state);
    handOver(state, 0o700);
    const db = join(state, 'mail2sms.db');
    writeFileSync(db, '');
    chmodSync(db, ROOT ? 0o600 : 0o000); // as root the file stays root's: nobody cannot read it
    for (const args of [['start'], ['queue', 'list'], ['account', 'add', 'ops']]) {
      const r = await ended(runUnprivileged([...args, '--config', config]));
      expectOneLine(r, 1, `cannot use the database ${db}`, 'permission denied');
    }
  });

  it('a database file of random bytes exits 1 saying it is not a database, for start, queue list and account add alike', async () => {
    const { state, config } = setUp();
    mkdirSync(state);
    writeFileSync(join(state, 'mail2sms.db'), randomBytes(64 * 1024));
    for (const args of [['start'], ['queue', 'list'], ['account', 'add', 'ops']]) {
      const r = await ended(runCli([...args, '--config', config]));
      expectOneLine(r, 1, `cannot use the database ${join(state, 'mail2sms.db')}`, 'not a SQLite database (SQLITE_NOTADB)');
    }
  });

  it('a YAML alias bomb exits 2 naming the file, without expanding it', async () => {
    const { dir } = setUp();
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`)];
    const config = writeConfig(dir, `domain: sms.test\nstate_dir: ${join(dir, 'state')}\nrecords:\n${levels.map((l) => `  ${l}`).join('\n')}\n`);
    const r = await ended(runCli(['start', '--config', config]));
    expectOneLine(r, 2, config, 'aliases expand to more than 100 copies');
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('YAML nested 20,000 levels deep exits 2 instead of aborting the process', async () => {
    const { dir } = setUp();
    const config = writeConfig(dir, `domain: sms.test\nrecords: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    const r = await ended(runCli(['start', '--config', config]));
    expectOneLine(r, 2, config, 'nested deeper than 64 levels');
  });

  it('a 12 MB config exits 2 naming its size and the limit, before parsing it', async () => {
    const { dir } = setUp();
    const line = '  r.example: "v=spf1 ip4:192.0.2.1 -all"\n';
    const config = writeConfig(dir, `domain: sms.test\nrecords:\n${line.repeat(Math.ceil((12 << 20) / line.length))}`);
    const r = await ended(runCli(['start', '--config', config]));
    expectOneLine(r, 2, `config file ${config} is 12.0 MB`, 'at most 1 MB');
  });

  it('a 9 MB import file exits 2 naming its size and the limit, importing nothing', async () => {
    const { dir, config } = setUp();
    const user = (i: number): string => `      - { email: u${i}@example.test, dkim: PASS, spf: PASS, dmarc: PASS }\n`;
    let users = '';
    for (let i = 0; users.length < 9 << 20; i += 1) users += user(i);
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `accounts:\n  - name: big\n    users:\n${users}`);
    const r = await ended(runCli(['import', file, '--config', config]));
    expectOneLine(r, 2, `import file ${file} is 9.0 MB`, 'at most 8 MB');
    const listed = await ended(runCli(['account', 'list', '--json', '--config', config]));
    expect(JSON.parse(listed.stdout.join('\n')).map((a: { name: string }) => a.name)).not.toContain('big');
  });

  it('a missing key says "missing key", a bad value what was expected and what is there, one line each', async () => {
    const { dir } = setUp();
    const config = writeConfig(dir, 'state_dir: ./s\nroutes:\n  - { name: gsm1, transport: modem, path: /dev/ttyUSB0, baud: abc }\n');
    const r = await ended(runCli(['start', '--config', config]));
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([`mail2sms start: ${config}:1: domain: missing key`, `mail2sms start: ${config}:3: routes[0].baud: expected a number, got "abc"`]);
  });

  it('a port out of range, in smtp.listen or http.listen, exits 2 with the reason', async () => {
    const { dir } = setUp();
    const config = writeConfig(dir, 'domain: sms.test\nsmtp: { listen: "0.0.0.0:99999" }\nhttp: { listen: "127.0.0.1:70000" }\n');
    const r = await ended(runCli(['start', '--config', config]));
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([
      `mail2sms start: ${config}:2: smtp.listen: "0.0.0.0:99999": port 99999 is out of range (0 to 65535)`,
      `mail2sms start: ${config}:3: http.listen: "127.0.0.1:70000": port 70000 is out of range (0 to 65535)`,
    ]);
  });

  it('an SMTP address already in use exits 1 on one line, though a modem route was already retrying', async () => {
    const first = setUp();
    const a = runCli(['start', '--config', first.config]);
    running.push(a);
    const address = String((await a.waitFor((l) => l.event === 'gateway.started'))['smtp']);
    const { dir, config } = setUp(`routes:\n  - { name: gsm1, transport: modem, path: /nonexistent/modem }\n`);
    writeFileSync(config, readFileSync(config, 'utf8').replace('127.0.0.1:0', address));
    const r = await ended(runCli(['start', '--config', config]));
    expectOneLine(r, 1, address, 'address already in use');
    expect(existsSync(join(dir, 'state', 'mail2sms.pid'))).toBe(false);
  });
});

describe('one gateway per state directory (issue 12)', () => {
  it('refuses a second gateway naming the PID of the first, which keeps serving; the PID file goes at a clean stop', async () => {
    const { state, config } = setUp();
    const first = runCli(['start', '--config', config]);
    running.push(first);
    const started = await first.waitFor((l) => l.event === 'gateway.started');
    expect(readFileSync(join(state, 'mail2sms.pid'), 'utf8').trim()).toBe(String(first.child.pid));
    const second = runCli(['start', '--config', config]);
    const r = await ended(second);
    expectOneLine(r, 1, `state directory ${state} is in use by another mail2sms (PID ${first.child.pid})`);
    expect(await greeting(String(started['smtp']))).toMatch(/^220 /);
    await first.stop();
    expect((await first.exited).code).toBe(0);
    expect(existsSync(join(state, 'mail2sms.pid'))).toBe(false);
  });

  it('a gateway killed with SIGKILL leaves a stale PID file that does not block the restart', async () => {
    const { state, config } = setUp();
    const killed = runCli(['start', '--config', config]);
    running.push(killed);
    await killed.waitFor((l) => l.event === 'gateway.started');
    await killed.stop('SIGKILL');
    expect(readFileSync(join(state, 'mail2sms.pid'), 'utf8').trim()).toBe(String(killed.child.pid));
    const restarted = runCli(['start', '--config', config]);
    running.push(restarted);
    await restarted.waitFor((l) => l.event === 'gateway.started');
    expect(readFileSync(join(state, 'mail2sms.pid'), 'utf8').trim()).toBe(String(restarted.child.pid));
    expect(restarted.unexpectedErrors()).toEqual([]);
  });
});
