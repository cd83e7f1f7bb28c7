/*
 * SMTP AUTH passwords as scrypt hashes (RFC 7914): the stored form, verification, and that a
 * malformed or hostile stored hash is refused rather than computed.
 */
import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordHash, verifyPasswordHash } from '../../../src/accounts/index.js';

describe('password hashes', () => {
  it('stores scrypt$16384$8$1$salt$hash with a 16-byte salt and a 32-byte hash', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const parts = parsePasswordHash(stored);
    expect(parts?.salt.length).toBe(16);
    expect(parts?.hash.length).toBe(32);
  });

  it('salts each hash, so one password hashed twice gives two different hashes', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('s3cret pässword');
    expect(await verifyPasswordHash(stored, 's3cret pässword')).toBe(true);
    expect(await verifyPasswordHash(stored, 's3cret password')).toBe(false);
    expect(await verifyPasswordHash(stored, '')).toBe(false);
  });

  it('answers false for a stored value that is not a hash of ours', async () => {
    expect(await verifyPasswordHash('plain', 'plain')).toBe(false);
    expect(await verifyPasswordHash('scrypt$16384$8$1$c2FsdA==$aGFzaA==', 'x')).toBe(false);
  });

  it('refuses parameters that would make one login cost gigabytes', () => {
    const salt = Buffer.alloc(16).toString('base64');
    const hash = Buffer.alloc(32).toString('base64');
    expect(parsePasswordHash(`scrypt$16384$8$1$${salt}$${hash}`)).toBeDefined();
    expect(parsePasswordHash(`scrypt$${1 << 24}$8$1$${salt}$${hash}`)).toBeUndefined();
    expect(parsePasswordHash(`scrypt$16384$999$1$${salt}$${hash}`)).toBeUndefined();
    expect(parsePasswordHash(`scrypt$10000$8$1$${salt}$${hash}`)).toBeUndefined();
  });
});
