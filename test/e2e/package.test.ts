/*
 * The Debian package in a clean Debian 13 root (issue 15): scripts/build-deb.sh builds the .deb,
 * mmdebstrap makes a minbase trixie root, apt installs the package there (pulling nodejs from
 * trixie), and the daemon runs in it as the service user with the unit's own ExecStart,
 * Environment and WorkingDirectory; one mail over SMTP is queued and sent by the simulated
 * modem of the default config. Then an upgrade (the same package, version bumped) keeps the
 * edited config and the queue, remove keeps the state, purge removes state, config and user.
 *
 * Needs root (chroot, mounts) and mmdebstrap (scripts/test.sh installs it) and deb.debian.org.
 * The downloaded trixie packages are kept in /var/cache/apt/mail2sms-test-trixie between runs;
 * nothing else outside the temp dir. The steps' times are printed at the end.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proc } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SUITE = 'trixie';
const MIRROR = 'http://deb.debian.org/debian';
const APT_CACHE = `/var/cache/apt/mail2sms-test-${SUITE}`;
const run = promisify(execFile);

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const skipReason = process.getuid?.() !== 0 ? 'needs root (chroot and mounts)' : !has('mmdebstrap') ? 'needs mmdebstrap (apt-get install mmdebstrap; scripts/test.sh does)' : !has('dpkg-deb') ? 'needs dpkg-deb (a Debian host)' : undefined;
if (skipReason !== undefined) console.warn(`test/e2e/package.test.ts skipped: ${skipReason}`);

const times: Array<[string, number]> = [];
async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    times.push([step, Math.round(performance.now() - start)]);
  }
}

async function sh(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run(file, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** What a unit's [Service] sets, as systemd reads it for our unit (one value per key but Environment). */
function readUnit(text: string) {
  const lines = text.split('\n').filter((l) => /^\w+=/.test(l));
  const one = (key: string) => lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  const exec = one('ExecStart')!;
  if (/^[-@+!:]/.test(exec) || /["'\\$%]/.test(exec)) throw new Error(`ExecStart needs systemd's own parsing: ${exec}`);
  return {
    exec: exec.split(/\s+/),
    env: lines.filter((l) => l.startsWith('Environment=')).flatMap((l) => l.slice('Environment='.length).split(/\s+/)),
    user: one('User')!,
    group: one('Group')!,
    groups: one('SupplementaryGroups') ?? '',
    dir: one('WorkingDirectory')!,
  };
}

describe.skipIf(skipReason !== undefined)('the Debian package installed in a clean Debian 13 root (issue 15)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'm2s-deb-'));
  const root = join(tmp, 'root');
  const mounts: string[] = [];
  let deb = '';
  let version = '';
  let daemon: Proc | undefined;
  let qid = '';
  let port = 0;
  const inRoot = (args: readonly string[]) => sh('chroot', [root, ...args], { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C.UTF-8' });
  const aptInstall = (file: string) => inRoot(['apt-get', 'install', '-y', '-q', `/tmp/${basename(file)}`]);
  const statOf = async (path: string) => (await inRoot(['stat', '-c', '%a %U %G', path])).trim();

  beforeAll(async () => {
    deb = (await timed('build the .deb (scripts/build-deb.sh)', () => sh(join(ROOT, 'scripts/build-deb.sh'), ['--out', tmp], { DEBFULLNAME: 'Site IT', DEBEMAIL: 'it@example.org' }))).trim().split('\n').at(-1)!;
    version = (await sh('dpkg-deb', ['-f', deb, 'Version'])).trim();
    mkdirSync(APT_CACHE, { recursive: true });
    await timed(`mmdebstrap ${SUITE} minbase`, () => sh('mmdebstrap', [
      '--quiet', '--variant=minbase', '--skip=cleanup/apt/lists,cleanup/apt/cache',
      '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/locale/*',
      '--setup-hook=mkdir -p "$1"/var/cache/apt/archives', `--setup-hook=sync-in ${APT_CACHE} /var/cache/apt/archives`,
      SUITE, root, MIRROR,
    ]));
    for (const [what, args] of [['proc', ['-t', 'proc', 'proc']], ['dev', ['--bind', '/dev']]] as const) {
      await sh('mount', [...args, join(root, what)]);
      mounts.unshift(join(root, what));
    }
    cpSync(deb, join(root, 'tmp', basename(deb)));
  }, 600_000);

  afterAll(async () => {
    await daemon?.stop();
    for (const m of mounts) if (spawnSync('umount', [m]).status !== 0) spawnSync('umount', ['--lazy', m]);
    const still = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(root));
    if (still.length === 0) spawnSync('rm', ['-rf', '--one-file-system', tmp]);
    else console.warn(`left ${tmp} in place: still mounted there: ${still.join('; ')}`);
    console.log(`package test times (ms):\n${times.map(([step, ms]) => `  ${step}: ${ms}`).join('\n')}`);
  }, 60_000);

  it('installs with apt, which pulls nodejs from Debian 13', async () => {
    await timed('apt install ./mail2sms.deb (with nodejs)', () => aptInstall(deb));
    for (const file of readdirSync(join(root, 'var/cache/apt/archives')).filter((f) => f.endsWith('.deb'))) {
      if (!existsSync(join(APT_CACHE, file))) cpSync(join(root, 'var/cache/apt/archives', file), join(APT_CACHE, file));
    }
    expect(await inRoot(['dpkg-query', '-W', '-f', '${Status} ${Version}\n', 'mail2sms', 'nodejs'])).toMatch(/^install ok installed \S+\ninstall ok installed 20\./);
    expect((await inRoot(['mail2sms', '--version'])).trim()).toBe(`mail2sms ${version}`);
  }, 300_000);

  it('made the system user mail2sms in dialout, its 0700 state directory and the conffile', async () => {
    const [name, , uid, gid, , home, shell] = (await inRoot(['getent', 'passwd', 'mail2sms'])).trim().split(':');
    expect({ name, home, shell }).toEqual({ name: 'mail2sms', home: '/var/lib/mail2sms', shell: '/usr/sbin/nologin' });
    expect(Number(uid)).toBeLessThan(1000);
    expect((await inRoot(['getent', 'group', gid!])).split(':')[0]).toBe('mail2sms');
    expect((await inRoot(['id', '-nG', 'mail2sms'])).trim().split(' ').sort()).toEqual(['dialout', 'mail2sms']);
    expect(await statOf('/var/lib/mail2sms')).toBe('700 mail2sms mail2sms');
    expect(await statOf('/etc/mail2sms/config.yaml')).toBe('640 root mail2sms');
    expect(await inRoot(['dpkg-query', '-W', '-f', '${Conffiles}', 'mail2sms'])).toMatch(/^ \/etc\/mail2sms\/config\.yaml [0-9a-f]{32}$/);
    expect(readFileSync(join(root, 'etc/mail2sms/config.yaml'), 'utf8')).toBe(readFileSync(join(ROOT, 'config/mail2sms.yaml.example'), 'utf8'));
    for (const path of ['usr/lib/systemd/system/mail2sms.service', 'usr/lib/udev/rules.d/99-mail2sms-modem.rules', 'usr/share/man/man8/mail2sms.8.gz', 'usr/share/doc/mail2sms/README.md', 'usr/share/doc/mail2sms/copyright']) {
      expect(await inRoot(['dpkg', '-S', `/${path}`])).toMatch(/^mail2sms: /);
    }
    expect(readFileSync(join(root, 'usr/share/doc/mail2sms/copyright'), 'utf8')).toContain(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    expect(await inRoot(['dpkg-query', '-W', '-f', '${Maintainer}', 'mail2sms'])).toBe('Site IT <it@example.org>');
  }, 60_000);

  it("runs as its user with the unit's command line and sends a mail through the simulated modem", async () => {
    port = await freePort();
    const config = join(root, 'etc/mail2sms/config.yaml');
    const edited = readFileSync(config, 'utf8').replace(/^#smtp:/m, 'smtp:').replace(/^#( {2}listen: )\["127\.0\.0\.1:2525"\]/m, `$1["127.0.0.1:${port}"]`);
    expect(edited).toContain(`  listen: ["127.0.0.1:${port}"]`);
    writeFileSync(config, edited);

    const unit = readUnit(readFileSync(join(root, 'usr/lib/systemd/system/mail2sms.service'), 'utf8'));
    expect(unit.exec.slice(-2)).toEqual(['/usr/lib/mail2sms/dist/cli/main.js', 'start']);
    const child = spawn('chroot', [root, 'setpriv', `--reuid=${unit.user}`, `--regid=${unit.group}`, `--groups=${unit.groups.split(/\s+/).join(',')}`,
      'env', '-i', '-C', unit.dir, ...unit.env, ...unit.exec], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon = new Proc(child);
    await timed('daemon start until the route is ready', () => daemon!.waitFor((l) => l.event === 'transport.ready', 30_000, 'transport.ready'));
    expect(daemon.lines.find((l) => l.event === 'gateway.started')).toMatchObject({ config: '/etc/mail2sms/config.yaml', state: '/var/lib/mail2sms/mail2sms.db' });
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(status)?.[1];
    expect({ uid: field('Uid'), gid: field('Gid'), groups: field('Groups') }).toEqual({
      uid: (await inRoot(['id', '-u', 'mail2sms'])).trim(),
      gid: (await inRoot(['id', '-g', 'mail2sms'])).trim(),
      groups: (await inRoot(['getent', 'group', 'dialout'])).split(':')[2],
    });

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const info = await timed('one mail: SMTP until sent', async () => {
      const sent = await transport.sendMail({ from: 'alerts@localhost', to: '447973100000@sms.localhost', subject: 'Disk', text: 'db1 is 91% full' });
      qid = /queued as (\S+)/.exec(sent.response)?.[1] ?? '';
      await daemon!.waitFor((l) => l.event === 'delivery.attempt' && l['qid'] === qid && l['status'] === 'sent', 30_000, 'delivery.attempt sent');
      return sent;
    });
    transport.close();
    expect(info.response).toMatch(/^250 /);
    const shown = JSON.parse(await inRoot(['mail2sms', 'queue', 'show', qid, '--json'])) as { state?: string };
    expect(shown.state).toBe('sent');
    await daemon.stop();
    expect(daemon.unexpectedErrors()).toEqual([]);
  }, 120_000);

  it('upgrades to a higher version keeping the edited config and the queue', async () => {
    const tree = join(tmp, 'bumped');
    await sh('dpkg-deb', ['-R', deb, tree]);
    const control = join(tree, 'DEBIAN/control');
    writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: .*$/m, `Version: ${version}+1`));
    const bumped = join(tmp, `mail2sms_${version}+1.deb`);
    await sh('dpkg-deb', ['--root-owner-group', '-Zxz', '-z1', '--build', tree, bumped]);
    cpSync(bumped, join(root, 'tmp', basename(bumped)));
    await timed('apt install of the bumped version', () => aptInstall(bumped));
    expect((await inRoot(['dpkg-query', '-W', '-f', '${Version}', 'mail2sms']))).toBe(`${version}+1`);
    expect(readFileSync(join(root, 'etc/mail2sms/config.yaml'), 'utf8')).toContain(`  listen: ["127.0.0.1:${port}"]`);
    expect(JSON.parse(await inRoot(['mail2sms', 'queue', 'show', qid, '--json']))).toMatchObject({ state: 'sent' });
    // the command run as root ran as mail2sms: nothing in the state directory is root's
    expect(await inRoot(['find', '/var/lib/mail2sms', '!', '-user', 'mail2sms'])).toBe('');
  }, 300_000);

  it('remove keeps the state, the config and the user; purge removes them', async () => {
    await timed('apt remove', () => inRoot(['apt-get', 'remove', '-y', '-q', 'mail2sms']));
    expect(await inRoot(['dpkg-query', '-W', '-f', '${Status}', 'mail2sms'])).toBe('deinstall ok config-files');
    expect(existsSync(join(root, 'var/lib/mail2sms/mail2sms.db'))).toBe(true);
    expect(existsSync(join(root, 'etc/mail2sms/config.yaml'))).toBe(true);
    expect(existsSync(join(root, 'usr/lib/mail2sms'))).toBe(false);
    expect((await inRoot(['getent', 'passwd', 'mail2sms'])).startsWith('mail2sms:')).toBe(true);

    await timed('apt purge', () => inRoot(['apt-get', 'purge', '-y', '-q', 'mail2sms']));
    expect(existsSync(join(root, 'var/lib/mail2sms'))).toBe(false);
    expect(existsSync(join(root, 'etc/mail2sms'))).toBe(false);
    expect(spawnSync('chroot', [root, 'getent', 'passwd', 'mail2sms']).status).toBe(2);
    expect(spawnSync('chroot', [root, 'getent', 'group', 'mail2sms']).status).toBe(2);
    expect(spawnSync('chroot', [root, 'dpkg-query', '-W', 'mail2sms']).status).not.toBe(0);
  }, 120_000);
});

describe("the README's install section (issue 15)", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Install ('), readme.indexOf('## Try it from a checkout'));

  it('gives the commands the package test runs: install.sh or apt install of the .deb, upgrade, remove, purge', () => {
    for (const command of ['scripts/install.sh', 'scripts/build-deb.sh', 'sudo apt install ./mail2sms_*.deb', 'sudo apt remove mail2sms', 'sudo apt purge mail2sms']) {
      expect(section).toContain(command);
    }
    expect(readme).not.toMatch(/cp -r \. |\/opt\/mail2sms/);
  });
});
