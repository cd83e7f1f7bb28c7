/*
 * tls-files.ts - the files named by `smtp.tls`, read and checked before anything starts.
 *
 * Promise: returns the key and certificate only when both can be read and form a usable pair;
 * otherwise M2S_TLS_UNREADABLE naming the key (`smtp.tls.key`), the file and the reason on one
 * line (a missing key file used to surface as a stack trace from a half-started gateway, issue 12).
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { describeFsError, GatewayError } from '../errors.js';

export interface TlsFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
}

export function readTlsFiles(tls: { readonly key: string; readonly cert: string }): TlsFiles {
  const read = (name: 'key' | 'cert', path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new GatewayError('M2S_TLS_UNREADABLE', `smtp.tls.${name} ${path}: cannot read: ${describeFsError(err)}`, { cause: err });
    }
  };
  const files = { key: read('key', tls.key), cert: read('cert', tls.cert) };
  try {
    createSecureContext(files);
  } catch (err) {
    // OpenSSL's reason, e.g. "error:0480006C:PEM routines::no start line" or "key values mismatch".
    throw new GatewayError('M2S_TLS_UNREADABLE', `smtp.tls.key ${tls.key} and smtp.tls.cert ${tls.cert} are not a usable PEM key and certificate: ${(err as Error).message}`, { cause: err });
  }
  return files;
}
