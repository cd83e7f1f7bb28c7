/*
 * Issue 15 item 9: npm commands in the checkout print no `Unknown project config` warning, and
 * the native addons are still compiled, never taken prebuilt: prebuild-install (better-sqlite3)
 * reads buildFromSource from the project's .prebuild-installrc, and the serialport binding that
 * node-gyp-build loads is the compiled build/Release one (scripts/build-native.sh).
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../../..');

describe('issue 15: native addons built from source without npm warnings', () => {
  it('npm in the checkout warns about no config key', async () => {
    const { stdout, stderr } = await run('npm', ['config', 'get', 'save-exact'], { cwd: root });
    expect(stdout.trim()).toBe('true');
    expect(stderr).not.toMatch(/npm warn/i);
  });

  it('prebuild-install, run in the project, is told to build from source', async () => {
    // rc looks for .prebuild-installrc from the working directory up: from node_modules/better-sqlite3 it finds the project's.
    const script = "const pkg = require('better-sqlite3/package.json'); console.log(JSON.stringify(require('prebuild-install/rc')(pkg).buildFromSource))";
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_build_from_source'));
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: root, env });
    expect(JSON.parse(stdout)).toBe(true);
  });

  it('the serialport binding node-gyp-build loads is the one compiled in build/Release', () => {
    const require = createRequire(join(root, 'package.json'));
    const fromSerialport = createRequire(require.resolve('serialport'));
    const bindings = dirname(fromSerialport.resolve('@serialport/bindings-cpp/package.json'));
    const nodeGypBuild = createRequire(join(bindings, 'package.json'))('node-gyp-build') as { path: (dir: string) => string };
    expect(nodeGypBuild.path(bindings)).toBe(join(bindings, 'build', 'Release', 'bindings.node'));
  });
});
