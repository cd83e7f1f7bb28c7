/*
 * unbound.ts - a real DNS server on loopback for verdict tests: Debian's `unbound`, answering
 * only the records a test gives it (local-zone static), on a free UDP+TCP port of 127.0.0.1.
 *
 * Promise: startUnbound() resolves once the server answers a query, and rejects with a message
 * saying how to install unbound when the binary is missing. Every name outside the given records
 * is NXDOMAIN (local-zone "." static), so nothing ever leaves the machine. Call stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';
import { freePort } from './ports.js';

export { freePort } from './ports.js';

export interface ZoneRecord {
  readonly name: string;
  readonly type: 'TXT' | 'A' | 'AAAA' | 'MX';
  /** TXT: the text (split into 255-octet strings here) or a list of strings of one record. */
  readonly value: string;
}

export interface Unbound {
  readonly servers: string[];
  readonly port: number;
  stop(): Promise<void>;
}

const BINARIES = ['/usr/sbin/unbound', '/usr/bin/unbound'];
const READY_NAME = 'unbound-ready.invalid';


function txtData(value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(value.slice(i, i + 255));
  return (parts.length ? parts : ['']).map((p) => `"${p.replace(/(["\\])/g, '\\$1')}"`).join(' ');
}

function localData(r: ZoneRecord): string {
  const data = r.type === 'TXT' ? txtData(r.value) : r.value;
  return `  local-data: '${r.name}. 300 IN ${r.type} ${data}'`;
}

function config(dir: string, port: number, records: readonly ZoneRecord[]): string {
  return [
    'server:',
    `  interface: 127.0.0.1@${port}`,
    '  port: ' + port,
    '  do-ip6: no',
    '  do-daemonize: no',
    '  chroot: ""',
    '  username: ""',
    `  directory: "${dir}"`,
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  num-threads: 1',
    '  outgoing-range: 32',
    '  num-queries-per-thread: 16',
    '  msg-cache-size: 256k',
    '  rrset-cache-size: 256k',
    '  module-config: "iterator"',
    '  access-control: 127.0.0.0/8 allow',
    '  local-zone: "." static',
    `  local-data: '${READY_NAME}. 300 IN TXT "ok"'`,
    ...records.map(localData),
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

async function answers(port: number): Promise<boolean> {
  const r = new Resolver({ timeout: 200, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  try {
    return (await r.resolveTxt(READY_NAME)).length > 0;
  } catch {
    return false;
  }
}

async function waitUntilAnswering(child: ChildProcess, port: number, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`unbound exited with ${child.exitCode}: ${stderr()}`);
    if (await answers(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`unbound did not answer on 127.0.0.1:${port} within 5 s: ${stderr()}`);
}

async function startOnce(binary: string, dir: string, records: readonly ZoneRecord[]): Promise<Unbound> {
  const port = await freePort();
  const conf = join(dir, 'unbound.conf');
  await writeFile(conf, config(dir, port, records));
  const child = spawn(binary, ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  try {
    await waitUntilAnswering(child, port, () => err.trim());
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    servers: [`127.0.0.1:${port}`],
    port,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function startUnbound(records: readonly ZoneRecord[]): Promise<Unbound> {
  const binary = BINARIES.find((b) => existsSync(b));
  if (!binary) throw new Error('unbound is not installed: `apt-get install unbound` (scripts/test.sh installs it)');
  const dir = await mkdtemp(join(tmpdir(), 'm2s-unbound-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const server = await startOnce(binary, dir, records);
      return { ...server, stop: async () => { await server.stop(); await rm(dir, { recursive: true, force: true }); } };
    } catch (e) {
      lastError = e; // most likely the port was taken between check and bind; try another
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
