/*
 * carrier-pty.ts - runs a simulated modem behind a pseudo-terminal, so other software (gammu,
 * smstools, minicom, or this gateway's own driver with the real serialport binding) can open it
 * as a serial device (`mail2sms sim --pty`, SPEC 9, 11).
 *
 * Choice: socat makes a linked pair of ptys (`socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`);
 * the device sits on A, opened with serialport's own platform binding (bindings-cpp), and B is
 * handed out. socat is packaged everywhere (Debian `socat`), needs no native addon of ours and
 * gives both ends stable paths; a single openpty() would need a native module. Both ends are raw
 * with echo off, so the only echo is the device's own (ATE1).
 *
 * Promise: startPtySim() resolves once both ends exist and the device end is open; close() stops
 * reading, closes the port and ends socat. Answers keep their order; each waits its delay after
 * the previous one (latency is applied serially). deliverMo() is the radio network handing the
 * device a text a phone sent it; the device is ticked every TICK_MS (carrier.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect, type BindingPortInterface } from '@serialport/bindings-cpp';
import { TICK_MS } from './carrier.js';
import type { MoSms, SimDevice } from './device.js';

export interface PtySimOptions {
  /** Where the outer end's symlink goes; default a temp dir. */
  readonly link?: string;
  readonly socat?: string;
  /** How long to wait for socat to make the ptys. */
  readonly startTimeoutMs?: number;
}

export interface PtySim {
  /** The path other software opens (a symlink to /dev/pts/N). */
  readonly path: string;
  /** A phone sends the device a text (SimDevice.deliverMo); its TPDUs. */
  deliverMo(sms: MoSms): readonly string[];
  close(): Promise<void>;
}

export async function startPtySim(device: SimDevice, options: PtySimOptions = {}): Promise<PtySim> {
  const dir = mkdtempSync(join(tmpdir(), 'mail2sms-pty-'));
  const inner = join(dir, 'device');
  const outer = options.link ?? join(dir, 'modem');
  const socat = spawn(options.socat ?? 'socat', ['-d', '-d', `pty,raw,echo=0,link=${inner}`, `pty,raw,echo=0,link=${outer}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  socat.stderr?.resume();
  let spawnError: Error | undefined;
  socat.once('error', (err) => (spawnError = err));
  try {
    await waitForLinks(socat, [inner, outer], options.startTimeoutMs ?? 5_000, () => spawnError);
    const port = await autoDetect().open({ path: inner, baudRate: 115200, lock: false });
    return carry(device, port, outer, async () => {
      await stopProcess(socat);
      rmSync(dir, { recursive: true, force: true });
    });
  } catch (err) {
    await stopProcess(socat);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function carry(device: SimDevice, port: BindingPortInterface, path: string, cleanup: () => Promise<void>): PtySim {
  let writes: Promise<void> = Promise.resolve();
  const unsubscribe = device.onOutput((out) => {
    writes = writes
      .then(() => (out.delayMs > 0 ? new Promise<void>((r) => setTimeout(r, out.delayMs)) : undefined))
      .then(() => (port.isOpen ? port.write(Buffer.from(out.bytes)) : undefined))
      .catch(() => undefined);
  });
  const reading = (async () => {
    const buffer = Buffer.alloc(1024);
    while (port.isOpen) {
      try {
        const { bytesRead } = await port.read(buffer, 0, buffer.length);
        device.write(Buffer.from(buffer.subarray(0, bytesRead)));
      } catch {
        return; // canceled on close, or the pty went away
      }
    }
  })();
  const ticker = setInterval(() => device.tick(), TICK_MS);
  ticker.unref();
  return {
    path,
    deliverMo: (sms) => device.deliverMo(sms),
    async close() {
      clearInterval(ticker);
      unsubscribe();
      await writes;
      if (port.isOpen) await port.close().catch(() => undefined);
      await reading;
      await cleanup();
    },
  };
}

async function waitForLinks(child: ChildProcess, paths: readonly string[], timeoutMs: number, failed: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!paths.every((p) => existsSync(p))) {
    const err = failed();
    if (err) throw new Error(`cannot run socat (Debian package socat): ${err.message}`, { cause: err });
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`socat exited (${child.exitCode ?? child.signalCode}) before making the ptys`);
    if (Date.now() > deadline) throw new Error(`socat made no ptys within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}
