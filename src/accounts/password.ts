/*
 * password.ts - SMTP AUTH passwords as scrypt hashes (RFC 7914), from node:crypto.
 *
 * Stored form: `scrypt$N$r$p$salt_b64$hash_b64` with a random 16-byte salt, N=16384, r=8, p=1 and
 * a 32-byte hash, so the parameters travel with the hash (an export flashed onto another box
 * verifies there, and stronger parameters later do not break old hashes). Verification recomputes
 * with the stored parameters and compares with timingSafeEqual. Neither function logs; callers
 * never print a hash or a password.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { parsePasswordHash } from './validate.js';

export const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: 128 * N * r bytes are needed; give room for the stored parameters of older hashes.
    scrypt(password.normalize('NFC'), salt, length, { ...options, maxmem: 256 * (options.N ?? 1) * (options.r ?? 1) + (1 << 20) }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** A new hash of `password` with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = SCRYPT_PARAMS;
  const hash = await derive(password, salt, KEY_LENGTH, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` matches `stored`; false (never a throw) for a malformed stored hash. */
export async function verifyPasswordHash(stored: string, password: string): Promise<boolean> {
  const parts = parsePasswordHash(stored);
  if (!parts) return false;
  const hash = await derive(password, parts.salt, parts.hash.length, { N: parts.N, r: parts.r, p: parts.p });
  return timingSafeEqual(hash, parts.hash);
}
