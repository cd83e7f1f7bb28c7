/*
 * scripts/install.sh and scripts/build-deb.sh refuse, before building anything, a machine
 * without Node.js or with one older than package.json's engines, naming the version found
 * (issue 15). An old Node cannot be installed here, so a `node` that answers as 18.19.0 stands
 * in for it; PATH holds only the tools the scripts use before the check.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const want = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node.replace(/^>=/, '');
const dir = mkdtempSync(join(tmpdir(), 'm2s-nodecheck-'));
const tools = ['bash', 'sed', 'sort', 'head', 'tail', 'dirname', 'mktemp', 'rm', 'id', 'chmod', 'apt-get', 'cat'];

function pathWith(name: string, node?: string): string {
  const bin = join(dir, name);
  mkdirSync(bin);
  for (const tool of tools) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found !== '') symlinkSync(found, join(bin, tool));
  }
  if (node !== undefined) {
    writeFileSync(join(bin, 'node'), `#!/bin/sh\necho ${node}\n`);
    chmodSync(join(bin, 'node'), 0o755);
  }
  return bin;
}

const noNode = pathWith('none');
const oldNode = pathWith('old', '18.19.0');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the install scripts refuse a missing or old Node.js (issue 15)', () => {
  for (const script of ['scripts/build-deb.sh', 'scripts/install.sh']) {
    it(`${script}: no node on PATH`, () => {
      const r = spawnSync(join(noNode, 'bash'), [join(ROOT, script)], { encoding: 'utf8', env: { PATH: noNode } });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `build-deb: Node.js ${want} or later is needed and no node is on PATH (Debian 13: apt install nodejs npm)\n` });
    });

    it(`${script}: node 18.19.0`, () => {
      const r = spawnSync(join(oldNode, 'bash'), [join(ROOT, script)], { encoding: 'utf8', env: { PATH: oldNode } });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `build-deb: Node.js ${want} or later is needed; found 18.19.0 (${join(oldNode, 'node')})\n` });
    });
  }
});
