/*
 * gateway-fork.mjs - the gateway under measurement, started as gateway-child.mjs in a process of
 * its own with the V8 flags it is deployed with (plus BENCH_GATEWAY_NODE_ARGS, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it), and driven over IPC. run-all.mjs and
 * verdict.mjs start their gateways here.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from './smtp-load.mjs';

/** The first line of src/cli/main.ts (a unit test keeps them equal). */
export const DEPLOYED_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=256'];
const CHILD = fileURLToPath(new URL('./gateway-child.mjs', import.meta.url));

/**
 * Forks gateway-child.mjs with a fresh state dir and `args` (greeting ms, mode, verdict JSON).
 * `held`: the modem holds a send open on purpose (accept-only), so stop() does not drain.
 */
export async function forkGateway(args, { held = false, nofile } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'm2s-bench-'));
  const nodeArgs = [...DEPLOYED_NODE_FLAGS, ...(process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  // `nofile`: the child's file descriptor limit (ulimit -n), raised through prlimit(1) (needs root
  // or CAP_SYS_RESOURCE above the hard limit); prlimit execs node, which keeps the IPC channel.
  const child = fork(CHILD, [dir, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(nofile ? { execPath: 'prlimit', execArgv: [`--nofile=${nofile}:${nofile}`, process.execPath, ...nodeArgs] } : { execArgv: nodeArgs }),
  });
  let seq = 0;
  const pending = new Map();
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
    child.on('message', (msg) => {
      if (msg.ready) return resolve(msg);
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    });
  });
  const request = (cmd) =>
    new Promise((resolve) => {
      seq += 1;
      pending.set(seq, resolve);
      child.send({ cmd, id: seq });
    });
  const { port, rss } = await ready;
  const exited = () => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  return {
    port,
    pid: child.pid,
    startRss: rss,
    request,
    async stop() {
      if (held) {
        // The child exits when the IPC channel closes (so a --cpu-prof profile is written), or is killed.
        const done = exited();
        child.disconnect();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await done;
        clearTimeout(timer);
      } else {
        const done = exited();
        await request('stop');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Offset of the gateway's clock from ours (both performance.timeOrigin + performance.now()),
 * from the IPC exchange with the shortest round trip of 30.
 */
export async function clockOffset(gw) {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 30; i += 1) {
    const t0 = now();
    const { now: theirs } = await gw.request('clock');
    const t1 = now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: theirs - (t0 + t1) / 2 };
  }
  return best.offset;
}

/** The gateway's snapshot once `accepted` SMS have reached the simulated modem (or after timeoutMs). */
export async function drained(gw, accepted, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const snap = await gw.request('snapshot');
    if (snap.submitted >= accepted || Date.now() > until) return snap;
    await new Promise((r) => setTimeout(r, 20));
  }
}
