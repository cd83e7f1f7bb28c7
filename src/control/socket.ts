/*
 * socket.ts - the daemon's control socket (`<state_dir>/control.sock`) and the CLI's client of it.
 *
 * Server promise: the socket is mode 0600 (made under umask 0177, so it is never open to others,
 * not even between bind and chmod) in the 0700 state dir; a socket left by a killed daemon is
 * replaced at start (the state lock, taken before, says no other daemon runs); close() stops
 * taking requests and removes the file.
 * Client promise: requestDaemon() answers the operation's JSON result, throws the daemon's own
 * error (its code and message), or M2S_DAEMON_NOT_RUNNING saying which state dir has no daemon.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ERROR_CODES, GatewayError, type ErrorCode } from '../errors.js';

export const CONTROL_SOCKET = 'control.sock';

export const controlSocketPath = (stateDir: string): string => join(stateDir, CONTROL_SOCKET);

export interface ControlSocket {
  readonly path: string;
  close(): Promise<void>;
}

/** Call only while holding the state lock: an existing socket file is then stale. */
export async function startControlSocket(stateDir: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<ControlSocket> {
  const path = controlSocketPath(stateDir);
  const server = createServer(handler);
  try {
    rmSync(path, { force: true });
    const before = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => (server.off('error', reject), resolve()));
      });
    } finally {
      process.umask(before);
    }
    chmodSync(path, 0o600);
  } catch (err) {
    server.close();
    throw new GatewayError('M2S_CONTROL_SOCKET_FAILED', `cannot create the control socket ${path}: ${(err as Error).message}`, { cause: err });
  }
  server.on('error', () => undefined); // after listening: logged by nobody, never a crash
  let closing: Promise<void> | undefined;
  return {
    path,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), 1000);
        cut.unref();
      }).finally(() => rmSync(path, { force: true }))),
  };
}

/** One request to the daemon of `stateDir`; `what` is the command, for the no-daemon message. */
export function requestDaemon(stateDir: string, method: string, path: string, body: unknown, what: string): Promise<unknown> {
  const socketPath = controlSocketPath(stateDir);
  const notRunning = (why: string): GatewayError =>
    new GatewayError('M2S_DAEMON_NOT_RUNNING', `no mail2sms is running on state dir ${stateDir} (${why}); start it (mail2sms start, or systemctl start mail2sms) and run ${what} again`);
  if (!existsSync(socketPath)) return Promise.reject(notRunning('no control socket'));
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let value: unknown;
        try {
          value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return reject(new GatewayError('M2S_DAEMON_NOT_RUNNING', `the control socket ${socketPath} answered something that is not JSON (HTTP ${res.statusCode ?? '?'})`));
        }
        if ((res.statusCode ?? 500) < 400) return resolve(value);
        const error = (value as { error?: { code?: unknown; message?: unknown } }).error;
        const code = typeof error?.code === 'string' && error.code in ERROR_CODES ? (error.code as ErrorCode) : 'M2S_DAEMON_NOT_RUNNING';
        reject(new GatewayError(code, typeof error?.message === 'string' ? error.message : `the gateway answered HTTP ${res.statusCode ?? '?'}`));
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A socket file nobody listens on: a daemon that was killed left it.
      reject(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? notRunning(`the control socket ${socketPath} is left from a gateway that stopped`) : new GatewayError('M2S_DAEMON_NOT_RUNNING', `cannot reach the gateway on ${socketPath}: ${err.message}`, { cause: err }));
    });
    req.end(payload);
  });
}
