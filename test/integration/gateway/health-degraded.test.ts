/*
 * Issue 12, health: /healthz over real HTTP says `degraded`, and why, while the queue cannot be
 * written and while a send hangs; the gateway runs in process on the simulated modem (the real
 * driver over the in-process device) with its real SQLite file.
 *
 * Disk full is real: the state directory is on a small tmpfs this test mounts, filled with a
 * filler file until the kernel says ENOSPC; freeing the filler makes it writable again. Mounting
 * needs root (CAP_SYS_ADMIN); without it that part is skipped, and says so.
 */
import nodemailer from 'nodemailer';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/index.js';
import { startGateway, type Gateway } from '../../../src/main.js';
import { SimDevice } from '../../../src/transports/sim/index.js';
import { tempDir } from '../../helpers/daemon.js';

interface Health {
  status: string;
  problems: string[];
  queue: { writable?: boolean; writeError?: string; writeFailedSince?: string; writeFailures?: number; segments?: Record<string, number> };
  routes: Array<{ name: string; ready: boolean; sending?: { qid: string; seg: string; outstandingMs: number; expectedMs: number; overdue: boolean } }>;
  inFlight: number;
}

async function start(stateDir: string, device: SimDevice, sendExpectedMs?: number): Promise<{ gateway: Gateway; health: () => Promise<{ code: number; body: Health }>; mail: (to: string, text?: string) => Promise<{ response: string }> }> {
  const dir = tempDir();
  const text = `domain: sms.test\nstate_dir: ${stateDir}\nsmtp: { listen: "127.0.0.1:0", greeting_delay_ms: 0 }\nhttp: { listen: "127.0.0.1:0" }\n`;
  const gateway = await startGateway({
    config: parseConfigText(text, join(dir, 'c.yaml')),
    logger: silentLogger(),
    transportOverrides: { simDevices: new Map([['sim', device]]) },
    ...(sendExpectedMs === undefined ? {} : { sendExpectedMs }),
  });
  await vi.waitFor(() => expect(gateway.transports[0]!.health().ready).toBe(true), { timeout: 5000 });
  const base = `http://${gateway.http!.host}:${gateway.http!.port}`;
  const port = gateway.listening[0]!.port;
  return {
    gateway,
    health: async () => {
      const res = await fetch(`${base}/healthz`);
      return { code: res.status, body: (await res.json()) as Health };
    },
    // The default text takes 8 segments: a commit that writes several pages.
    mail: (to, text = `on battery ${'runtime left 12 min '.repeat(60)}`) => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ from: 'alerts@localhost', to: `${to}@sms.test`, subject: 'ups', text }),
  };
}

/** Mounts a tmpfs of `size` at a new directory; undefined when this process may not mount. */
function mountTmpfs(size: string): string | undefined {
  const at = tempDir('mail2sms-full-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'ignore' });
    return at;
  } catch {
    rmSync(at, { recursive: true, force: true });
    return undefined;
  }
}

