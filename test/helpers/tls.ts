/*
 * tls.ts - a throw-away self-signed certificate for tests of STARTTLS, made with the system's
 * openssl in a temp dir (never smtp-server's built-in test certificate, whose key is public).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** A 1-day RSA 2048 certificate for `cn` (default localhost) and its unencrypted key. */
export function selfSignedCertificate(cn = 'localhost'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'm2s-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${cn}`, '-days', '1'], {
      stdio: 'ignore',
    });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True where the openssl command exists (tests that need a certificate skip without it). */
export const hasOpenssl: boolean = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
