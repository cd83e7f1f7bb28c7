/*
 * daemon.ts - runs the built `mail2sms` CLI as a child process for end-to-end tests: writes a
 * temp config, starts the command, collects its JSON log lines, waits for a given event, and
 * fails a test on any unexpected `error`/`fatal` line (STYLE 6).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface LogLine {
  readonly level: string;
  readonly event?: string;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export class Proc {
  readonly lines: LogLine[] = [];
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private waiters: Array<{ test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      this.stdout.push(text);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 'text', msg: text };
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
    });
    createInterface({ input: child.stderr! }).on('line', (text) => this.stderr.push(text));
    // 'close' comes after the output streams end, so every line has been read by then.
    this.exited = new Promise((res) => child.on('close', (code, signal) => res({ code, signal })));
  }

  /** Resolves with the first line (already seen or future) that passes `test`. */
  waitFor(test: (l: LogLine) => boolean, timeoutMs = 15_000, what = 'log line'): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`timed out waiting for ${what}; stdout:\n${this.stdout.slice(-30).join('\n')}\nstderr:\n${this.stderr.join('\n')}`)), timeoutMs);
      const waiter = { test, resolve: (l: LogLine) => (clearTimeout(timer), res(l)) };
      this.waiters.push(waiter);
      void this.exited.then(() => {
        if (this.waiters.includes(waiter)) {
          clearTimeout(timer);
          rej(new Error(`process exited while waiting for ${what}; stderr:\n${this.stderr.join('\n')}\nstdout:\n${this.stdout.slice(-30).join('\n')}`));
        }
      });
    });
  }

  /** Lines at error level or worse, except those `allowed` names. */
  unexpectedErrors(allowed: (l: LogLine) => boolean = () => false): LogLine[] {
    return this.lines.filter((l) => (l.level === 'error' || l.level === 'fatal') && !allowed(l));
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/** Runs the CLI; `options.input`, when given, is written to its stdin (e.g. a `--password`). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { readonly input?: string } = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  return new Proc(child);
}

export function tempDir(prefix = 'mail2sms-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, yaml: string): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** A config whose one route is a real modem at `modemPath` (a sim pty), SMTP on 127.0.0.1:`port`. */
export function writeModemConfig(dir: string, port: number, modemPath: string): string {
  return writeConfig(dir, `domain: sms.test
hostname: gw.test
state_dir: ${join(dir, 'state')}
smtp: { listen: "127.0.0.1:${port}", greeting_delay_ms: 0 }
routes:
  - { name: gsm1, transport: modem, path: ${modemPath}, baud: 115200 }
`);
}