/** Writes a file until the filesystem is full (ENOSPC). */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  try {
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (;;) {
      try {
        writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        if (chunk.length === 1) return;
        return fillRest(fd);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function fillRest(fd: number): void {
  for (let size = 32 * 1024; size >= 1; size = Math.floor(size / 2)) {
    try {
      for (;;) writeSync(fd, Buffer.alloc(size, 1));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }
}

function unmount(at: string): void {
  execFileSync('umount', [at]);
  rmSync(at, { recursive: true, force: true });
}

/** Whether this process may mount (tried once, unmounted at once). */
function canMount(): boolean {
  const probe = mountTmpfs('64k');
  if (probe === undefined) return false;
  unmount(probe);
  return true;
}

describe.skipIf(!canMount())('a gateway whose state directory fills up (a real full tmpfs; needs root to mount)', () => {
  let g: Awaited<ReturnType<typeof start>>;
  let tmpfs: string;
  let filler: string;
  beforeAll(async () => {
    tmpfs = mountTmpfs('4m')!;
    filler = join(tmpfs, 'filler');
    g = await start(join(tmpfs, 'state'), new SimDevice({ now: Date.now }));
  });
  afterAll(async () => {
    if (filler) rmSync(filler, { force: true });
    await g?.gateway.stop();
    if (tmpfs) unmount(tmpfs);
  });

  it('says ok and writable before the disk is full', async () => {
    const { code, body } = await g.health();
    expect(code).toBe(200);
    expect(body).toMatchObject({ status: 'ok', problems: [], queue: { writable: true } });
  });

  it('answers mail 451 when the disk is full, and /healthz says degraded with SQLITE_FULL', async () => {
    fill(filler);
    // A commit that must grow the file fails; one that fits the free end of the last page may not.
    let refused: { responseCode?: number; response?: string } | undefined;
    for (let i = 0; i < 20 && refused === undefined; i += 1) {
      refused = await g.mail('+447973100000').then(() => undefined, (err: { responseCode?: number; response?: string }) => err);
    }
    expect(refused).toMatchObject({ responseCode: 451, response: expect.stringContaining('4.3.0') });
    const { code, body } = await g.health();
    expect(code).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.queue).toMatchObject({ writable: false, writeError: expect.stringMatching(/^SQLITE_FULL: database or disk is full/) });
    expect(body.queue.writeFailures).toBeGreaterThanOrEqual(1);
    expect(Date.parse(body.queue.writeFailedSince ?? '')).not.toBeNaN();
    expect(body.problems).toEqual([expect.stringContaining('the queue cannot be written: SQLITE_FULL')]);
  });

  it('counts the state in /metrics as mail2sms_queue_writable 0', async () => {
    const metrics = await (await fetch(`http://${g.gateway.http!.host}:${g.gateway.http!.port}/metrics`)).text();
    expect(metrics).toMatch(/^mail2sms_queue_writable 0$/m);
  });

  it('is ok again after the next commit once space is free, and the mail is accepted', async () => {
    rmSync(filler);
    const info = await g.mail('+447973100001');
    expect(info.response).toMatch(/^250 /);
    const { code, body } = await g.health();
    expect(code).toBe(200);
    expect(body.queue.writable).toBe(true);
    expect(body.problems).toEqual([]);
    expect(body.status).toBe('ok');
  });
});

describe('a gateway whose simulated modem hangs after the PDU (no answer to AT+CMGS)', () => {
  let g: Awaited<ReturnType<typeof start>>;
  let device: SimDevice;
  beforeAll(async () => {
    device = new SimDevice({ now: Date.now });
    // The expected time is shortened to 50 ms so the test needs no wait; the default is 30 s.
    g = await start(join(tempDir(), 'state'), device, 50);
  });
  afterAll(async () => {
    // The hung send ends only when the port closes (its submit timeout is 60 s): stop the route first.
    await Promise.all(g?.gateway.transports.map((t) => t.stop({ drain: false })) ?? []);
    await g?.gateway.stop();
  });

  it('says ok while nothing is being sent', async () => {
    const { code, body } = await g.health();
    expect(code).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.routes[0]?.sending).toBeUndefined();
  });

  it('says degraded, naming the route, the segment and how long it has been unanswered', async () => {
    device.setFault('hang-after-prompt');
    const info = await g.mail('+447973100002', 'on battery');
    const qid = /queued as (\S+)/.exec(info.response)?.[1];
    await expect.poll(() => device.received().length, { timeout: 5000 }).toBe(1);
    await expect.poll(async () => (await g.health()).body.routes[0]?.sending?.overdue, { timeout: 5000 }).toBe(true);
    const { code, body } = await g.health();
    expect(code).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.inFlight).toBe(1);
    expect(body.routes[0]).toMatchObject({ name: 'sim', ready: true, sending: { qid, seg: '1/1', expectedMs: 50, overdue: true } });
    expect(body.routes[0]!.sending!.outstandingMs).toBeGreaterThan(50);
    expect(body.problems).toEqual([expect.stringMatching(new RegExp(`^route sim: segment 1/1 of ${qid} unanswered for \\d+ ms, expected within 50 ms$`))]);
    const metrics = await (await fetch(`http://${g.gateway.http!.host}:${g.gateway.http!.port}/metrics`)).text();
    expect(Number(/^mail2sms_send_outstanding_seconds\{route="sim"\} (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0.05);
  });
});
