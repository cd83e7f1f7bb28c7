/*
 * ports.ts - a port free on 127.0.0.1 for a test's server, found by binding port 0.
 *
 * Promise: the port was free for both UDP and TCP a moment ago (the kernel chose it, the socket is
 * closed again); no random guess that may collide with another test's server.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A port free for both UDP and TCP on 127.0.0.1 right now (bound, then closed). The kernel picks
 * a free UDP port; when that number is taken for TCP (another test's socket), another is picked.
 */
export async function freePort(): Promise<number> {
  for (let tries = 1; ; tries += 1) {
    const udpPort = await new Promise<number>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve, reject) => {
      const t = createServer();
      t.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' && tries < 20 ? resolve(false) : reject(err)));
      t.listen(udpPort, '127.0.0.1', () => t.close(() => resolve(true)));
    });
    if (tcpFree) return udpPort;
  }
}

/**
 * A TCP port free on 127.0.0.1 now and below the kernel's ephemeral range, for a server that is
 * killed and started again on the same port: while it is down, no client socket of another test
 * can be given that port as its local end (which made a restart fail with EADDRINUSE).
 */
export async function stablePort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: the common default
  }
  const from = Math.max(1024, Math.min(low, 32768) - 12000);
  for (let tries = 0; tries < 200; tries++) {
    const port = from + Math.floor(Math.random() * (Math.min(low, 32768) - from));
    const free = await new Promise<boolean>((resolve) => {
      const t = createServer();
      t.once('error', () => resolve(false));
      t.listen(port, '127.0.0.1', () => t.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below the ephemeral range');
}
