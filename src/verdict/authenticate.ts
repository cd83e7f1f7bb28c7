/*
 * authenticate.ts - run mailauth's DKIM, SPF and DMARC checks on one mail, DNS through an
 * injected resolver (SPEC 3, STYLE 9: the one place mailauth is imported).
 *
 * Promise: resolves to the plain results judge.ts reads; DNS failures come back inside them as
 * `temperror`, never as a rejection (mailauth catches them: lib/spf/index.js, lib/dmarc/verify.js,
 * lib/dkim/dkim-verifier.js). It rejects only on a bug.
 *
 * It calls dkimVerify, spf and dmarc in the order mailauth's authenticate() does, and not
 * authenticate() itself, for two reasons: an rsa-sha1 signature must not count towards DMARC
 * alignment either (RFC 8301 §3.1; mailauth counts it), and ARC and BIMI are not wanted (they
 * cost lookups and decide nothing here).
 */
import type * as Mailauth from 'mailauth';
import { readHeaderFields } from './header-fields.js';
import { signatureVerifies, type AuthResults, type DkimRowLike } from './judge.js';
import type { DnsResolver } from './resolvers.js';

export interface AuthenticateInput {
  readonly raw: Buffer;
  readonly clientAddress: string;
  readonly helo: string;
  /** Envelope sender; '' for the null reverse-path (SPF then checks postmaster@helo, RFC 7208 §2.4). */
  readonly mailFrom: string;
}

export interface AuthenticateOptions {
  readonly resolver: DnsResolver;
  /** Our hostname, written into result comments (mailauth `mta`). */
  readonly hostname: string;
}

type MailauthResolver = NonNullable<Parameters<typeof Mailauth.spf>[0]['resolver']>;

/** HELO as mailauth's authenticate() passes it: an address literal in brackets, the IP when empty. */
function heloFor(helo: string, ip: string): string {
  const h = helo.trim() || ip;
  return /^[0-9.]+$/.test(h) || (h.includes(':') && !h.startsWith('[')) ? `[${h}]` : h;
}

/*
 * mailauth (with its public-suffix list) is ~15 MB of a running process. A box on `verdict:
 * trusted-ip` never judges a mail, so the library is loaded only when a verifier is made
 * (createVerifier calls loadMailauth() at start, so the first mail does not wait for it).
 */
let mailauth: Promise<typeof Mailauth> | undefined;
export function loadMailauth(): Promise<typeof Mailauth> {
  return (mailauth ??= import('mailauth'));
}

export async function authenticateMail(input: AuthenticateInput, options: AuthenticateOptions): Promise<AuthResults> {
  const { dkimVerify, dmarc, spf } = await loadMailauth();
  const resolver = options.resolver as MailauthResolver;
  const sender = input.mailFrom.trim() || undefined;
  const dkimResult = await dkimVerify(input.raw, { resolver, ...(sender ? { sender } : {}) });
  const spfResult = await spf({ ip: input.clientAddress, helo: heloFor(input.helo, input.clientAddress), mta: options.hostname, resolver, ...(sender ? { sender } : {}) });
  const rows: readonly DkimRowLike[] = dkimResult.results;
  const dmarcResult = await dmarc({
    headerFrom: dkimResult.headerFrom ?? [],
    spfDomains: spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [],
    dkimDomains: dkimResult.results
      .filter((r) => signatureVerifies(r))
      .map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized })),
    resolver,
  });
  const signatureFields = readHeaderFields(input.raw).filter((f) => f.name === 'dkim-signature').length;
  return { dkim: { results: rows, signatureFields }, spf: spfResult, dmarc: dmarcResult };
}
