/*
 * auth.ts - who may use the admin API (SPEC 11: a bearer token from `http.token_file`).
 *
 * - On the unix socket, nobody is asked for a token: the socket is 0600 in the 0700 state dir, so
 *   only the gateway's user (and root) can connect; its file mode is the guard.
 * - On `http.listen`, every /api request needs `Authorization: Bearer <token>`. The token and
 *   what was sent are compared as SHA-256 digests with crypto.timingSafeEqual: equal lengths
 *   always, and no early exit that would tell how much of a guess was right. Missing or wrong:
 *   401 with `WWW-Authenticate: Bearer`. No token_file configured: the API is off on TCP (403,
 *   saying so), /metrics and /healthz are served as before.
 * - readTokenFile refuses, with M2S_HTTP_TOKEN_UNUSABLE, a file that is missing, unreadable,
 *   empty, shorter than MIN_TOKEN_LENGTH, or readable or writable by every user (mode o+r, o+w):
 *   a token anyone on the box can read protects nothing. A group-readable file (root:mail2sms
 *   0640) is accepted. The token is the file's first line, surrounding white space removed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { describeFsError, GatewayError } from '../errors.js';

/** At least this many characters: `openssl rand -hex 32` gives 64. */
export const MIN_TOKEN_LENGTH = 16;

/** `socket`: no token asked; `token`: the digest of the configured token; `disabled`: no token_file on TCP. */
export type Access = { readonly kind: 'socket' } | { readonly kind: 'token'; readonly digest: Buffer } | { readonly kind: 'disabled' };

const digestOf = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function readTokenFile(path: string): Access {
  const unusable = (why: string): GatewayError => new GatewayError('M2S_HTTP_TOKEN_UNUSABLE', `http.token_file ${path}: ${why}`);
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw unusable(`cannot be read: ${describeFsError(err)}; create it with: openssl rand -hex 32 > ${path} && chmod 600 ${path}`);
  }
  if ((mode & 0o006) !== 0) throw unusable(`is readable or writable by every user (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run chmod 600 ${path}`);
  const token = (text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '').trim();
  if (token === '') throw unusable('is empty; put a token in it, e.g. openssl rand -hex 32');
  if (token.length < MIN_TOKEN_LENGTH) throw unusable(`holds a token of ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (openssl rand -hex 32)`);
  return { kind: 'token', digest: digestOf(token) };
}

/** Whether the request carries the token; the comparison takes the same time whatever was sent. */
export function hasToken(access: Extract<Access, { kind: 'token' }>, req: IncomingMessage): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return timingSafeEqual(digestOf(match?.[1] ?? ''), access.digest) && match !== null;
}

/** Throws the 401 or 403 the request gets, or returns when it may go on. */
export function checkAccess(access: Access, req: IncomingMessage): void {
  if (access.kind === 'socket') return;
  if (access.kind === 'disabled') throw new GatewayError('M2S_API_DISABLED', 'the admin API is off on http.listen: no http.token_file is configured (the unix socket control.sock in the state dir works without one)');
  if (!hasToken(access, req)) {
    throw new GatewayError('M2S_API_UNAUTHORIZED', req.headers.authorization === undefined ? 'this needs Authorization: Bearer <the token in http.token_file>' : 'wrong token');
  }
}
