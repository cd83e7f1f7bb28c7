/*
 * sim-pty.ts - runs `mail2sms sim --pty` as its own process (so it outlives gateway restarts)
 * and collects the SMS it receives, one decoded JSON line each, and the `--mo` texts it says it
 * was sent (`sim.mo`).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from './daemon.js';

export interface SimSms {
  readonly event: 'sim.sms';
  readonly at: string;
  readonly mr: number;
  readonly length: number;
  readonly tpdu: string;
  readonly destination: string;
  readonly encoding: string;
  readonly text: string;
  readonly concat: { ref: number; total: number; seq: number } | null;
}

/** A `--mo` text the simulated modem was handed (cli/commands/sim.ts). */
export interface SimMo {
  readonly event: 'sim.mo';
  readonly from: string;
  readonly text: string;
  readonly parts: number;
  readonly tpdus: readonly string[];
  readonly held: number;
}

export interface SimProcess {
  readonly path: string;
  readonly received: SimSms[];
  readonly mo: SimMo[];
  /** A phone sends the modem TEXT from NUMBER now (a `mo NUMBER TEXT` line on the sim's stdin). */
  sendMo(from: string, text: string): void;
  waitForCount(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `command` runs the CLI (default: this Node on the built CLI; e.g. behind `nsenter` in a container). */
export async function startSimPty(link: string, args: readonly string[] = [], command: readonly string[] = [process.execPath, CLI]): Promise<SimProcess> {
  const [file, ...prefix] = command;
  const child = spawn(file!, [...prefix, 'sim', '--pty', '--link', link, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const received: SimSms[] = [];
  const mo: SimMo[] = [];
  const stderr: string[] = [];
  let waiters: Array<() => void> = [];
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const path = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let first = true;
    lines.on('line', (line) => {
      if (first) {
        first = false;
        resolve(line.trim());
        return;
      }
      const event = JSON.parse(line) as SimSms | SimMo;
      if (event.event === 'sim.mo') mo.push(event);
      else received.push(event);
      waiters.forEach((w) => w());
    });
    void exited.then(() => reject(new Error(`sim exited: ${stderr.join('\n')}`)));
  });
  return {
    path,
    received,
    mo,
    sendMo(from, text) {
      child.stdin!.write(`mo ${from} ${text}\n`);
    },
    waitForCount(n, timeoutMs = 20_000) {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sim got ${received.length} of ${n} SMS`)), timeoutMs);
        const check = (): void => {
          if (received.length >= n) {
            clearTimeout(timer);
            waiters = waiters.filter((w) => w !== check);
            resolve();
          }
        };
        waiters.push(check);
      });
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
