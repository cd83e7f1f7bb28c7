/*
 * mail-kit.ts - what the verdict integration tests share: their keys, the DNS zone holding the
 * public halves, and sign() with the zone's key by default (mails and signing: helpers/dkim-kit).
 */
import { rsaKey, sign as signWith, type KeyPair, type SignOptions } from '../../helpers/dkim-kit.js';
import type { ZoneRecord } from '../../helpers/unbound.js';

export { mail, rsaKey, type KeyPair, type MailOptions } from '../../helpers/dkim-kit.js';

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

/** The mail with a DKIM-Signature field prepended, made with KEY unless another key is given. */
export function sign(raw: Buffer, options: Omit<SignOptions, 'key'> & { readonly key?: KeyPair }): Promise<Buffer> {
  return signWith(raw, { ...options, key: options.key ?? KEY });
}
