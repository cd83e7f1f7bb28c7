/*
 * ports.ts - a port free on 127.0.0.1 for a test's server, found by binding port 0.
 *
 * Promise: the port was free for both UDP and TCP a moment ago (the kernel chose it, the socket is
 * closed again); no random guess that may collide with another test's server.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A port free for both UDP and TCP on 127.0.0.1 right now (bound, then closed). */
export async function freePort(): Promise<number> {
  const udpPort = await new Promise<number>((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  await new Promise<void>((resolve, reject) => {
    const t = createServer();
    t.once('error', reject);
    t.listen(udpPort, '127.0.0.1', () => t.close(() => resolve()));
  });
  return udpPort;
}
