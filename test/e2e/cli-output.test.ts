/*
 * Issue 12: a reader that stops reading the CLI's output early (`mail2sms queue list | head -1`)
 * ends the command quietly with status 0: no EPIPE stack trace on stderr.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/index.js';
import { openQueue, type NewMessage } from '../../src/queue/index.js';
import { ensureStateDir } from '../../src/state/index.js';
import { CLI, tempDir, writeConfig } from '../helpers/daemon.js';

function message(i: number): NewMessage {
  return {
    mailId: `<m${i}@example.lan>`,
    to: '+447700900123',
    from: 'alerts@example.lan',
    account: 'default',
    userEmail: 'alerts@example.lan',
    encoding: 'gsm7',
    parts: [{ text: `disk ${i} is full` }],
    concatenated: false,
    priority: 0,
    validUntil: Date.now() + 86_400_000,
    statusReport: false,
    notify: { success: false, failure: true },
  };
}

/** Runs the command and closes its stdout after the first chunk, as `head -1` does. */
function readFirstChunkOnly(args: readonly string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; first: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let first = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.once('data', (d: Buffer) => {
    first = d.toString();
    child.stdout.destroy();
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr, first })));
}

describe('the CLI and a closed stdout (issue 12)', () => {
  it('queue list into a reader that stops after the first chunk exits 0 with nothing on stderr', async () => {
    const dir = tempDir();
    const state = join(dir, 'state');
    const config = writeConfig(dir, `domain: sms.test\nstate_dir: ${state}\n`);
    ensureStateDir(state);
    const queue = openQueue({ path: join(state, 'mail2sms.db'), logger: silentLogger() });
    // Far more than a pipe holds (64 KB), so the command is still writing when the reader goes.
    await queue.enqueue(Array.from({ length: 3000 }, (_, i) => message(i)));
    await queue.close();
    for (const args of [['queue', 'list', '--limit', '3000'], ['queue', 'list', '--json', '--limit', '3000']]) {
      const r = await readFirstChunkOnly([...args, '--config', config]);
      expect(r.first.length).toBeGreaterThan(0);
      expect(r.stderr).toBe('');
      expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    }
  });
});
