/*
 * dkim-kit.ts - DKIM keys made with node:crypto and mails built and signed in the test (RFC 6376),
 * shared by the verdict integration tests and the end-to-end tests of who may send.
 *
 * Promise: rsaKey() gives a fresh 2048-bit key and the p= value of its DNS record; mail() builds a
 * small RFC 5322 text mail with CRLF line ends; sign() prepends one DKIM-Signature field made by
 * mailauth's signer (relaxed/relaxed), so a test controls exactly what was signed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';

export interface KeyPair {
  readonly privateKey: string;
  /** The p= value: base64 SubjectPublicKeyInfo (RFC 6376 §3.6.1). */
  readonly p: string;
}

export function rsaKey(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    p: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

export interface MailOptions {
  /** The header From address. */
  readonly from: string;
  readonly to?: string;
  readonly subject?: string;
  readonly body?: string;
  readonly extraHeaders?: readonly string[];
}

export function mail(options: MailOptions): Buffer {
  const lines = [
    ...(options.extraHeaders ?? []),
    `From: Alerts <${options.from}>`,
    `To: ${options.to ?? '+447700900123@sms.example.lan'}`,
    `Subject: ${options.subject ?? 'Pump 3 pressure low'}`,
    'Date: Tue, 02 Jan 2024 10:00:00 +0000',
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    options.body ?? 'Pressure 1.2 bar at 10:00.',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

export interface SignOptions {
  readonly domain: string;
  readonly selector: string;
  readonly key: KeyPair;
  readonly algorithm?: 'rsa-sha256' | 'rsa-sha1';
}

/** The mail with a DKIM-Signature field prepended (mailauth's signer). */
export async function sign(raw: Buffer, options: SignOptions): Promise<Buffer> {
  const entry = {
    signingDomain: options.domain,
    selector: options.selector,
    privateKey: options.key.privateKey,
    algorithm: options.algorithm ?? 'rsa-sha256',
    canonicalization: 'relaxed/relaxed',
  };
  const result = await dkimSign(raw, { ...entry, signatureData: [entry] });
  if (result.errors.length > 0) throw result.errors[0];
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}
