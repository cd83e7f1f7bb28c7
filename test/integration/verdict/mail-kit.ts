/*
 * mail-kit.ts - what the verdict integration tests share: keys made with node:crypto, the DNS
 * zone holding their public halves, and mails built and DKIM-signed in the test.
 */
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import type { ZoneRecord } from '../../helpers/unbound.js';

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

/** The client address SPF allows for example.com, example.net and soft.example.org. */
export const GOOD_IP = '192.0.2.10';
/** An address no SPF record names. */
export const OTHER_IP = '198.51.100.99';

export const KEY = rsaKey();
/** A key whose public half is in no zone: signatures made with it are forgeries. */
export const FORGER_KEY = rsaKey();

/** The test zone: example.com enforces DMARC, example.net monitors, example.org publishes nothing. */
export const ZONE: readonly ZoneRecord[] = [
  { name: 'example.com', type: 'TXT', value: `v=spf1 ip4:${GOOD_IP} -all` },
  { name: 'sel1._domainkey.example.com', type: 'TXT', value: `v=DKIM1; k=rsa; p=${KEY.p}` },
  { name: 'revoked._domainkey.example.com', type: 'TXT', value: 'v=DKIM1; k=rsa; p=' },
  { name: '_dmarc.example.com', type: 'TXT', value: 'v=DMARC1; p=reject; adkim=r; aspf=r' },
  { name: 'example.net', type: 'TXT', value: `v=spf1 ip4:${GOOD_IP} -all` },
  { name: 'sel1._domainkey.example.net', type: 'TXT', value: `v=DKIM1; k=rsa; p=${KEY.p}` },
  { name: '_dmarc.example.net', type: 'TXT', value: 'v=DMARC1; p=none' },
  { name: 'soft.example.org', type: 'TXT', value: `v=spf1 ip4:192.0.2.200 ~all` },
];

export interface MailOptions {
  readonly from: string;
  readonly body?: string;
  readonly extraHeaders?: readonly string[];
}

export function mail(options: MailOptions): Buffer {
  const lines = [
    ...(options.extraHeaders ?? []),
    `From: Alerts <${options.from}>`,
    'To: +447700900123@sms.example.lan',
    'Subject: Pump 3 pressure low',
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
  readonly key?: KeyPair;
  readonly algorithm?: 'rsa-sha256' | 'rsa-sha1';
}

/** The mail with a DKIM-Signature field prepended (mailauth's signer). */
export async function sign(raw: Buffer, options: SignOptions): Promise<Buffer> {
  const entry = {
    signingDomain: options.domain,
    selector: options.selector,
    privateKey: (options.key ?? KEY).privateKey,
    algorithm: options.algorithm ?? 'rsa-sha256',
    canonicalization: 'relaxed/relaxed',
  };
  const result = await dkimSign(raw, { ...entry, signatureData: [entry] });
  if (result.errors.length > 0) throw result.errors[0];
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}
