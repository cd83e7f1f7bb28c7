/*
 * verifier.ts - the verdict stage's shell: one mail in, a Verdict out, by the configured mode
 * (SPEC 3: `verdict: dns | records | relay`; `trusted-ip` checks nothing and needs no verifier).
 *
 * Promise: verify() resolves to a Verdict and rejects only on a bug. A DNS temperror is the
 * verdict kind 'temperror' (the caller answers 451 4.7.0), never a judgment. describe() is the
 * one start-log line saying what this mode checks and what it does not.
 */
import { GatewayError } from '../errors.js';
import { parseCidr, type Cidr } from '../policy/index.js';
import { authenticateMail, loadMailauth } from './authenticate.js';
import { judge, type Verdict } from './judge.js';
import { judgeRelayed } from './relay.js';
import { dnsResolver, pinnedNames, recordsResolver, type DnsResolver, type PinnedRecords } from './resolvers.js';

export interface VerdictInput {
  readonly raw: Buffer;
  /** The SMTP client's address as the socket reported it. */
  readonly clientAddress: string;
  readonly helo: string;
  /** Envelope MAIL FROM; '' for the null reverse-path. */
  readonly mailFrom: string;
}

export interface VerifierOptions {
  readonly mode: 'dns' | 'records' | 'relay';
  /** Our hostname (mailauth writes it into result comments). */
  readonly hostname: string;
  /** "host:port" servers; absent or empty: the system resolver. */
  readonly dnsServers?: readonly string[];
  /** `records` mode: name -> TXT string(s); only TXT is pinned, other lookups go to DNS. */
  readonly records?: PinnedRecords;
  /** `relay` mode: relay addresses as CIDRs, and the authserv-id its header carries. */
  readonly relay?: { readonly hosts: readonly string[]; readonly authservId: string };
  /** DNS wait per try and tries per server (defaults 2000 ms, 2). */
  readonly dnsTimeoutMs?: number;
  readonly dnsTries?: number;
}

export interface Verifier {
  verify(input: VerdictInput): Promise<Verdict>;
  describe(): string;
}

function invalid(message: string): GatewayError {
  return new GatewayError('M2S_CONFIG_INVALID', message);
}

function relayHosts(hosts: readonly string[]): Cidr[] {
  return hosts.map((h) => {
    const cidr = parseCidr(h);
    if (!cidr) throw invalid(`verdict relay host "${h}" is not an IP address or CIDR`);
    return cidr;
  });
}

function dnsWords(servers: readonly string[] | undefined): string {
  return servers && servers.length > 0 ? `DNS servers ${servers.join(', ')}` : 'the system resolver';
}

function authenticating(resolver: DnsResolver, hostname: string): Verifier['verify'] {
  // Loaded now, not at the first mail; a failure to load shows at verify() (a bug: 451 4.3.0).
  loadMailauth().catch(() => undefined);
  return async (input) => judge(await authenticateMail(input, { resolver, hostname }));
}

/** Throws GatewayError M2S_CONFIG_INVALID when the options of the mode are missing or bad. */
export function createVerifier(options: VerifierOptions): Verifier {
  const dns = dnsResolver({
    ...(options.dnsServers ? { servers: options.dnsServers } : {}),
    ...(options.dnsTimeoutMs === undefined ? {} : { timeoutMs: options.dnsTimeoutMs }),
    ...(options.dnsTries === undefined ? {} : { tries: options.dnsTries }),
  });
  const via = dnsWords(options.dnsServers);
  switch (options.mode) {
    case 'dns':
      return {
        verify: authenticating(dns, options.hostname),
        describe: () => `verdict dns: DKIM, SPF and DMARC checked against ${via}; a DNS failure answers 451 4.7.0`,
      };
    case 'records': {
      if (!options.records) throw invalid('verdict records needs pinned records');
      const names = pinnedNames(options.records);
      return {
        verify: authenticating(recordsResolver(options.records, dns), options.hostname),
        describe: () =>
          `verdict records: DKIM, SPF and DMARC checked; TXT records pinned for ${names.length} name(s) (${names.join(', ')}) are answered from the config, ` +
          `every other lookup (other names; A, MX, PTR asked by SPF mechanisms) goes to ${via} and answers 451 4.7.0 when that fails`,
      };
    }
    case 'relay': {
      if (!options.relay) throw invalid('verdict relay needs relay hosts and an authserv-id');
      const trust = { hosts: relayHosts(options.relay.hosts), authservId: options.relay.authservId };
      const hosts = options.relay.hosts.join(', ');
      return {
        verify: (input) => Promise.resolve(judgeRelayed(input.raw, input.clientAddress, trust)),
        describe: () =>
          `verdict relay: DKIM, SPF and DMARC are not checked here; the Authentication-Results with authserv-id ${trust.authservId} added by a relay at ${hosts} is believed, ` +
          `every other Authentication-Results header is ignored, and mail from other clients is FAIL on all three`,
      };
    }
  }
}
